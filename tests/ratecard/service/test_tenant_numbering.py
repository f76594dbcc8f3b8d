"""Each tenant issues its own invoices: its own issuer profile (``ratecard issuer set
--tenant T``) and its own gapless invoice and credit-note numbers, however the tenants'
finalisations interleave. On SQLite and PostgreSQL.

Amounts from seed 000 (qwen3-5-4b: $0.04 per 1M input tokens, $0.07 per 1M output tokens).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from billing.invoicing import InvoiceError, invoice, issuer_profile, set_issuer
from billing.ledger import create_tenant, make_engine, tenant_customer

from .conftest import Service
from .test_service import is_problem, record


def _profiles(db: str) -> None:
    engine = make_engine(db)
    set_issuer(engine, tenant="alpha", name="Alpha Cloud Ltd", address="1 Alpha Road")
    set_issuer(engine, tenant="beta", name="Beta AI GmbH", address="2 Betastrasse")
    engine.dispose()


def test_interleaved_finalisations_are_gapless_per_tenant(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RATECARD_ISSUER_NAME", raising=False)
    c = service.client
    auth = {t: service.auth(t) for t in ("alpha", "beta")}
    customers = ["c1", "c2", "c3"]
    for tenant in ("alpha", "beta"):
        batch = [record(f"e-{name}", customer=name) for name in customers]
        assert c.post("/v1/events", json=batch, headers=auth[tenant]).json()["ingested"] == 3
    # no profile yet: refused, naming the command that sets this tenant's issuer
    refused = c.post("/v1/customers/c1/invoices/2026-11/finalize?force=true", headers=auth["beta"])
    assert "ratecard issuer set --tenant beta --name" in str(is_problem(refused, 409)["detail"])
    _profiles(service.db)

    numbers: dict[str, list[str]] = {"alpha": [], "beta": []}
    for name in customers:  # alpha c1, beta c1, alpha c2, beta c2, ...
        for tenant in ("alpha", "beta"):
            path = f"/v1/customers/{name}/invoices/2026-11/finalize?force=true"
            doc = c.post(path, headers=auth[tenant]).json()
            numbers[tenant].append(doc["document_number"])
            assert doc["issuer"] == {"alpha": "Alpha Cloud Ltd", "beta": "Beta AI GmbH"}[tenant]
    # the refused finalisation spent no number
    assert numbers["alpha"] == ["INV-000001", "INV-000002", "INV-000003"]
    assert numbers["beta"] == ["INV-000001", "INV-000002", "INV-000003"]

    # the same number names each tenant's own invoice
    for tenant, issuer in (("alpha", "Alpha Cloud Ltd"), ("beta", "Beta AI GmbH")):
        got = c.get("/v1/invoices/INV-000002", headers=auth[tenant]).json()
        assert (got["customer"], got["issuer"]) == ("c2", issuer)

    # credit notes: gapless per tenant too (each invoice is $0.18; see test_service)
    notes = []
    for tenant in ("beta", "alpha", "beta"):
        name = "c1" if not notes or tenant == "alpha" else "c2"
        note = c.post(
            f"/v1/customers/{name}/invoices/2026-11/credit-notes",
            json={"amount": "0.01", "reason": "goodwill"},
            headers=auth[tenant],
        )
        assert note.status_code == 201, note.text
        notes.append((tenant, note.json()["document_number"]))
    assert [n for t, n in notes if t == "beta"] == ["CN-000001", "CN-000002"]
    assert [n for t, n in notes if t == "alpha"] == ["CN-000001"]


def test_concurrent_finalisations_of_two_tenants(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight customers per tenant finalised from four threads at once: each tenant's numbers
    are exactly 1..8, whatever order the locks were taken in."""
    monkeypatch.delenv("RATECARD_ISSUER_NAME", raising=False)
    c = service.client
    customers = [f"k{n}" for n in range(8)]
    for tenant in ("alpha", "beta"):
        batch = [record(f"e-{name}", customer=name) for name in customers]
        assert c.post("/v1/events", json=batch, headers=service.auth(tenant)).json()[
            "ingested"
        ] == len(customers)
    _profiles(service.db)
    engine = make_engine(service.db)
    jobs = [(t, name) for name in customers for t in ("alpha", "beta")]

    def finalise(job: tuple[str, str]) -> tuple[str, int]:
        tenant, name = job
        view = invoice(engine, tenant_customer(tenant, name), "2026-11", finalize=True, force=True)
        assert view.number is not None
        return tenant, view.number

    try:
        with ThreadPoolExecutor(4) as pool:
            done = list(pool.map(finalise, jobs))
    finally:
        engine.dispose()
    for tenant in ("alpha", "beta"):
        assert sorted(n for t, n in done if t == tenant) == list(range(1, 9))


def test_issuer_profile_per_tenant(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RATECARD_ISSUER_NAME", raising=False)
    engine = make_engine(service.db)
    try:
        _profiles(service.db)
        assert issuer_profile(engine, tenant="alpha").name == "Alpha Cloud Ltd"
        assert issuer_profile(engine, tenant="beta").name == "Beta AI GmbH"
        # the command line's issuer is a third profile, untouched
        assert issuer_profile(engine).name != "Alpha Cloud Ltd"
        with pytest.raises(InvoiceError, match="no tenant named 'nobody'"):
            set_issuer(engine, tenant="nobody", name="X")
        # a new tenant starts as a placeholder, with its own numbers
        create_tenant(engine, "gamma")
        assert issuer_profile(engine, tenant="gamma").profile_set is False
    finally:
        engine.dispose()
