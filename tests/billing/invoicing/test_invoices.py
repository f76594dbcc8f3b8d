"""Invoice lines, totals, states, late usage and credit notes, on SQLite and PostgreSQL.

Every amount is written out by hand from the seed's price table:
qwen3-5-flash input 0.090 and output 0.368 per 1M tokens, web search 0.015 per call.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from billing.invoicing.lifecycle import InvoiceError, credit_note, invoice, void
from tests.billing.ledger.helpers import D, event, line, store

# evt-1: 123456 input tokens * 0.090 / 1M = 0.01111104; 1000 output * 0.368 / 1M = 0.000368
# evt-2: 100000 input * 0.090 / 1M = 0.009; 3 web searches * 0.015 = 0.045
EVT1 = event(
    "acme",
    "evt-1",
    "2026-11-03T10:00:00Z",
    line("input", 123456, "0.090", "0.01111104"),
    line("output", 1000, "0.368", "0.000368"),
)
EVT2 = event(
    "acme",
    "evt-2",
    "2026-11-30T23:59:59Z",
    line("input", 100000, "0.090", "0.009"),
    line("tool:web_search", 3, "0.015", "0.045", unit="call"),
)
# December (UTC): not in November's invoice
EVT3 = event("acme", "evt-3", "2026-12-01T00:00:00Z", line("input", 1000, "0.090", "0.00009"))


def test_lines_group_by_offering_and_charge(engine: Engine) -> None:
    store(engine, EVT1, EVT2, EVT3)
    inv = invoice(engine, "acme", "2026-11", with_events=True)
    assert inv.status == "draft" and inv.number is None and inv.currency == "USD"
    got = [
        (x.model, x.charge, x.quantity, x.unit_price, x.precise_amount, x.amount, x.event_ids)
        for x in inv.lines
    ]
    assert got == [
        # input: 123456 + 100000 = 223456 tokens; 0.01111104 + 0.009 = 0.02011104 -> 0.02
        (
            "qwen3-5-flash",
            "input",
            223456,
            D("0.090"),
            D("0.02011104"),
            D("0.02"),
            ("evt-1", "evt-2"),
        ),
        # output: 0.000368 -> 0.00
        ("qwen3-5-flash", "output", 1000, D("0.368"), D("0.000368"), D("0.00"), ("evt-1",)),
        # web search: 0.045 -> 0.05 (half up)
        ("qwen3-5-flash", "tool:web_search", 3, D("0.015"), D("0.045"), D("0.05"), ("evt-2",)),
    ]
    # total = 0.02 + 0.00 + 0.05 = 0.07 (the rounded lines, not round(0.06547904) = 0.07)
    assert inv.total == D("0.07")
    assert inv.precise_total == D("0.06547904")


def test_total_is_the_sum_of_rounded_lines_not_the_rounded_sum(engine: Engine) -> None:
    # three web-search lines at different offerings, 0.004 each: each rounds to 0.00,
    # so the total is 0.00, while round(0.012) would be 0.01.
    events = [
        event("bob", f"e{i}", "2026-11-05T00:00:00Z", line("input", 1, "4000", "0.004"), offering=o)
        for i, o in enumerate(["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1"])
    ]
    store(engine, *events)
    inv = invoice(engine, "bob", "2026-11")
    assert [x.amount for x in inv.lines] == [D("0.00")] * 3
    assert inv.total == D("0.00")
    assert inv.precise_total == D("0.012")


def test_draft_follows_usage_and_final_is_frozen(engine: Engine) -> None:
    store(engine, EVT1)
    assert invoice(engine, "acme", "2026-11").total == D("0.01")  # 0.01111104 + 0.000368
    store(engine, EVT2)
    assert invoice(engine, "acme", "2026-11").total == D("0.07")
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert final.status == "finalized" and final.number == 1
    assert final.document_number == "INV-000001"
    # finalising again is a no-op that shows the same invoice
    again = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert again.number == 1 and again.lines == final.lines


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoice_lines SET quantity = quantity + 1",
        "DELETE FROM invoice_lines",
        "DELETE FROM invoice_line_charges",
        "UPDATE invoices SET total = '0'",
        "UPDATE invoices SET number = 7",
        "UPDATE invoices SET status = 'draft', number = NULL",
        "DELETE FROM invoices",
        "INSERT INTO invoice_lines (invoice_id, position, offering, model, charge, unit, quantity,"
        " unit_price, precise_amount, amount, events)"
        " SELECT id, 99, 'x/y', 'y', 'input', '1M tokens', 1, '1', '1', '1', 1 FROM invoices",
    ],
)
def test_the_database_refuses_changes_to_a_final_invoice(engine: Engine, statement: str) -> None:
    store(engine, EVT1, EVT2)
    invoice(engine, "acme", "2026-11", finalize=True, force=True)
    with pytest.raises(DBAPIError, match="no longer a draft"), engine.begin() as conn:
        conn.execute(text(statement))


def test_numbers_are_gapless_per_issuer(engine: Engine) -> None:
    store(engine, EVT1, EVT3)
    store(
        engine, event("zeta", "z1", "2026-11-02T00:00:00Z", line("input", 10, "0.090", "0.0000009"))
    )
    invoice(engine, "acme", "2026-11")  # a draft takes no number
    numbers = [
        invoice(engine, "zeta", "2026-11", finalize=True, force=True).number,
        invoice(engine, "acme", "2026-12", finalize=True, force=True).number,
        invoice(engine, "acme", "2026-11", finalize=True, force=True).number,
    ]
    assert numbers == [1, 2, 3]


def test_void_releases_the_charges_for_a_new_invoice(engine: Engine) -> None:
    store(engine, EVT1)
    with pytest.raises(InvoiceError, match="no invoice"):
        void(engine, "acme", "2026-11")
    invoice(engine, "acme", "2026-11")
    with pytest.raises(InvoiceError, match="only a finalised invoice"):
        void(engine, "acme", "2026-11")
    invoice(engine, "acme", "2026-11", finalize=True, force=True)
    voided = void(engine, "acme", "2026-11")
    assert voided.status == "void" and voided.number == 1 and voided.total == D("0.01")
    reissued = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    assert reissued.number == 2 and reissued.total == D("0.01")


def test_late_usage_goes_on_the_next_open_invoice_as_an_adjustment(engine: Engine) -> None:
    store(engine, EVT1, EVT3)
    final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
    store(engine, EVT2)  # November usage arriving after November was finalised
    assert invoice(engine, "acme", "2026-11").lines == final.lines  # never rewritten
    december = invoice(engine, "acme", "2026-12", with_events=True)
    got = [
        (x.adjustment_period, x.charge, x.precise_amount, x.amount, x.event_ids)
        for x in december.lines
    ]
    assert got == [
        (None, "input", D("0.00009"), D("0.00"), ("evt-3",)),
        ("2026-11", "input", D("0.009"), D("0.01"), ("evt-2",)),
        ("2026-11", "tool:web_search", D("0.045"), D("0.05"), ("evt-2",)),
    ]
    assert december.total == D("0.06")  # 0.00 + 0.01 + 0.05


def test_unpriceable_usage_is_counted_not_charged(engine: Engine) -> None:
    bad = event("acme", "bad-1", "2026-11-04T00:00:00Z", error="unknown model 'runware:x'")
    store(engine, EVT1, bad)
    inv = invoice(engine, "acme", "2026-11")
    assert inv.unpriceable_events == 1
    assert inv.total == D("0.01")
    assert all(x.events == 1 for x in inv.lines)


def test_credit_notes_never_exceed_the_invoice(engine: Engine) -> None:
    store(engine, EVT1, EVT2)
    with pytest.raises(InvoiceError, match="finalised"):
        credit_note(engine, "acme", "2026-11", D("0.01"), "draft")
    invoice(engine, "acme", "2026-11", finalize=True, force=True)  # total 0.07
    first = credit_note(engine, "acme", "2026-11", D("0.05"), "goodwill")
    assert first.number == 1 and first.document_number == "CN-000001"
    with pytest.raises(InvoiceError, match="more than the invoice"):
        credit_note(engine, "acme", "2026-11", D("0.03"), "too much")  # 0.08 > 0.07
    with pytest.raises(InvoiceError, match="minor units"):
        credit_note(engine, "acme", "2026-11", D("0.001"), "sub-cent")
    second = credit_note(engine, "acme", "2026-11", D("0.02"), "rest")
    assert second.number == 2
    inv = invoice(engine, "acme", "2026-11")
    assert inv.credited == D("0.07") and inv.balance == D("0.00")
    with pytest.raises(InvoiceError, match="credit notes"):
        void(engine, "acme", "2026-11")


def test_unknown_customer_and_bad_period(engine: Engine) -> None:
    with pytest.raises(InvoiceError, match="unknown customer"):
        invoice(engine, "nobody", "2026-11")
    with pytest.raises(InvoiceError, match="YYYY-MM"):
        invoice(engine, "acme", "2026-13")


def test_concurrent_runs_make_one_invoice(engine: Engine) -> None:
    store(engine, EVT1, EVT2)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def run(finalize: bool) -> None:
        barrier.wait()
        try:
            results.append(invoice(engine, "acme", "2026-11", finalize=finalize, force=True))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results if isinstance(r, Exception)]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar_one() == 1
        assert conn.execute(text("SELECT max(number) FROM invoices")).scalar_one() == 1
    assert invoice(engine, "acme", "2026-11").total == Decimal("0.07")


def test_finalising_different_customers_at_once_neither_deadlocks_nor_skips_a_number(
    engine: Engine,
) -> None:
    """Eight customers finalised by eight threads at the same moment (PostgreSQL once
    deadlocked on the issuer row: every insert referencing it holds KEY SHARE, and FOR
    UPDATE had to wait on them); the numbers are 1 to 8, each once."""
    customers = [f"cust{i}" for i in range(8)]
    for c in customers:
        store(
            engine,
            event(c, f"{c}-1", "2026-11-02T00:00:00Z", line("input", 10, "0.090", "0.0000009")),
        )
    for c in customers:
        invoice(engine, c, "2026-11")  # drafts first: finalisation is the race
    start = threading.Barrier(len(customers))
    numbers: list[int | None] = []
    errors: list[BaseException] = []

    def finalise(customer: str) -> None:
        start.wait()
        try:
            numbers.append(invoice(engine, customer, "2026-11", finalize=True, force=True).number)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=finalise, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(n for n in numbers if n is not None) == list(range(1, 9))


def test_a_deadlocked_or_unserializable_transaction_is_run_again() -> None:
    from billing.invoicing.lifecycle import _retried

    class Orig(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    calls: list[int] = []

    def flaky(states: list[str]) -> object:
        def work() -> str:
            calls.append(1)
            if states:
                raise DBAPIError("UPDATE issuers", {}, Orig(states.pop(0)))
            return "done"

        return work

    assert _retried(flaky(["40P01", "40001"])) == "done" and len(calls) == 3  # type: ignore[arg-type]
    with pytest.raises(DBAPIError):  # a unique violation is not retried
        _retried(flaky(["23505"]))  # type: ignore[arg-type]
    assert len(calls) == 4
