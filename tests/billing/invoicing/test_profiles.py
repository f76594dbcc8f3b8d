"""Customer and issuer profiles, tax, payment terms and the finalisation refusals, on SQLite
and PostgreSQL.

Every amount is written out by hand from the seed's price table (qwen3-5-flash input 0.090
per 1M tokens, web search 0.015 per call); the tax is subtotal × rate, rounded half up to
the cent once, on the rounded subtotal.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from billing.invoicing.lifecycle import InvoiceError, credit_note, invoice
from billing.invoicing.profiles import (
    customer_profile,
    issuer_profile,
    set_customer,
    set_issuer,
)
from billing.invoicing.render.csv import invoice_csv
from billing.invoicing.render.html import invoice_html
from billing.invoicing.render.json import invoice_doc
from billing.invoicing.render.text import invoice_text
from billing.invoicing.tax import tax_amount
from tests.billing.ledger.helpers import D, event, line, store

# 539 web searches × 0.015 = 8.085 -> 8.09 (half up): the subtotal
BIG = event(
    "acme",
    "evt-big",
    "2026-11-03T10:00:00Z",
    line("tool:web_search", 539, "0.015", "8.085", unit="call"),
)
# 123456 input tokens × 0.090 / 1M = 0.01111104 -> 0.01
SMALL = event(
    "acme", "evt-small", "2026-11-04T10:00:00Z", line("input", 123456, "0.090", "0.01111104")
)
# an event in a month that has not ended (the year 2999)
FUTURE = event(
    "acme", "evt-future", "2999-01-05T10:00:00Z", line("input", 1000, "0.090", "0.00009")
)


@pytest.mark.parametrize(
    ("subtotal", "treatment", "rate", "currency", "expected"),
    [
        # 8.09 × 0.20 = 1.618 -> 1.62 (the third decimal 8 rounds up); total 8.09 + 1.62 = 9.71
        ("8.09", "rate", "0.20", "USD", "1.62"),
        # 0.05 × 0.10 = 0.005: a tie, half up -> 0.01
        ("0.05", "rate", "0.10", "USD", "0.01"),
        # 0.07 × 0.20 = 0.014 -> 0.01
        ("0.07", "rate", "0.20", "USD", "0.01"),
        # 10.00 × 0.075 = 0.75 exactly
        ("10.00", "rate", "0.075", "USD", "0.75"),
        # 1234 JPY × 0.10 = 123.4 -> 123 (yen have no minor unit)
        ("1234", "rate", "0.10", "JPY", "123"),
        # 1.000 KWD × 0.05 = 0.05 -> 0.050 (three decimals)
        ("1.000", "rate", "0.05", "KWD", "0.050"),
        # 0.00 × 0.20 = 0 -> 0.00
        ("0.00", "rate", "0.20", "USD", "0.00"),
        ("8.09", "reverse_charge", None, "USD", "0.00"),
        ("8.09", "not_applicable", None, "USD", "0.00"),
    ],
)
def test_tax_vectors(
    subtotal: str, treatment: str, rate: str | None, currency: str, expected: str
) -> None:
    got = tax_amount(D(subtotal), treatment, D(rate) if rate else None, currency)
    assert got is not None
    assert str(got) == expected


def test_no_tax_treatment_is_no_tax_line() -> None:
    assert tax_amount(D("8.09"), None, None, "USD") is None


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    rate=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)
def test_tax_is_within_half_a_cent_of_the_exact_product(cents: int, rate: Decimal) -> None:
    subtotal = Decimal(cents).scaleb(-2)
    tax = tax_amount(subtotal, "rate", rate, "USD")
    assert tax is not None
    assert tax == tax.quantize(Decimal("0.01"))
    exact = subtotal * rate  # at most 12 + 2 + 4 digits: exact in the default context
    assert abs(tax - exact) <= Decimal("0.005")
    # half up: a remainder of exactly half a cent goes up
    if exact - exact.quantize(Decimal("0.01"), rounding="ROUND_DOWN") == Decimal("0.005"):
        assert tax > exact


def test_customer_profile_tax_and_terms_on_the_invoice(engine: Engine) -> None:
    store(engine, BIG)
    set_customer(
        engine,
        "acme",
        name="Acme Corp",
        address="1 Road\nSpringfield",
        email="ap@acme.test",
        tax_id="GB123",
        currency="usd",
        terms_days=14,
        tax_rate=D("0.20"),
    )
    got = customer_profile(engine, "acme")
    assert (got.currency, got.terms_days, got.tax_treatment, got.tax_rate) == (
        "USD",
        14,
        "rate",
        D("0.20"),
    )
    draft = invoice(engine, "acme", "2026-11")
    # subtotal 8.09; tax 8.09 × 0.20 = 1.618 -> 1.62; total 8.09 + 1.62 = 9.71
    assert (draft.subtotal, draft.tax, draft.total) == (D("8.09"), D("1.62"), D("9.71"))
    assert draft.due_date is None  # a draft is not a demand for payment
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert final.finalized_at is not None
    due = (final.finalized_at.date() + timedelta(days=14)).isoformat()
    assert (final.total, final.due_date, final.terms_days) == (D("9.71"), due, 14)
    # the profiles changing later do not change the issued invoice
    set_customer(engine, "acme", tax_rate=D("0.10"), terms_days=60, name="Renamed", address="x")
    set_issuer(engine, name="New Issuer Name")
    again = invoice(engine, "acme", "2026-11")
    assert (again.tax, again.total, again.due_date) == (D("1.62"), D("9.71"), due)
    assert (again.customer_name, again.customer_address) == ("Acme Corp", "1 Road\nSpringfield")
    assert again.issuer == "Test Issuer Ltd"  # $RATECARD_ISSUER_NAME when it was issued
    set_customer(engine, "acme", name="Acme Corp", address="1 Road\nSpringfield")
    # every format says it
    text = invoice_text(final)
    assert "Customer: Acme Corp (acme)" in text and "1 Road" in text and "Springfield" in text
    assert "SUBTOTAL USD 8.09" in text and "TAX 20% USD 1.62" in text
    assert "TOTAL USD 9.71" in text and f"Due: {due} (net 14 days)" in text
    doc = json.loads(json.dumps(invoice_doc(final)))
    assert (doc["subtotal"], doc["tax"], doc["tax_rate"], doc["total"]) == (
        "8.09",
        "1.62",
        "0.20",
        "9.71",
    )
    assert (doc["due_date"], doc["payment_terms_days"], doc["customer_name"]) == (
        due,
        14,
        "Acme Corp",
    )
    assert doc["customer_address"] == "1 Road\nSpringfield"
    rows = list(csv.DictReader(io.StringIO(invoice_csv(final))))
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("line", "8.09"),
        ("subtotal", "8.09"),
        ("tax", "1.62"),
        ("total", "9.71"),
        ("due", "9.71"),
    ]
    assert rows[-1]["date"] == due
    html = invoice_html(final)
    assert "Acme Corp" in html and "1 Road" in html and "Springfield" in html
    assert f"<td>Due date</td><td>{due}</td>" in html and "$1.62" in html and "$9.71" in html


def test_reverse_charge_says_so(engine: Engine) -> None:
    store(engine, BIG)
    set_customer(engine, "acme", tax_treatment="reverse_charge")
    draft = invoice(engine, "acme", "2026-11")
    # 8.09 + 0.00 = 8.09
    assert (draft.tax, draft.total) == (D("0.00"), D("8.09"))
    assert "Reverse charge" in invoice_text(draft)
    assert "Reverse charge" in invoice_html(draft)
    assert invoice_doc(draft)["tax_treatment"] == "reverse_charge"


def test_credit_notes_and_balance_in_csv(engine: Engine) -> None:
    store(engine, BIG)
    invoice(engine, "acme", "2026-11", finalize=True, force=True)
    credit_note(engine, "acme", "2026-11", D("1.50"), "goodwill")
    view = invoice(engine, "acme", "2026-11")
    rows = list(csv.DictReader(io.StringIO(invoice_csv(view))))
    # 8.09 - 1.50 = 6.59
    assert [(r["kind"], r["amount"]) for r in rows][1:] == [
        ("total", "8.09"),
        ("credit_note", "-1.50"),
        ("balance", "6.59"),
        ("due", "6.59"),
    ]
    assert (rows[2]["charge"], rows[2]["note"]) == ("CN-000001", "goodwill")


def test_finalisation_refuses_the_placeholder_issuer(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RATECARD_ISSUER_NAME")
    store(engine, BIG)
    invoice(engine, "acme", "2026-11")  # a draft made before any issuer was set
    with pytest.raises(InvoiceError, match="run 'ratecard issuer set --name NAME"):
        invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert invoice(engine, "acme", "2026-11").status == "draft"  # nothing changed
    assert not issuer_profile(engine).profile_set
    with pytest.raises(InvoiceError, match="give --name"):
        set_issuer(engine, address="nowhere")
    set_issuer(engine, name="Example AI Ltd", address="1 Sample St", tax_id="GB999")
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert (final.issuer, final.issuer_address, final.number) == (
        "Example AI Ltd",
        "1 Sample St",
        1,
    )


def test_issuer_environment_is_read_when_finalising(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a draft made before the variables were set: they are used, not ignored
    monkeypatch.delenv("RATECARD_ISSUER_NAME")
    store(engine, BIG)
    invoice(engine, "acme", "2026-11")
    monkeypatch.setenv("RATECARD_ISSUER_NAME", "Env Issuer Ltd")
    monkeypatch.setenv("RATECARD_ISSUER_ADDRESS", "2 Env Road")
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert (final.issuer, final.issuer_address) == ("Env Issuer Ltd", "2 Env Road")


def test_a_period_that_has_not_ended_needs_force(engine: Engine) -> None:
    store(engine, FUTURE)
    with pytest.raises(InvoiceError, match=r"has not ended yet .* give --force"):
        invoice(engine, "acme", "2999-01", finalize=True)
    assert invoice(engine, "acme", "2999-01").status == "draft"
    final = invoice(engine, "acme", "2999-01", finalize=True, force=True)
    assert final.number == 1 and final.issued_before_period_end
    assert "Issued before the end of its period (2999-01)" in invoice_text(final)
    assert "issued before the end of January 2999" in invoice_html(final)
    assert invoice_doc(final)["issued_before_period_end"] is True


def test_an_invoice_without_usage_needs_force(engine: Engine) -> None:
    store(engine, SMALL)  # November only
    with pytest.raises(InvoiceError, match="no billable usage in 2026-10"):
        invoice(engine, "acme", "2026-10", finalize=True)
    # no number was spent: November's invoice, finalised next, is number 1
    assert invoice(engine, "acme", "2026-11", finalize=True, force=True).number == 1
    empty = invoice(engine, "acme", "2026-10", finalize=True, force=True)
    assert (empty.number, empty.total) == (2, D("0.00"))
    assert not empty.issued_before_period_end  # October had ended
    # asked again, the final invoice is read back from the database: still 0.00 (the cents of
    # what the customer pays), not "0", in every amount of the JSON form
    again = invoice_doc(invoice(engine, "acme", "2026-10", finalize=True, force=True))
    assert (again["number"], again["total"], again["subtotal"]) == (2, "0.00", "0.00")
    assert (again["credited"], again["balance"]) == ("0.00", "0.00")


def test_ended_period_with_usage_finalises_without_force(engine: Engine) -> None:
    # 2026-10 ended before this test was written; 2026-10-20: 123456 × 0.090 / 1M -> 0.01
    store(
        engine,
        event(
            "acme", "e-oct", "2026-10-20T00:00:00Z", line("input", 123456, "0.090", "0.01111104")
        ),
    )
    final = invoice(engine, "acme", "2026-10", finalize=True)
    assert final.finalized_at is not None
    assert final.due_date == (final.finalized_at.date() + timedelta(days=30)).isoformat()
    assert date.fromisoformat(final.due_date) > final.finalized_at.date()


def test_customer_currency_must_match_its_charges(engine: Engine) -> None:
    store(engine, BIG)  # charged in USD
    set_customer(engine, "acme", currency="EUR")
    with pytest.raises(InvoiceError, match=r"invoiced in EUR .* charges for 2026-11 are in USD"):
        invoice(engine, "acme", "2026-11")
    set_customer(engine, "newco", name="New Co", currency="EUR")
    assert invoice(engine, "newco", "2026-11").currency == "EUR"  # no usage: its currency


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tax_rate": D("1.5")}, "fraction from 0 to 1"),
        ({"tax_rate": D("-0.1")}, "fraction from 0 to 1"),
        ({"tax_rate": D("0.1234567")}, "at most 6 decimal places"),
        ({"tax_treatment": "rate"}, "needs the rate"),
        ({"tax_treatment": "vat"}, "must be one of"),
        ({"currency": "US"}, "ISO 4217"),
        ({"terms_days": 400}, "0 to 365 days"),
    ],
)
def test_bad_profiles_are_refused(engine: Engine, fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvoiceError, match=message):
        set_customer(engine, "acme", **fields)  # type: ignore[arg-type]


def test_a_customer_without_terms_gets_the_default_and_no_stray_tax_rate(engine: Engine) -> None:
    """A customer whose profile names no payment terms is invoiced at the default terms
    (net 30), on the draft as on the final invoice (a mutant of lifecycle._write_lines that
    stored no terms survived without this); a rate set before a reverse-charge treatment
    leaves no rate on the invoice (set_customer clears it)."""
    store(engine, BIG)
    set_customer(engine, "acme", tax_rate=D("0.20"))
    set_customer(engine, "acme", tax_treatment="reverse_charge")
    assert customer_profile(engine, "acme").terms_days is None
    draft = invoice(engine, "acme", "2026-11")
    assert (draft.terms_days, draft.due_date, draft.tax_rate) == (30, None, None)
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert final.finalized_at is not None
    # net 30 from the day it was issued; reverse charge: 8.09 + 0.00 = 8.09, no rate
    due = (final.finalized_at.date() + timedelta(days=30)).isoformat()
    assert (final.terms_days, final.due_date) == (30, due)
    assert (final.tax_treatment, final.tax_rate, final.total) == (
        "reverse_charge",
        None,
        D("8.09"),
    )


def test_a_cleared_tax_treatment_leaves_no_rate_on_the_invoice(engine: Engine) -> None:
    """set_customer(tax_treatment=None) clears the treatment but keeps the stored rate; the
    invoice takes a rate only under the treatment "rate", so it shows none and charges no
    tax: 8.09 + 0.00 = 8.09 (a _write_lines mutant that copied the rate whatever the
    treatment survived without this)."""
    store(engine, BIG)
    set_customer(engine, "acme", tax_rate=D("0.20"))
    set_customer(engine, "acme", tax_treatment=None)
    profile = customer_profile(engine, "acme")
    assert (profile.tax_treatment, profile.tax_rate) == (None, D("0.20"))
    draft = invoice(engine, "acme", "2026-11")
    assert (draft.tax_treatment, draft.tax_rate, draft.total) == (None, None, D("8.09"))
