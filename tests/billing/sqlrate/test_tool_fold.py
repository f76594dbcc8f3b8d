"""Hand-computed vectors aimed at the fold of DuckDB's tool statement
(billing.sqlrate.queries._tool_statement_by_bits): in an offering with one price plan a
name's row does not depend on the event (CompiledOffering.row_code), so it is read in Python
and the names of one row, one fee or of unpublished rows are tested together (one ``&`` per
mask column); with several plans each name keeps a CASE over the event's version. Each test
compares DuckDB with SQLite line for line and error for error, and asserts amounts computed
by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine, select

from billing.ledger.batch import PreparedEvent
from billing.ledger.ingest import store_batch
from billing.ledger.tables import Customer
from billing.rating import PricingError, price
from billing.records import UsageRecord
from billing.sqlrate import period_scope
from billing.usage import Usage
from catalog import Catalog, PriceState, Rate
from catalog.model import PricePlan, RequestCharge, TokenPrice, ToolCharge
from tests.billing.sqlrate.test_differential import PERIOD_START, _base, _lines_of
from tests.billing.sqlrate.test_tool_masks import ALIASES, _plan, _prices, _rate, _rated

pytest.importorskip("duckdb")

#: v1 prices events before day 14 of the period, v2 from day 14 on
BOUNDARY = PERIOD_START + dt.timedelta(days=14)
UNPUBLISHED = Rate(PriceState.UNPUBLISHED)


def _two_versions(v1: PricePlan, v2: PricePlan) -> tuple[PricePlan, PricePlan]:
    return (
        dataclasses.replace(v1, effective_until=BOUNDARY),
        dataclasses.replace(v2, effective_from=BOUNDARY),
    )


def _catalog(**offerings: tuple[PricePlan, ...]) -> Catalog:
    """One offering per keyword (its id, with ``_`` read as ``-``) priced by its plans."""
    base = _base()
    template = base.offerings["empiriolabs/qwen3-5-flash"]
    out = {}
    for ident, plans in offerings.items():
        offering = dataclasses.replace(
            template,
            id=ident.replace("_", "-"),
            parameters=MappingProxyType({}),
            pricing=plans,
            variants=(),
            rules=(),
            contexts=MappingProxyType({}),
        )
        out[offering.key] = offering
    return Catalog(base.models, base.providers, out)


def _ev(model: str, day: int, tools: dict[str, int]) -> tuple[str, dt.datetime, Usage]:
    # 1,000 input tokens at 2 USD per 1M: 0.002 USD an event, 0 output tokens
    return model, PERIOD_START + dt.timedelta(days=day), Usage(1000, tools=MappingProxyType(tools))


def _store(
    ledger: Engine, catalog: Catalog, events: list[tuple[str, dt.datetime, Usage]], customer: str
) -> tuple[Counter[str], int]:
    """Store ``events`` (model, time, usage) as ``customer``'s, priced by Python first; the
    Python failures by reason, and the customer's id."""
    failed: Counter[str] = Counter()
    prepared = []
    for i, (model, when, usage) in enumerate(events):
        record = UsageRecord(
            i + 1, f"e{i}", customer, model, when, "chat.completions", usage, None, {}, None
        )
        try:
            charge, error = price(record, catalog), None
        except PricingError as exc:
            failed[exc.code] += 1
            charge, error = None, str(exc)
        raw = f"{customer}-{i}"
        prepared.append(
            PreparedEvent(
                i + 1,
                customer,
                f"e{i}",
                hashlib.sha256(raw.encode()).hexdigest(),
                raw,
                model=model,
                offering=f"empiriolabs/{model}",
                endpoint="chat.completions",
                timestamp=when,
                usage=usage,
                charge=charge,
                error=error,
            )
        )
    with ledger.begin() as conn:
        store_batch(conn, prepared, {})
    with ledger.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
    return failed, cid


def _by_charge(result: Any) -> list[tuple[Any, ...]]:
    """(offering, version, charge, quantity, events, amount), a charge's lines summed."""
    acc: dict[tuple[str, str, str], list[Any]] = {}
    for ln in result.lines:
        row = acc.setdefault((ln.offering, ln.price_version, ln.charge), [0, 0, Decimal(0)])
        row[0] += ln.quantity
        row[1] += ln.events
        row[2] += ln.amount
    return sorted((*key, *sums) for key, sums in acc.items())


def _reasons(result: Any) -> dict[str, int]:
    out: Counter[str] = Counter()
    for err in result.errors:
        out[err.reason_code] += err.events
    return dict(out)


def _rate_both(
    ledger: Engine, catalog: Catalog, events: list[Any], customer: str
) -> tuple[Any, Counter[str]]:
    """DuckDB's result, once it equals SQLite's line for line and error for error."""
    failed, cid = _store(ledger, catalog, events, customer)
    on_sqlite, on_duck = _rated(ledger, catalog, period_scope("2026-11", cid))
    assert _lines_of(on_duck) == _lines_of(on_sqlite)
    assert on_duck.errors == on_sqlite.errors
    return on_duck, failed


def _row_code(catalog: Catalog, ident: str, name: str) -> int | None:
    from billing.sqlrate.params import DuckJsonParams
    from billing.sqlrate.plan import compile_offering
    from billing.sqlrate.queries import events_t

    compiled = compile_offering(
        catalog.resolve(ident), events_t.c, DuckJsonParams(events_t.c.request_params)
    )
    return compiled.row_code(name)


# -- 1. two versions: a name of v1 only, a name at the same index in both, unpublished in v2


def _versions_catalog() -> Catalog:
    v1 = _plan(
        "v1",
        (ToolCharge("code", "Code", _rate("0.02")), ToolCharge("search", "Search", _rate("0.01"))),
    )
    v2 = _plan(
        "v2", (ToolCharge("code", "Code", _rate("0.05")), ToolCharge("draw", "Draw", UNPUBLISHED))
    )
    return _catalog(diff_model=_two_versions(v1, v2))


def test_row_code_of_two_versions() -> None:
    """``code`` is row 0 of both versions, but codes are version x 100 + row: 0 and 100,
    so its row depends on the version; ``search`` (v1 only) and ``draw`` (v2 only) too."""
    catalog = _versions_catalog()
    assert [_row_code(catalog, "diff-model", n) for n in ("code", "search", "draw")] == [
        None,
        None,
        None,
    ]
    assert _row_code(catalog, "diff-model", "nobody") == -1


def test_versions_by_hand(sqlite_ledger: Engine) -> None:
    catalog = _versions_catalog()
    events = [
        _ev("diff-model", 9, {"code": 2, "search": 1}),  # v1: code 2 x 0.02, search 1 x 0.01
        _ev("diff-model", 9, {"draw": 0}),  # v1 does not know draw, even at 0 calls
        _ev("diff-model", 13, {"search": 3}),  # v1: search 3 x 0.01
        _ev("diff-model", 14, {"code": 1, "draw": 0}),  # v2 from day 14: code 1 x 0.05
        _ev("diff-model", 19, {"draw": 1}),  # v2's unpublished row called: fails
        _ev("diff-model", 19, {"search": 0}),  # v2 does not know search, even at 0 calls
        _ev("diff-model", 19, {"code": 2}),  # v2: code 2 x 0.05
    ]
    on_duck, failed = _rate_both(sqlite_ledger, catalog, events, "fold-versions")
    m = "empiriolabs/diff-model"
    # v1: events 1 and 3: input 2 x 1,000 tokens x 2 USD / 1M = 0.004
    #     code 2 calls x 0.02 = 0.04 (1 event); search 1 + 3 = 4 calls x 0.01 = 0.04 (2 events)
    # v2: events 4 and 7: input 0.004; code 1 + 2 = 3 calls x 0.05 = 0.15 (2 events)
    assert _by_charge(on_duck) == [
        (m, "v1", "input", 2000, 2, Decimal("0.004")),
        (m, "v1", "output", 0, 2, Decimal("0")),
        (m, "v1", "tool:code", 2, 1, Decimal("0.04")),
        (m, "v1", "tool:search", 4, 2, Decimal("0.04")),
        (m, "v2", "input", 2000, 2, Decimal("0.004")),
        (m, "v2", "output", 0, 2, Decimal("0")),
        (m, "v2", "tool:code", 3, 2, Decimal("0.15")),
    ]
    assert _reasons(on_duck) == {"unknown_tool": 2, "tool_fee_unavailable": 1}
    assert sum(failed.values()) == 3


# -- 2. a fee switched on by tool use, its names in two mask columns, in v2 only


def test_tool_fee_of_one_version_by_hand(sqlite_ledger: Engine) -> None:
    """``search`` and its 34 aliases (35 names: search, search_00 .. search_33, sorted) fill
    mask column 0 with search .. search_29 (31 names) and column 1 with search_30 ..
    search_33; v2's grounding fee lists ``search``, so every one of the 35 names."""
    assert sorted(("search", *ALIASES)).index("search_30") == 31  # the test's premise

    def search(price: str) -> ToolCharge:
        return ToolCharge("search", "Search", _rate(price), ALIASES)

    grounding = RequestCharge(
        "grounding", "Grounding", _rate("0.035"), MappingProxyType({}), ("search",)
    )
    v1 = _plan("v1", (search("0.01"),))
    v2 = _plan("v2", (search("0.01"),), (grounding,))
    catalog = _catalog(diff_model=_two_versions(v1, v2))
    events = [
        _ev("diff-model", 9, {"search_33": 2}),  # v1: search 2 x 0.01, no fee in v1
        _ev("diff-model", 19, {"search_33": 1}),  # v2: 0.01 + fee, a column-1 name
        _ev("diff-model", 19, {"search_00": 2}),  # v2: 0.02 + fee, a column-0 name
        _ev("diff-model", 19, {"search_31": 0}),  # reported with 0 calls: no line, no fee
        _ev("diff-model", 19, {"search_02": 0, "search_32": 1}),  # 0.01 + fee
        _ev("diff-model", 20, {"search": 0, "search_30": 0}),  # 0 calls in both columns
    ]
    on_duck, failed = _rate_both(sqlite_ledger, catalog, events, "fold-fee")
    m = "empiriolabs/diff-model"
    # v1: event 1: input 0.002; search 2 calls x 0.01 = 0.02
    # v2: events 2-6: input 5 x 0.002 = 0.010; grounding in events 2, 3, 5: 3 x 0.035 = 0.105
    #     search 1 + 2 + 1 = 4 calls x 0.01 = 0.04 (3 events)
    assert _by_charge(on_duck) == [
        (m, "v1", "input", 1000, 1, Decimal("0.002")),
        (m, "v1", "output", 0, 1, Decimal("0")),
        (m, "v1", "tool:search", 2, 1, Decimal("0.02")),
        (m, "v2", "input", 5000, 5, Decimal("0.010")),
        (m, "v2", "output", 0, 5, Decimal("0")),
        (m, "v2", "request:grounding", 3, 3, Decimal("0.105")),
        (m, "v2", "tool:search", 4, 3, Decimal("0.04")),
    ]
    assert on_duck.errors == []
    assert not failed


# -- 3. an unpublished row whose names span two mask columns (one version: the folded form)

CODE_ALIASES = tuple(f"code_{n:02}" for n in range(34))


def test_unpublished_row_in_two_columns_by_hand(sqlite_ledger: Engine) -> None:
    """``code`` (unpublished) and 34 aliases: code .. code_29 in mask column 0, code_30 ..
    code_33 and ``search`` in column 1."""
    assert sorted(("code", *CODE_ALIASES, "search")).index("code_30") == 31  # the premise
    plan = _plan(
        "v1",
        (
            ToolCharge("code", "Code", UNPUBLISHED, CODE_ALIASES),
            ToolCharge("search", "Search", _rate("0.01")),
        ),
    )
    catalog = _catalog(diff_model=(plan,))
    assert _row_code(catalog, "diff-model", "code_33") == 0  # one version: read in Python
    events = [
        _ev("diff-model", 2, {"code_33": 1}),  # called through column 1 alone: fails
        _ev("diff-model", 2, {"code_30": 0, "search": 1}),  # 0 calls: search 1 x 0.01
        _ev("diff-model", 2, {"code": 0, "code_31": 0}),  # 0 calls in both columns: input
        _ev("diff-model", 2, {"code_00": 0, "code_32": 2}),  # column 1 called: fails
        _ev("diff-model", 2, {"search": 2}),  # search 2 x 0.01
    ]
    on_duck, failed = _rate_both(sqlite_ledger, catalog, events, "fold-unpublished")
    m = "empiriolabs/diff-model"
    # priced: events 2, 3, 5: input 3 x 0.002 = 0.006; search 1 + 2 = 3 calls x 0.01 = 0.03
    assert _by_charge(on_duck) == [
        (m, "v1", "input", 3000, 3, Decimal("0.006")),
        (m, "v1", "output", 0, 3, Decimal("0")),
        (m, "v1", "tool:search", 3, 2, Decimal("0.03")),
    ]
    assert _reasons(on_duck) == {"tool_fee_unavailable": 2}
    assert sum(failed.values()) == 2


# -- 4. two offerings in one scope: the folded form (one version) and the CASE (two)


def test_folded_and_per_name_in_one_statement(sqlite_ledger: Engine) -> None:
    """``one`` has one version (search + 34 aliases, the grounding fee listing search);
    ``two`` has two (code in both, search in v1 only). The names of both, sorted: code,
    search, search_00 .. search_33: column 0 ends at search_28."""
    assert sorted(("code", "search", *ALIASES)).index("search_29") == 31  # the premise
    search_a = ToolCharge("search", "Search", _rate("0.01"), ALIASES)
    grounding = RequestCharge(
        "grounding", "Grounding", _rate("0.035"), MappingProxyType({}), ("search",)
    )
    one = _plan("a1", (search_a,), (grounding,))
    b1 = _plan(
        "b1",
        (ToolCharge("code", "Code", _rate("0.02")), ToolCharge("search", "Search", _rate("0.03"))),
    )
    b2 = _plan("b2", (ToolCharge("code", "Code", _rate("0.05")),))
    catalog = _catalog(diff_one=(one,), diff_two=_two_versions(b1, b2))
    assert _row_code(catalog, "diff-one", "search_33") == 0
    assert _row_code(catalog, "diff-two", "code") is None
    events = [
        _ev("diff-one", 3, {"search_33": 1}),  # search 1 x 0.01 + grounding 0.035
        _ev("diff-one", 19, {"code": 0}),  # one does not price code: unknown
        _ev("diff-one", 19, {"search": 0, "search_30": 2}),  # 2 x 0.01 + grounding
        _ev("diff-one", 19, {"search_01": 0}),  # 0 calls: input alone, no fee
        _ev("diff-two", 3, {"search": 1, "code": 1}),  # b1: search 0.03, code 0.02
        _ev("diff-two", 19, {"search": 1}),  # b2 does not know search: unknown
        _ev("diff-two", 19, {"code": 2}),  # b2: code 2 x 0.05
        _ev("diff-two", 19, {"search_33": 0}),  # two does not price search_33: unknown
    ]
    on_duck, failed = _rate_both(sqlite_ledger, catalog, events, "fold-two-offerings")
    a, b = "empiriolabs/diff-one", "empiriolabs/diff-two"
    # one: events 1, 3, 4: input 3 x 0.002 = 0.006; grounding (events 1, 3) 2 x 0.035 = 0.070
    #      search 1 + 2 = 3 calls x 0.01 = 0.03 (2 events)
    # two b1: event 5: input 0.002; code 1 x 0.02; search 1 x 0.03
    # two b2: event 7: input 0.002; code 2 x 0.05 = 0.10
    assert _by_charge(on_duck) == [
        (a, "a1", "input", 3000, 3, Decimal("0.006")),
        (a, "a1", "output", 0, 3, Decimal("0")),
        (a, "a1", "request:grounding", 2, 2, Decimal("0.070")),
        (a, "a1", "tool:search", 3, 2, Decimal("0.03")),
        (b, "b1", "input", 1000, 1, Decimal("0.002")),
        (b, "b1", "output", 0, 1, Decimal("0")),
        (b, "b1", "tool:code", 1, 1, Decimal("0.02")),
        (b, "b1", "tool:search", 1, 1, Decimal("0.03")),
        (b, "b2", "input", 1000, 1, Decimal("0.002")),
        (b, "b2", "output", 0, 1, Decimal("0")),
        (b, "b2", "tool:code", 2, 1, Decimal("0.10")),
    ]
    assert _reasons(on_duck) == {"unknown_tool": 3}
    assert sum(failed.values()) == 3


# -- 5. "called" in both forms: events without tokens in tiers whose token rates are unpublished


def test_called_in_both_forms_by_hand(sqlite_ledger: Engine) -> None:
    """An event without tokens has a line only when it calls a tool above 0 (else
    nothing_published): read from the folded mask test for ``one`` (one version) and from the
    CASE over the version for ``two`` (code in v1 and v2)."""
    none = MappingProxyType(dict.fromkeys(_prices(), TokenPrice(UNPUBLISHED)))
    one = _plan("a1", (ToolCharge("search", "Search", _rate("0.01"), ALIASES),), prices=none)
    b1 = _plan("b1", (ToolCharge("code", "Code", _rate("0.02")),), prices=none)
    b2 = _plan("b2", (ToolCharge("code", "Code", _rate("0.05")),), prices=none)
    catalog = _catalog(diff_one=(one,), diff_two=_two_versions(b1, b2))

    def ev(model: str, day: int, tools: dict[str, int]) -> tuple[str, dt.datetime, Usage]:
        return model, PERIOD_START + dt.timedelta(days=day), Usage(0, tools=MappingProxyType(tools))

    events = [
        ev("diff-one", 2, {"search_33": 0}),  # reported, no call: nothing to price
        ev("diff-one", 2, {"search_31": 2}),  # search 2 x 0.01
        ev("diff-two", 3, {"code": 0}),  # nothing to price
        ev("diff-two", 3, {"code": 1}),  # b1: code 1 x 0.02
        ev("diff-two", 19, {"code": 0}),  # nothing to price
        ev("diff-two", 19, {"code": 3}),  # b2: code 3 x 0.05 = 0.15
    ]
    on_duck, failed = _rate_both(sqlite_ledger, catalog, events, "fold-called")
    a, b = "empiriolabs/diff-one", "empiriolabs/diff-two"
    assert _by_charge(on_duck) == [
        (a, "a1", "tool:search", 2, 1, Decimal("0.02")),
        (b, "b1", "tool:code", 1, 1, Decimal("0.02")),
        (b, "b2", "tool:code", 3, 1, Decimal("0.15")),
    ]
    assert _reasons(on_duck) == {"nothing_published": 3}
    assert sum(failed.values()) == 3
