"""The HTTP service as a client sees it: every route, its errors, and its documents.

Prices are computed by hand from the seed cards: qwen3-5-4b charges $0.04 per 1M input
tokens and $0.07 per 1M output tokens (seed 000).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ratecard.service import ServiceConfig, create_app

from .conftest import DATA, Service, make_service

PROBLEM = "application/problem+json"


def record(
    event: str, customer: str = "acme", prompt: int = 1_000_000, completion: int = 2_000_000
) -> dict[str, object]:
    return {
        "id": event,
        "customer": customer,
        "model": "qwen3-5-4b",
        "timestamp": "2026-11-20T10:00:00Z",
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
    }


def ndjson(*records: dict[str, object]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def is_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    doc: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert doc["status"] == status and isinstance(doc["detail"], str) and doc["detail"]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return doc


def test_catalog_routes(sqlite_service: Service) -> None:
    c = sqlite_service.client
    rows = c.get("/v1/models", params={"provider": "runware"}).json()["data"]
    assert [r["id"] for r in rows] == ["alibaba:qwen@3.5-27b", "alibaba:qwen@3.5-397b"]
    rows = c.get("/v1/models", params={"base": "qwen3-5-flash"}).json()["data"]
    assert [r["id"] for r in rows] == ["qwen3-5-flash:variant1"]
    assert c.get("/v1/models", params={"status": "coming_soon"}).json()["data"][0]["id"] == (
        "alibaba:qwen@3.5-397b"
    )
    for path in (
        "/v1/models/alibaba%3Aqwen%403.5-27b",
        "/v1/models/alibaba:qwen@3.5-27b",
        "/v1/models/runware/alibaba:qwen@3.5-27b",
        "/v1/models/runware%2Falibaba%3Aqwen%403.5-27b",
    ):
        doc = c.get(path).json()
        assert doc["id"] == "alibaba:qwen@3.5-27b" and doc["provider"] == "runware", path
    doc = c.get("/v1/models/qwen3-5-flash:variant1").json()
    assert doc["variant"] == "variant1" and doc["model_card"]["id"]
    schema = c.get("/v1/models/qwen3-5-flash:variant1/schema", params={"endpoint": "responses"})
    assert schema.headers["content-type"] == "application/schema+json"
    assert schema.json()["title"] == "qwen3-5-flash:variant1 responses request"
    assert is_problem(c.get("/v1/models/qwen3-5-4x"), 404)["detail"].startswith("unknown model")  # type: ignore[union-attr]
    is_problem(c.get("/v1/models/qwen3-5-4b/schema", params={"endpoint": "runware.task"}), 404)
    typo = is_problem(c.get("/v1/models", params={"provder": "runware"}), 422)
    assert "unknown query parameter 'provder'" in str(typo["detail"])
    is_problem(c.get("/v1/nothing"), 404)
    is_problem(c.delete("/v1/models"), 405)


def test_validate_estimate_price(sqlite_service: Service) -> None:
    c, auth = sqlite_service.client, sqlite_service.auth("alpha")
    body = {
        "model": "qwen3-5-4b",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 2.5,
    }
    doc = c.post("/v1/validate", json=body, headers=auth).json()
    assert doc["valid"] is False and doc["model"] == "qwen3-5-4b"
    assert [i["pointer"] for i in doc["issues"]] == ["/temperature"]
    body["temperature"] = 0.5
    assert c.post("/v1/validate", json=body, headers=auth).json()["valid"] is True
    assert c.post("/v1/validate", content=b"{not json", headers=auth).json()["valid"] is False
    is_problem(c.post("/v1/validate", json=body), 401)
    is_problem(c.post("/v1/validate", json=body, headers={"Authorization": "Bearer nope"}), 401)
    is_problem(c.post("/v1/validate", json=body, headers={"Authorization": "Basic eDp5"}), 401)
    # validate and price are plain Starlette routes (app.py): their query is read as
    # FastAPI reads the others', with the same problems
    extra = {**body, "colour": "red"}
    cleaned = c.post("/v1/validate?lenient=yes", json=extra, headers=auth).json()
    assert cleaned["valid"] is True and "colour" not in cleaned["request"]
    assert c.post("/v1/validate?lenient=0", json=extra, headers=auth).json()["valid"] is False
    named = c.post("/v1/validate?endpoint=chat.completions", json=body, headers=auth).json()
    assert named["endpoint"] == "chat.completions"
    for query, pointer in (
        ("lenient=maybe", "/query/lenient"),
        ("endpoint=fax", "/query/endpoint"),
        ("lenient=1&colour=red", "/query/colour"),
    ):
        problem = is_problem(c.post(f"/v1/validate?{query}", json=body, headers=auth), 422)
        assert [e["pointer"] for e in problem["errors"]] == [pointer]  # type: ignore[attr-defined]
    typo = is_problem(c.post("/v1/price?dry=1", json=record("e1"), headers=auth), 422)
    assert "unknown query parameter 'dry'; /v1/price takes: no query parameters" in str(
        typo["detail"]
    )
    is_problem(c.get("/v1/validate", headers=auth), 405)

    body["max_tokens"] = 1000
    est = c.post("/v1/estimate", json=body, headers=auth, params={"budget": "0.01"}).json()
    assert est["budget"] == "0.01" and est["within_budget"] is (
        Decimal(est["worst_case"]) <= Decimal("0.01")
    )
    # output: 1,000 tokens × $0.07 / 1M = $0.00007 of the worst case
    lines = {li["charge"]: li for li in est["tasks"][0]["lines"]}
    assert Decimal(lines["output"]["amount"]) == Decimal("0.00007")
    problem = is_problem(c.post("/v1/estimate", json={"model": "nope"}, headers=auth), 422)
    assert "nope" in str(problem["detail"])
    is_problem(c.post("/v1/estimate", json=body, headers=auth, params={"budget": "lots"}), 422)

    # 1,000,000 × $0.04/1M + 2,000,000 × $0.07/1M = $0.04 + $0.14 = $0.18
    one = c.post("/v1/price", json=record("e1"), headers=auth).json()
    assert Decimal(one["total"]) == Decimal("0.18") and one["error"] is None
    many = c.post(
        "/v1/price",
        content=ndjson(record("e1"), {"id": "e2"}, record("e3", prompt=0, completion=1_000_000)),
        headers={**auth, "Content-Type": "application/x-ndjson"},
    )
    assert many.headers["content-type"] == "application/x-ndjson"
    docs = [json.loads(line) for line in many.text.splitlines()]
    assert [d["line"] for d in docs] == [1, 2, 3]
    assert docs[1]["total"] is None and docs[1]["error"]
    assert Decimal(docs[2]["total"]) == Decimal("0.07")  # 1,000,000 × $0.07/1M


def test_events_and_invoices(service: Service) -> None:
    c, auth = service.client, service.auth("alpha")
    batch = ndjson(record("e1"), record("e2", prompt=0, completion=1_000_000), {"id": "x"})
    nd = {**auth, "Content-Type": "application/x-ndjson"}
    first = c.post("/v1/events", content=batch, headers=nd).json()
    assert (first["ingested"], first["duplicates"], first["rejected"]) == (2, 0, 1)
    assert first["problems"][0]["line"] == 3 and first["problems"][0]["reason"]
    again = c.post("/v1/events", content=batch, headers=nd).json()  # a retried batch
    assert (again["ingested"], again["duplicates"]) == (0, 2)
    changed = record("e1", prompt=5)
    as_array = c.post("/v1/events", json=[changed, record("e1")], headers=auth).json()
    assert (as_array["conflicts"], as_array["duplicates"]) == (1, 1)
    conflict = next(p for p in as_array["problems"] if p["kind"] == "conflict")
    assert conflict["customer"] == "acme" and "alpha/" not in conflict["reason"]

    # e1: $0.04 + $0.14; e2: $0 input + 1,000,000 × $0.07/1M = $0.07; total $0.25
    drafts = c.get("/v1/customers/acme/invoices", params={"period": "2026-11"}, headers=auth)
    draft = drafts.json()["data"][0]
    assert draft["status"] == "draft" and draft["total"] == "0.25" and draft["customer"] == "acme"
    final = c.post("/v1/customers/acme/invoices/2026-11/finalize?force=true", headers=auth).json()
    assert final["status"] == "finalized" and final["total"] == "0.25"
    number = final["document_number"]
    listed = c.get("/v1/customers/acme/invoices", headers=auth).json()["data"]
    assert [i["document_number"] for i in listed] == [number]
    got = c.get(f"/v1/invoices/{number}", headers=auth)
    assert got.json()["total"] == "0.25"
    csv = c.get(f"/v1/invoices/{number}", headers={**auth, "Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and "0.25" in csv.text
    html = c.get(f"/v1/invoices/{number}", headers={**auth, "Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and number in html.text
    assert "alpha/" not in html.text + csv.text + got.text
    is_problem(c.get(f"/v1/invoices/{number}", headers={**auth, "Accept": "image/png"}), 406)
    note = c.post(
        "/v1/customers/acme/invoices/2026-11/credit-notes",
        json={"amount": "0.05", "reason": "goodwill"},
        headers=auth,
    )
    assert note.status_code == 201 and note.json()["amount"] == "0.05"
    over = c.post(
        "/v1/customers/acme/invoices/2026-11/credit-notes",
        json={"amount": "0.21", "reason": "too much"},
        headers=auth,
    )
    assert "more than the invoice" in str(is_problem(over, 409)["detail"])
    assert "credit notes" in str(
        is_problem(c.post("/v1/customers/acme/invoices/2026-11/void", headers=auth), 409)["detail"]
    )
    is_problem(c.get("/v1/customers/nobody/invoices", headers=auth), 404)
    bad_month = is_problem(
        c.get("/v1/customers/acme/invoices", params={"period": "2026-13"}, headers=auth), 422
    )
    # the project's sentence, not pydantic's regex
    assert bad_month["detail"] == (
        "period must be YYYY-MM (for example 2026-11), got '2026-13': there is no month 13"
    )
    assert bad_month["errors"][0]["pointer"] == "/query/period"
    short = is_problem(c.post("/v1/customers/acme/invoices/2026-1/finalize", headers=auth), 422)
    assert "the month needs two digits (2026-01)" in str(short["detail"])


def test_tenant_isolation(service: Service) -> None:
    """Two tenants with the same customer and event ids: each sees only its own."""
    c = service.client
    a, b = service.auth("alpha"), service.auth("beta")
    assert c.post("/v1/events", json=[record("e1")], headers=a).json()["ingested"] == 1
    # the same (customer, id), another payload: new for beta, not a conflict with alpha's
    beta_event = record("e1", prompt=2_000_000, completion=0)  # 2,000,000 × $0.04/1M = $0.08
    assert c.post("/v1/events", json=[beta_event], headers=b).json()["ingested"] == 1
    assert (
        c.post("/v1/events", json=[record("e9", customer="solo")], headers=a).json()["ingested"]
        == 1
    )
    final_a = c.post("/v1/customers/acme/invoices/2026-11/finalize?force=true", headers=a).json()
    final_b = c.post("/v1/customers/acme/invoices/2026-11/finalize?force=true", headers=b).json()
    assert (final_a["total"], final_b["total"]) == ("0.18", "0.08")
    # each tenant numbers its own invoices: both are INV-000001, each sees its own
    assert final_a["document_number"] == final_b["document_number"] == "INV-000001"
    own = c.get("/v1/invoices/INV-000001", headers=b).json()
    assert (own["total"], own["customer"]) == ("0.08", "acme")
    solo = c.post("/v1/customers/solo/invoices/2026-11/finalize?force=true", headers=a).json()
    number_a = solo["document_number"]
    assert number_a == "INV-000002"
    # beta asks for what is alpha's: not found, never forbidden, never data
    for method, path, body in (
        ("GET", f"/v1/invoices/{number_a}", None),
        ("GET", "/v1/customers/solo/invoices", None),
        ("GET", "/v1/customers/solo/invoices?period=2026-11", None),
        ("POST", "/v1/customers/solo/invoices/2026-11/finalize?force=true", None),
        (
            "POST",
            "/v1/customers/solo/invoices/2026-11/credit-notes",
            {"amount": "0.01", "reason": "x"},
        ),
        ("POST", "/v1/customers/solo/invoices/2026-11/void", None),
    ):
        response = c.request(method, path, headers=b, json=body)
        doc = is_problem(response, 404)
        assert "total" not in response.text and "alpha" not in str(doc["detail"])
    listed = c.get("/v1/customers/acme/invoices", headers=b).json()["data"]
    assert [i["total"] for i in listed] == ["0.08"]
    # alpha's retry is still a duplicate of its own event, not of beta's
    again = c.post("/v1/events", json=[record("e1")], headers=a).json()
    assert (again["duplicates"], again["conflicts"]) == (1, 0)


def test_limits_and_keys(tmp_path: object) -> None:
    from pathlib import Path

    svc = make_service(
        f"sqlite:///{Path(str(tmp_path)) / 'l.db'}",
        max_body_bytes=2_000,
        max_batch_lines=3,
        anonymous_catalog=False,
    )
    c, auth = svc.client, svc.auth("alpha")
    with c:
        big = is_problem(c.post("/v1/validate", content=b"x" * 2_001, headers=auth), 413)
        assert "2,000 bytes" in str(big["detail"])
        chunked = c.post("/v1/validate", content=iter([b"x" * 1_500, b"x" * 1_500]), headers=auth)
        is_problem(chunked, 413)
        many = [record(f"e{i}") for i in range(4)]
        assert "at most 3" in str(
            is_problem(c.post("/v1/events", json=many, headers=auth), 413)["detail"]
        )
        is_problem(c.get("/v1/models"), 401)
        assert c.get("/v1/models", headers=auth).status_code == 200
        is_problem(c.get("/v1/models/qwen3-5-4b"), 401)

        from billing.ledger import create_key, make_engine, revoke_key

        engine = make_engine(svc.db)
        new = create_key(engine, "alpha")
        bearer = {"Authorization": f"Bearer {new.key}"}
        assert c.get("/v1/models", headers=bearer).status_code == 200
        revoke_key(engine, new.key_id)
        engine.dispose()
        is_problem(c.get("/v1/models", headers=bearer), 401)
        assert c.get("/v1/models", headers=auth).status_code == 200


def test_operations(sqlite_service: Service) -> None:
    c, auth = sqlite_service.client, sqlite_service.auth("alpha")
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz").json()
    assert ready["status"] == "ready"
    response = c.get("/v1/models", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert len(c.get("/v1/models").headers["x-request-id"]) == 32
    c.post("/v1/events", json=[record("e1"), {"id": "bad"}], headers=auth)
    metrics = c.get("/metrics").text
    assert (
        'ratecard_http_requests_total{method="GET",route="/v1/models",status="200"} 2.0' in metrics
    )
    assert "ratecard_events_stored_total 1.0" in metrics
    assert 'ratecard_event_rejects_total{reason="invalid"} 1.0' in metrics
    assert "ratecard_http_request_duration_seconds_bucket" in metrics


ROUTES = [
    ("POST", "/v1/validate"),
    ("POST", "/v1/estimate"),
    ("POST", "/v1/price"),
    ("POST", "/v1/events"),
    ("POST", "/v1/customers/acme/invoices/2026-11/credit-notes"),
    ("POST", "/v1/customers/acme/invoices/2026-11/finalize?force=true"),
    ("GET", "/v1/customers/acme/invoices"),
    ("GET", "/v1/invoices/INV-000001"),
    ("GET", "/v1/models"),
    ("GET", "/v1/models/qwen3-5-4b"),
    ("GET", "/v1/models/qwen3-5-4b/schema"),
]

BAD_BODIES = [
    b"{not json",
    b"[1, 2",
    b'{"model": 5, "messages": "no"}',
    b'[null, true, 3.5, "x"]',
    b"\xff\xfe\x00",
    b'{"amount": 1.5, "reason": []}',
    b"9" * 5_000,
    b"[" * 100_000,
]


def test_no_trace_for_bad_input(sqlite_service: Service) -> None:
    """Malformed JSON, wrong types, huge and deeply nested bodies on every route: each
    answer is a document (or a verdict), never a 500 and never a trace."""
    c, auth = sqlite_service.client, sqlite_service.auth("alpha")
    for method, path in ROUTES:
        for body in BAD_BODIES:
            for media in ("application/json", "application/x-ndjson", "text/plain"):
                response = c.request(
                    method, path, content=body, headers={**auth, "Content-Type": media}
                )
                assert response.status_code < 500, (path, body[:20], response.text)
                assert "Traceback" not in response.text and 'File "' not in response.text
                if response.status_code >= 400:
                    is_problem(response, response.status_code)


def test_readyz_names_a_stale_schema(tmp_path: Path) -> None:
    from billing.ledger import make_engine, upgrade

    db = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(db)
    upgrade(engine, "0003")
    engine.dispose()
    app = create_app(ServiceConfig(data=DATA, db=db), migrate=False)
    with TestClient(app) as client:
        problem = is_problem(client.get("/readyz"), 503)
        assert "revision 0003" in str(problem["detail"]) and "ratecard db upgrade" in str(
            problem["detail"]
        )
        assert client.get("/healthz").status_code == 200


def test_access_log_is_json(sqlite_service: Service, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ratecard.access"):
        sqlite_service.client.get(
            "/v1/models/qwen3-5-4b", headers={**sqlite_service.auth("beta"), "X-Request-Id": "r-1"}
        )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ratecard.access"]
    assert lines[-1]["request_id"] == "r-1" and lines[-1]["status"] == 200
    assert lines[-1]["route"] == "/v1/models/{model_id:path}" and lines[-1]["tenant"] == "beta"
    assert isinstance(lines[-1]["duration_ms"], float)
