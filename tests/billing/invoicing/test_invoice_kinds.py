"""Invoice kinds the other tests leave out: which engine ran, two currencies, credit notes with
impossible amounts, line positions, and every currency of the minor-unit table. On SQLite and
PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from billing.invoicing.errors import InvoiceError
from billing.invoicing.lifecycle import charges_total, credit_note, invoice
from billing.invoicing.lines import _tier_rank
from billing.ledger.ingest import ingest_lines, make_pricer
from billing.ledger.tables import Invoice
from billing.money import is_whole_minor_units, minor_unit, round_money
from catalog import Catalog
from tests.billing.ledger.helpers import D, event, line, store

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "samples" / "usage-2026-11.jsonl"

# evt-1: 1000 input × 0.090 / 1M = 0.00009; evt-2: 3 web searches × 0.015 = 0.045
EVT1 = event("acme", "evt-1", "2026-11-03T10:00:00Z", line("input", 1000, "0.090", "0.00009"))
EVT2 = event(
    "acme",
    "evt-2",
    "2026-11-04T10:00:00Z",
    line("tool:web_search", 3, "0.015", "0.045", unit="call"),
)


def _ingest_sample(engine: Engine, catalog: Catalog, n: int) -> int:
    """The first ``n`` priceable acme records of the sample month; returns their count."""
    acme = [ln for ln in SAMPLE.read_text().splitlines() if '"customer": "acme"' in ln][:n]
    summary = ingest_lines(engine, enumerate(acme, 1), make_pricer(catalog))
    return summary.ingested - sum(1 for p in summary.problems if p.kind == "unpriceable")


def test_the_view_says_which_engine_ran(engine: Engine, catalog: Catalog) -> None:
    events = _ingest_sample(engine, catalog, 40)
    assert events > 10
    py = invoice(engine, "acme", "2026-11", rating="python")
    sql = invoice(engine, "acme", "2026-11", rating="sql", catalog=catalog)
    assert (py.rating, sql.rating) == ("python", "sql")
    # auto: SQL only above the threshold; exactly at it, Python
    at = invoice(engine, "acme", "2026-11", threshold=events, catalog=catalog)
    below = invoice(engine, "acme", "2026-11", threshold=events - 1, catalog=catalog)
    assert (at.rating, below.rating) == ("python", "sql")
    assert [ln.precise_amount for ln in at.lines] == [ln.precise_amount for ln in below.lines]
    final = invoice(
        engine, "acme", "2026-11", finalize=True, force=True, rating="sql", catalog=catalog
    )
    assert final.rating == "sql"
    assert invoice(engine, "acme", "2026-11").rating is None  # final: read as stored


def test_line_positions_start_at_1(engine: Engine, catalog: Catalog) -> None:
    _ingest_sample(engine, catalog, 40)
    for rating in ("python", "sql"):
        view = invoice(engine, "acme", "2026-11", rating=rating, catalog=catalog)
        assert len(view.lines) > 2
        assert [ln.position for ln in view.lines] == list(range(1, len(view.lines) + 1))


def test_two_currencies_on_one_invoice_are_refused(engine: Engine, catalog: Catalog) -> None:
    assert EVT2.charge is not None
    in_eur = dataclasses.replace(EVT2, charge=dataclasses.replace(EVT2.charge, currency="EUR"))
    store(engine, EVT1, in_eur)
    with pytest.raises(InvoiceError) as info:
        invoice(engine, "acme", "2026-11", rating="python")
    assert str(info.value) == (
        "customer's charges for 2026-11 are in several currencies (EUR, USD); "
        "one invoice has one currency"
    )
    # the SQL path takes the currency from the catalog's plans
    flash = catalog.offerings["empiriolabs/qwen3-5-flash"]
    eur = dataclasses.replace(
        flash,
        id="qwen3-5-flash-eur",
        pricing=tuple(dataclasses.replace(p, currency="EUR") for p in flash.pricing),
        variants=(),
    )
    two = Catalog(catalog.models, catalog.providers, {**catalog.offerings, eur.key: eur})
    lines = [
        '{"id": "u1", "customer": "globex", "model": "qwen3-5-flash", '
        '"timestamp": "2026-11-02T00:00:00Z", '
        '"usage": {"prompt_tokens": 1, "completion_tokens": 1}}',
        '{"id": "e1", "customer": "globex", "model": "qwen3-5-flash-eur", '
        '"timestamp": "2026-11-02T00:00:00Z", '
        '"usage": {"prompt_tokens": 1, "completion_tokens": 1}}',
    ]
    ingest_lines(engine, enumerate(lines, 1), make_pricer(two))
    for rating in ("python", "sql"):
        with pytest.raises(InvoiceError, match=r"several currencies \(EUR, USD\)"):
            invoice(engine, "globex", "2026-11", rating=rating, catalog=two)


@pytest.mark.parametrize("amount", ["0", "-0.01", "-5", "NaN", "Infinity", "-Infinity", "sNaN"])
def test_credit_note_amount_must_be_positive(engine: Engine, amount: str) -> None:
    store(engine, EVT1, EVT2)
    invoice(engine, "acme", "2026-11", finalize=True, force=True, rating="python")
    with pytest.raises(InvoiceError, match="a credit note's amount must be positive, got "):
        credit_note(engine, "acme", "2026-11", Decimal(amount), "goodwill")
    # a positive amount in whole cents is accepted: 0.04 of the 0.05 invoice
    # (0.00009 -> 0.00 and 0.045 -> 0.05: total 0.05)
    note = credit_note(engine, "acme", "2026-11", Decimal("0.04"), "goodwill")
    assert note.amount == Decimal("0.04")
    with pytest.raises(InvoiceError, match=r"credit notes would total 0\.06 USD, more than"):
        credit_note(engine, "acme", "2026-11", Decimal("0.02"), "x")
    assert credit_note(engine, "acme", "2026-11", Decimal("0.01"), "rest").amount == D("0.01")


@pytest.mark.parametrize(
    ("currency", "amount", "rounded", "unit"),
    [
        # zero-decimal currencies: 1234.5 rounds half up to 1235
        ("JPY", "1234.5", "1235", "1"),
        ("KRW", "1234.5", "1235", "1"),
        ("VND", "1234.5", "1235", "1"),
        ("CLP", "1234.5", "1235", "1"),
        ("ISK", "1234.4", "1234", "1"),
        # three-decimal currencies: 1.2345 rounds half up to 1.235
        ("BHD", "1.2345", "1.235", "0.001"),
        ("KWD", "1.2344", "1.234", "0.001"),
        ("OMR", "1.2345", "1.235", "0.001"),
        ("omr", "0.0005", "0.001", "0.001"),
        # every other currency has two decimals
        ("USD", "1.2345", "1.23", "0.01"),
        ("EUR", "1.235", "1.24", "0.01"),
    ],
)
def test_minor_unit_table(currency: str, amount: str, rounded: str, unit: str) -> None:
    assert str(minor_unit(currency)) == unit
    assert str(round_money(D(amount), currency)) == rounded
    assert is_whole_minor_units(D(rounded), currency)
    assert not is_whole_minor_units(D(amount), currency)


def test_tier_labels_sort_by_their_lower_bound() -> None:
    labels = ["256K-1M", "2,000-4,000", None, "<=128K", "128K-256K", "1,000-2,000", "1M-2M"]
    labels += [">2M", ">4,000", "<1,000", "all"]  # open top tiers (issue 10: up_to null)
    # a lower-inclusive open top tier (">=1M"), and a label a card published itself
    # (catalog.model.Tier.published) in the "from X up" form: 1M = 1,000,000; 32K+ = 32,000
    labels += [">=1M", "32K+"]
    ranks = {label: _tier_rank(label) for label in labels}
    # by hand: None and "<..." first; 1,000; 2,000; tier bounds are decimal (issue 10):
    # 128K = 128,000; 256K = 256,000; 1M = 1,000,000; above 2M ranks at 2,000,000;
    # above 4,000 at 4,000; "all" shows no bound: the top of its plan, after every other
    assert ranks == {
        "<1,000": -1,
        ">4,000": 4000,
        "all": 1 << 62,
        None: -1,
        "<=128K": -1,
        "1,000-2,000": 1000,
        "2,000-4,000": 2000,
        "128K-256K": 128000,
        "256K-1M": 256000,
        "1M-2M": 1000000,
        ">2M": 2000000,
        ">=1M": 1000000,
        "32K+": 32000,
    }


def test_credited_and_balance(engine: Engine) -> None:
    # the invoice: 0.00009 -> 0.00 and 0.045 -> 0.05; total 0.05
    store(engine, EVT1, EVT2)
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True, rating="python")
    assert (str(final.total), str(final.credited), str(final.balance)) == ("0.05", "0.00", "0.05")
    credit_note(engine, "acme", "2026-11", Decimal("0.02"), "goodwill")
    view = invoice(engine, "acme", "2026-11")
    # 0.05 - 0.02 = 0.03
    assert (str(view.credited), str(view.balance)) == ("0.02", "0.03")


def test_charges_total(engine: Engine) -> None:
    # 0.00009 + 0.045 = 0.04509, exact (the stored charges, not rounded)
    store(engine, EVT1, EVT2)
    assert charges_total(engine, "acme") == Decimal("0.04509")
    inv = invoice(engine, "acme", "2026-11", rating="python")
    assert inv.lines
    assert charges_total(engine, "acme", []) == Decimal(0)
    assert charges_total(engine, "nobody") == Decimal(0)


def test_lines_in_charge_order(engine: Engine) -> None:
    """Token lines in kind order, then tools, then request fees (not alphabetical)."""
    every = event(
        "acme",
        "evt-9",
        "2026-11-05T10:00:00Z",
        line("request:web_search", 1, "0.01", "0.01", unit="request"),
        line("tool:web_search", 2, "0", "0", unit="call"),
        line("reasoning", 10, "0.368", "0.00000368"),
        line("output", 10, "0.368", "0.00000368"),
        line("cache_read", 10, "0.090", "0.0000009"),
        line("input", 10, "0.090", "0.0000009"),
    )
    store(engine, every)
    view = invoice(engine, "acme", "2026-11", rating="python")
    assert [ln.charge for ln in view.lines] == [
        "input",
        "cache_read",
        "output",
        "reasoning",
        "tool:web_search",
        "request:web_search",
    ]


def test_credit_note_needs_a_final_invoice(engine: Engine) -> None:
    store(engine, EVT1, EVT2)
    with pytest.raises(InvoiceError) as info:
        credit_note(engine, "acme", "2026-10", Decimal("0.01"), "x")
    assert str(info.value) == (
        "acme has no invoice for 2026-10: credit notes correct finalised invoices"
    )
    invoice(engine, "acme", "2026-11", rating="python")
    with pytest.raises(InvoiceError) as info:
        credit_note(engine, "acme", "2026-11", Decimal("0.01"), "x")
    assert str(info.value) == (
        "acme has a draft invoice for 2026-11: credit notes correct finalised invoices"
    )
    invoice(engine, "acme", "2026-11", finalize=True, force=True, rating="python")
    with pytest.raises(InvoiceError) as info:  # the total is 0.05
        credit_note(engine, "acme", "2026-11", Decimal("0.06"), "x")
    assert str(info.value) == (
        "credit notes would total 0.06 USD, more than the invoice's 0.05 USD "
        "(0.00 already credited)"
    )
    with pytest.raises(InvoiceError, match=r"0\.005 USD is not a whole number of minor units"):
        credit_note(engine, "acme", "2026-11", Decimal("0.005"), "x")


def test_charges_total_of_invoices(engine: Engine) -> None:
    store(engine, EVT1, EVT2)
    invoice(engine, "acme", "2026-11", rating="python")
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Invoice.id)))
    # 0.00009 + 0.045 = 0.04509 on the one invoice
    assert charges_total(engine, "acme", ids) == Decimal("0.04509")
    none = charges_total(engine, "nobody")
    assert (type(none), none) == (Decimal, Decimal(0))


def test_credit_note_locks_the_invoice_and_the_issuer(engine: Engine) -> None:
    """Two credit notes at once must not both pass the "more than the invoice" check, nor take
    the same number: credit_note reads the invoice FOR UPDATE and the issuer's counter FOR NO
    KEY UPDATE. The statements are compiled for PostgreSQL here (SQLite has no row locks), so
    the test reads the same on both databases."""
    from sqlalchemy import event
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.sql import Select

    store(engine, EVT1, EVT2)
    invoice(engine, "acme", "2026-11", finalize=True, force=True, rating="python")
    seen: list[str] = []

    def record(conn: object, clause: object, *args: object) -> None:
        if isinstance(clause, Select):
            seen.append(" ".join(str(clause.compile(dialect=postgresql.dialect())).split()))

    event.listen(engine, "before_execute", record)
    try:
        credit_note(engine, "acme", "2026-11", Decimal("0.01"), "goodwill")
    finally:
        event.remove(engine, "before_execute", record)
    invoices = [s for s in seen if s.startswith("SELECT invoices.")]
    issuers = [s for s in seen if s.startswith("SELECT issuers.")]
    assert invoices and invoices[0].endswith(" FOR UPDATE"), invoices
    assert issuers and issuers[-1].endswith(" FOR NO KEY UPDATE"), issuers


def test_line_model_keeps_a_slash_in_the_offering_id(engine: Engine) -> None:
    """An invoice line's model is the offering key without its provider: everything after the
    first "/" ("empiriolabs/meta/llama-3" → "meta/llama-3"); an id may itself hold a "/"."""
    store(
        engine,
        # 1000 input × 0.090 / 1M = 0.00009
        event(
            "acme",
            "evt-s",
            "2026-11-03T10:00:00Z",
            line("input", 1000, "0.090", "0.00009"),
            offering="meta/llama-3",
        ),
    )
    view = invoice(engine, "acme", "2026-11", rating="python")
    assert [(ln.offering, ln.model) for ln in view.lines] == [
        ("empiriolabs/meta/llama-3", "meta/llama-3")
    ]
