"""DuckDB's tool statement folds each event's tool rows into bit masks (one per 31 tool
names, billing.sqlrate.queries._tool_statement_by_bits). Hand-computed vectors for what the
masks must keep: two names of one row in different mask columns (their calls summed, the
event counted once), a name no plan knows with 0 calls, a reported name with 0 calls, an
unpublished row with and without calls, a fee switched on by an alias; and scopes that pin
neither the customer nor the period (the statement then groups by them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine, select

from billing.ledger.ingest import store_batch
from billing.ledger.tables import Customer, UsageEvent
from billing.sqlrate import period_scope, rate_scope
from billing.usage import Usage
from catalog import Catalog, PriceState, Rate
from catalog.model import PricePlan, RequestCharge, Tier, TokenPrice, ToolCharge
from tests.billing.sqlrate.test_differential import PERIOD_START, _base, _expected, _lines_of

pytest.importorskip("duckdb")

#: 34 aliases and the name itself: 35 names of one row, more than one mask column holds
ALIASES = tuple(f"search_{n:02}" for n in range(34))


def _rate(price: str) -> Rate:
    return Rate(PriceState.PUBLISHED, Decimal(price))


def _prices() -> MappingProxyType[str, TokenPrice]:
    return MappingProxyType(
        {
            "input": TokenPrice(_rate("2")),  # USD per 1M tokens
            "output": TokenPrice(_rate("8")),
            "cache_read": TokenPrice(_rate("2"), "input"),
            "cache_write": TokenPrice(_rate("2"), "input"),
            "reasoning": TokenPrice(_rate("8"), "output"),
        }
    )


def _plan(
    version: str,
    tools: tuple[ToolCharge, ...],
    fees: tuple[RequestCharge, ...] = (),
    start: dt.datetime | None = None,
    until: dt.datetime | None = None,
    prices: MappingProxyType[str, TokenPrice] | None = None,
) -> PricePlan:
    lookup = {n: t for t in tools for n in (t.name, *t.aliases)}
    return PricePlan(
        effective_from=start,
        effective_until=until,
        version=version,
        currency="USD",
        tier_by="input_tokens",
        tier_boundary="upper_inclusive",
        tiered=False,
        # input 2 USD per 1M tokens unless told
        tiers=(Tier(0, None, None, True, _prices() if prices is None else prices),),
        tools=tools,
        request_fees=fees,
        tool_lookup=MappingProxyType(lookup),
    )


def _offering_catalog(*plans: PricePlan) -> Catalog:
    base = _base()
    template = base.offerings["empiriolabs/qwen3-5-flash"]
    offering = dataclasses.replace(
        template,
        id="diff-model",
        parameters=MappingProxyType({}),
        pricing=plans,
        variants=(),
        rules=(),
        contexts=MappingProxyType({}),
    )
    return Catalog(base.models, base.providers, {offering.key: offering})


def _catalog() -> Catalog:
    search = ToolCharge("search", "Search", _rate("0.01"), ALIASES)
    code = ToolCharge("code", "Code", Rate(PriceState.UNPUBLISHED))
    grounding = RequestCharge(
        "grounding", "Grounding", _rate("0.035"), MappingProxyType({}), ("search",)
    )
    return _offering_catalog(_plan("v1", (search, code), (grounding,)))


def _event(tools: dict[str, int], day: int = 0) -> tuple[Usage, Any, str]:
    # 1,000 input tokens at 2 USD per 1M: 0.002 USD an event
    when = PERIOD_START + dt.timedelta(days=day)
    return Usage(1000, tools=MappingProxyType(tools)), when, "default"


EVENTS = [
    _event({"search_00": 2, "search_33": 3}),  # one row, two names in two mask columns
    _event({"search": 1}),
    _event({"nobody_knows": 0}),  # unknown, even with 0 calls: cannot be priced
    _event({"code": 0}),  # unpublished row, no call: priced, no tool line
    _event({"code": 1}),  # unpublished row called: cannot be priced
    _event({"search_30": 0}),  # reported, no call: no tool line, no fee
    # search_29, the 32nd name (code, search, search_00...): the first of the second mask
    # column, at the bits "code" has in the first
    _event({"search_29": 4, "code": 0}),
]


def _by_charge(result: Any) -> list[tuple[Any, ...]]:
    """(version, charge, quantity, events, amount), a charge's lines (one per fee-mask
    group) summed."""
    acc: dict[tuple[str, str], list[Any]] = {}
    for ln in result.lines:
        row = acc.setdefault((ln.price_version, ln.charge), [0, 0, Decimal(0)])
        row[0] += ln.quantity
        row[1] += ln.events
        row[2] += ln.amount
    return sorted((*key, *sums) for key, sums in acc.items())


def _stored(ledger: Engine, catalog: Catalog, events: list[Any], customer: str) -> Any:
    """Store ``events`` as ``customer``'s (priced by Python first); their failures by
    reason, and the customer's id."""
    _, failed, prepared = _expected(catalog, events, customer)
    with ledger.begin() as conn:
        store_batch(conn, prepared, {})
    with ledger.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
    return failed, cid


def _rated(ledger: Engine, catalog: Catalog, scope: list[Any]) -> tuple[Any, Any]:
    from billing.sqlrate.duck import duckdb_connection

    with ledger.connect() as conn:
        on_sqlite = rate_scope(conn, scope, catalog)
        with duckdb_connection(ledger=conn, scope=scope) as duck:
            on_duck = rate_scope(duck, scope, catalog)
    assert (on_sqlite.engine, on_duck.engine) == ("sqlite", "duckdb")
    return on_sqlite, on_duck


def test_tool_masks_by_hand(sqlite_ledger: Engine) -> None:
    catalog = _catalog()
    failed, cid = _stored(sqlite_ledger, catalog, EVENTS, "masks")
    on_sqlite, on_duck = _rated(sqlite_ledger, catalog, period_scope("2026-11", cid))
    lines = [row[1:] for row in _by_charge(on_duck)]
    # priced: events 1, 2, 4, 6, 7 (3: unknown tool; 5: unpublished tool called)
    # input: 5 x 1,000 tokens x 2 USD / 1M = 0.010; output: 0 tokens in the same 5 events
    # search: 2 + 3 (event 1) + 1 (event 2) + 4 (event 7) = 10 calls x 0.01 = 0.10, 3 events
    # grounding: switched on by a search call in events 1, 2 and 7: 3 x 0.035 = 0.105
    assert lines == [
        ("input", 5000, 5, Decimal("0.010")),
        ("output", 0, 5, Decimal("0")),
        ("request:grounding", 3, 3, Decimal("0.105")),
        ("tool:search", 10, 3, Decimal("0.10")),
    ]
    reasons = sorted((err.reason_code, err.events) for err in on_duck.errors)
    assert reasons == [("tool_fee_unavailable", 1), ("unknown_tool", 1)]
    assert sum(failed.values()) == 2
    assert _lines_of(on_duck) == _lines_of(on_sqlite)
    assert on_duck.errors == on_sqlite.errors


@pytest.mark.parametrize(
    "scope",
    [
        [UsageEvent.input_tokens.is_not(None)],  # every customer and period
        period_scope("2026-11"),  # every customer
    ],
    ids=["nothing pinned", "period pinned"],
)
def test_scopes_that_pin_no_customer(sqlite_ledger: Engine, scope: list[Any]) -> None:
    catalog = _catalog()
    for customer in ("open-a", "open-b"):
        _stored(sqlite_ledger, catalog, EVENTS[:3], customer)
    on_sqlite, on_duck = _rated(sqlite_ledger, catalog, scope)
    assert {ln.customer_id for ln in on_duck.lines} >= {1, 2}  # grouped per customer
    assert _lines_of(on_duck) == _lines_of(on_sqlite)
    assert on_duck.errors == on_sqlite.errors


def test_a_tool_row_per_version(sqlite_ledger: Engine) -> None:
    """A name's row depends on the event's version: ``search`` is priced until day 14 and
    unknown after; ``code`` is row 1 of v1 and row 0 of v2, at another price."""
    until = PERIOD_START + dt.timedelta(days=14)
    v1_search = ToolCharge("search", "Search", _rate("0.01"))
    v1_code = ToolCharge("code", "Code", _rate("0.02"))
    v2_code = ToolCharge("code", "Code", _rate("0.05"))
    common: dict[str, Any] = {
        "currency": "USD",
        "tier_by": "input_tokens",
        "tier_boundary": "upper_inclusive",
        "tiered": False,
        "tiers": (Tier(0, None, None, True, _prices()),),
        "request_fees": (),
    }
    v1 = PricePlan(
        effective_from=None,
        effective_until=until,
        version="v1",
        tools=(v1_search, v1_code),
        tool_lookup=MappingProxyType({"search": v1_search, "code": v1_code}),
        **common,
    )
    v2 = PricePlan(
        effective_from=until,
        effective_until=None,
        version="v2",
        tools=(v2_code,),
        tool_lookup=MappingProxyType({"code": v2_code}),
        **common,
    )
    catalog = _offering_catalog(v1, v2)
    events = [
        _event({"search": 2}, day=9),
        _event({"code": 1}, day=9),
        _event({"search": 1}, day=19),  # v2 does not know it
        _event({"code": 3}, day=19),
    ]
    _, cid = _stored(sqlite_ledger, catalog, events, "versions")
    on_sqlite, on_duck = _rated(sqlite_ledger, catalog, period_scope("2026-11", cid))
    # v1: 2 events x 1,000 tokens x 2 USD / 1M = 0.004; search 2 x 0.01; code 1 x 0.02
    # v2: 1 event: 0.002; code 3 x 0.05 = 0.15; the search event of day 19 fails
    assert _by_charge(on_duck) == [
        ("v1", "input", 2000, 2, Decimal("0.004")),
        ("v1", "output", 0, 2, Decimal("0")),
        ("v1", "tool:code", 1, 1, Decimal("0.02")),
        ("v1", "tool:search", 2, 1, Decimal("0.02")),
        ("v2", "input", 1000, 1, Decimal("0.002")),
        ("v2", "output", 0, 1, Decimal("0")),
        ("v2", "tool:code", 3, 1, Decimal("0.15")),
    ]
    assert [(e.reason_code, e.events) for e in on_duck.errors] == [("unknown_tool", 1)]
    assert _lines_of(on_duck) == _lines_of(on_sqlite)
    assert on_duck.errors == on_sqlite.errors


def test_called_means_a_call_above_0(sqlite_ledger: Engine) -> None:
    """An event without tokens, in a tier whose token rates are unpublished, has a line only
    when it calls a tool above 0: a name reported with 0 calls leaves it with nothing to
    price (the masks' "called" is the call bit, not the reported bit)."""
    unpublished = TokenPrice(Rate(PriceState.UNPUBLISHED))
    search = ToolCharge("search", "Search", _rate("0.01"), ALIASES)
    plan = _plan("v1", (search,), prices=MappingProxyType(dict.fromkeys(_prices(), unpublished)))
    catalog = _offering_catalog(plan)
    events = [
        (Usage(0, tools=MappingProxyType({"search_30": 0})), PERIOD_START, "default"),
        (Usage(0, tools=MappingProxyType({"search_31": 2})), PERIOD_START, "default"),
    ]
    failed, cid = _stored(sqlite_ledger, catalog, events, "called")
    on_sqlite, on_duck = _rated(sqlite_ledger, catalog, period_scope("2026-11", cid))
    # the second event alone: 2 calls x 0.01 USD = 0.02
    assert [row[1:] for row in _by_charge(on_duck)] == [("tool:search", 2, 1, Decimal("0.02"))]
    assert [(e.reason_code, e.events) for e in on_duck.errors] == [("nothing_published", 1)]
    assert sum(failed.values()) == 1
    assert _lines_of(on_duck) == _lines_of(on_sqlite)
    assert on_duck.errors == on_sqlite.errors
