"""Properties of the ledger, on SQLite and PostgreSQL (one customer per example)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billing.charge import Line
from billing.invoicing.lifecycle import InvoiceView, charges_total, invoice
from billing.ledger.batch import PreparedEvent
from billing.money import round_money

from .helpers import event, store

_customers = itertools.count()
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

OFFERINGS = ["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1"]
PRICES = [Decimal(p) for p in ("0.04", "0.07", "0.02", "0.090", "0.368", "0.029", "0.287")]


@st.composite
def charge_lines(draw: st.DrawFn) -> tuple[Line, ...]:
    lines = []
    for kind in draw(st.sets(st.sampled_from(["input", "output", "cache_read"]), min_size=1)):
        quantity = draw(st.integers(0, 300_000))
        price = draw(st.sampled_from(PRICES))
        lines.append(
            Line(
                kind, quantity, "1M tokens", price, quantity * price / 1_000_000, price_version="v1"
            )
        )
    if draw(st.booleans()):
        calls = draw(st.integers(1, 5))
        lines.append(
            Line("tool:web_search", calls, "call", Decimal("0.015"), calls * Decimal("0.015"))
        )
    return tuple(lines)


@st.composite
def usage_sets(draw: st.DrawFn) -> list[tuple[str, str, str, tuple[Line, ...]]]:
    """(event id, timestamp, offering, lines) for distinct ids."""
    count = draw(st.integers(1, 12))
    days = st.integers(1, 28)
    return [
        (
            f"e{i}",
            f"2026-11-{draw(days):02d}T{draw(st.integers(0, 23)):02d}:00:00Z",
            draw(st.sampled_from(OFFERINGS)),
            draw(charge_lines()),
        )
        for i in range(count)
    ]


def _events(
    customer: str, spec: list[tuple[str, str, str, tuple[Line, ...]]]
) -> list[PreparedEvent]:
    return [event(customer, eid, when, *lines, offering=o) for eid, when, o, lines in spec]


def _ingest(engine: Engine, events: list[PreparedEvent], batch: int) -> None:
    for start in range(0, len(events), batch):
        store(engine, *events[start : start + batch])


def _shape(view: InvoiceView) -> tuple[object, ...]:
    return (view.total, view.precise_total, view.lines)


@SETTINGS
@given(spec=usage_sets(), data=st.data())
def test_any_order_with_duplicates_gives_the_same_invoice(
    shared_engine: Engine, spec: list[tuple[str, str, str, tuple[Line, ...]]], data: st.DataObject
) -> None:
    a, b = f"perm-a{next(_customers)}", f"perm-b{next(_customers)}"
    _ingest(shared_engine, _events(a, spec), batch=len(spec))
    events_b = _events(b, spec)
    repeated = data.draw(st.lists(st.sampled_from(events_b), max_size=len(events_b)))
    shuffled = data.draw(st.permutations(events_b + repeated))
    _ingest(shared_engine, shuffled, batch=data.draw(st.integers(1, 5)))
    first = invoice(shared_engine, a, "2026-11", with_events=True)
    second = invoice(shared_engine, b, "2026-11", with_events=True)
    assert _shape(first) == _shape(second)


@SETTINGS
@given(spec=usage_sets())
def test_total_is_sum_of_rounded_lines_and_precise_sum_is_exact(
    shared_engine: Engine, spec: list[tuple[str, str, str, tuple[Line, ...]]]
) -> None:
    customer = f"sum{next(_customers)}"
    _ingest(shared_engine, _events(customer, spec), batch=4)
    view = invoice(shared_engine, customer, "2026-11")
    assert view.total == sum((line.amount for line in view.lines), Decimal(0))
    assert all(line.amount == round_money(line.precise_amount, "USD") for line in view.lines)
    exact = sum((line.amount for _, _, _, lines in spec for line in lines), Decimal(0))
    assert sum((line.precise_amount for line in view.lines), Decimal(0)) == exact
    assert charges_total(shared_engine, customer) == exact


@SETTINGS
@given(spec=usage_sets(), later=usage_sets())
def test_finalised_invoices_never_change(
    shared_engine: Engine,
    spec: list[tuple[str, str, str, tuple[Line, ...]]],
    later: list[tuple[str, str, str, tuple[Line, ...]]],
) -> None:
    customer = f"final{next(_customers)}"
    _ingest(shared_engine, _events(customer, spec), batch=3)
    final = invoice(shared_engine, customer, "2026-11", finalize=True, with_events=True, force=True)
    late = [(f"late-{eid}", when, o, lines) for eid, when, o, lines in later]
    _ingest(shared_engine, _events(customer, late), batch=3)
    again = invoice(shared_engine, customer, "2026-11", finalize=True, with_events=True, force=True)
    assert again == final
    december = invoice(shared_engine, customer, "2026-12")
    late_exact = sum((line.amount for _, _, _, lines in late for line in lines), Decimal(0))
    assert december.precise_total == late_exact
    assert all(line.adjustment_period == "2026-11" for line in december.lines)
