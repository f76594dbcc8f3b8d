"""The SQL plan on the hand-computed plan vectors (tests/billing/vectors/plans.yaml): tier
bounds under both boundary rules, tiers by total and uncached input tokens, one-tier plans,
events exactly at a version's start, fees and tools; each event rated alone in the database
must give the vector's hand-computed lines, or be counted as unpriceable. Also the limits of
the compiler (fees it refuses)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine, select

from billing.ledger.ingest import ingest_lines, make_pricer
from billing.ledger.tables import Customer
from billing.rating import PricingError, price
from billing.records import loads, parse_json_line
from billing.sqlrate import NotCompilableError, period_scope, rate_scope
from billing.sqlrate.params import json_params
from billing.sqlrate.plan import compile_offering
from billing.sqlrate.queries import events_t
from catalog import Catalog, PriceState, Rate, load_catalog
from catalog.model import RequestCharge
from tests.billing.test_rating_kinds import HERE, VECTORS

#: vectors whose record has a timestamp (an event without one belongs to no period)
TIMED = [v for v in VECTORS if '"timestamp"' in v["record"]]


@pytest.fixture(scope="module")
def vec_catalog() -> Catalog:
    return load_catalog(HERE / "cards")


def _customer(i: int) -> str:
    return f"pk{i}"


@pytest.fixture(scope="module")
def loaded(shared_engine: Engine, vec_catalog: Catalog) -> Engine:
    lines = []
    for i, vector in enumerate(TIMED):
        obj = loads(vector["record"])
        obj["customer"] = _customer(i)
        lines.append((i + 1, json.dumps(obj, default=str)))
    ingest_lines(shared_engine, lines, make_pricer(vec_catalog))
    return shared_engine


def _check(vector: dict[str, Any], lines: list[Any], errors: list[Any], catalog: Catalog) -> None:
    """``lines`` and ``errors``, rated in SQL for the vector's event alone, are the vector's
    hand-computed lines, or one unpriceable event for the reason (the stable code) Python
    gives."""
    if "error" in vector:
        assert lines == [], vector["name"]
        with pytest.raises(PricingError) as info:
            price(parse_json_line(vector["record"], 1), catalog)
        assert [(e.reason_code, e.events) for e in errors] == [(info.value.code, 1)], vector["name"]
        return
    assert errors == [], vector["name"]
    got: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        got[line.charge] += line.amount
        assert line.events == 1
        assert line.tier == vector.get("tier")
        if "version" in vector:
            assert line.price_version == vector["version"]
    assert dict(got) == {k: Decimal(v) for k, v in vector["lines"].items()}, vector["name"]
    assert sum(got.values(), Decimal(0)) == Decimal(vector["total"])


def _period(vector: dict[str, Any]) -> str:
    when = parse_json_line(vector["record"], 1).timestamp
    assert when is not None
    return when.strftime("%Y-%m")  # the calendar month in UTC


@pytest.mark.parametrize("i", range(len(TIMED)), ids=[v["name"] for v in TIMED])
def test_sql_rates_the_vector(loaded: Engine, vec_catalog: Catalog, i: int) -> None:
    vector = TIMED[i]
    with loaded.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == _customer(i))).scalar_one()
        result = rate_scope(conn, period_scope(_period(vector), cid), vec_catalog)
    _check(vector, result.lines, result.errors, vec_catalog)


def test_sql_rates_every_vector_in_one_pass(loaded: Engine, vec_catalog: Catalog) -> None:
    """All the vectors' events of a month rated by one run of the statements (every offering
    and customer at once, each event by its own offering's expressions): each customer's
    lines are its vector's, as when rated alone. (Also the SQL plan's test set under `make
    mutation`: a handful of statements instead of one per vector.)"""
    with loaded.connect() as conn:
        ids = {code: cid for code, cid in conn.execute(select(Customer.code, Customer.id))}
        results = {
            period: rate_scope(conn, period_scope(period), vec_catalog)
            for period in sorted({_period(v) for v in TIMED})
        }
    checked = 0
    for i, vector in enumerate(TIMED):
        result = results[_period(vector)]
        cid = ids[_customer(i)]
        lines = [line for line in result.lines if line.customer_id == cid]
        errors = [e for e in result.errors if e.customer_id == cid]
        _check(vector, lines, errors, vec_catalog)
        checked += 1
    assert checked == len(TIMED) >= 50


def _with_fees(catalog: Catalog, n: int) -> Any:
    """vec/fees with ``n`` published request fees, each on its own parameter."""
    offering = catalog.offerings["vec/fees"]
    plan = offering.pricing[0]
    fees = tuple(
        RequestCharge(f"f{k}", f"f{k}", Rate(PriceState.PUBLISHED, Decimal(1)), {"flag": True})
        for k in range(n)
    )
    plan = dataclasses.replace(plan, request_fees=fees)
    return dataclasses.replace(offering, pricing=(plan,), parameters=MappingProxyType({}))


def test_thirty_fees_compile_and_thirty_one_are_refused(vec_catalog: Catalog) -> None:
    params = json_params("sqlite", events_t.c.request_params)
    compiled = compile_offering(_with_fees(vec_catalog, 30), events_t.c, params)
    assert compiled.fee_bits == 30
    assert [fee.index for fee in compiled.fees] == list(range(30))
    with pytest.raises(NotCompilableError, match="fees has more than 30 request fees"):
        compile_offering(_with_fees(vec_catalog, 31), events_t.c, params)


def test_a_fee_on_a_number_is_refused(vec_catalog: Catalog) -> None:
    offering = vec_catalog.offerings["vec/fees"]
    plan = offering.pricing[0]
    fee = RequestCharge("n", "n", Rate(PriceState.PUBLISHED, Decimal(1)), {"mode": 2})
    changed = dataclasses.replace(
        offering, pricing=(dataclasses.replace(plan, request_fees=(fee,)),)
    )
    params = json_params("sqlite", events_t.c.request_params)
    with pytest.raises(NotCompilableError, match="compares mode with 2"):
        compile_offering(changed, events_t.c, params)


def _gapped(catalog: Catalog, inclusive: bool, lower: int = 1500) -> Catalog:
    """vec/upper-in with a gap between its tiers (cards cannot write one: each tier starts at
    the bound of the one below; Python callers can): <=1000 or <1000, then ``lower``-2000."""
    offering = catalog.offerings["vec/upper-in"]
    plan = offering.pricing[0]
    low, high = plan.tiers
    tiers = (
        dataclasses.replace(low, upper_inclusive=inclusive),
        dataclasses.replace(high, lower=lower, upper_inclusive=inclusive),
    )
    boundary = "upper_inclusive" if inclusive else "lower_inclusive"
    plan = dataclasses.replace(plan, tiers=tiers, tier_boundary=boundary)
    gapped = dataclasses.replace(offering, id="gapped", pricing=(plan,))
    return Catalog(catalog.models, catalog.providers, {gapped.key: gapped})


#: (inclusive, prompt tokens, the tier by hand or None for beyond every tier)
GAPPED = [
    (True, 1000, "<=1,000"),
    (True, 1001, None),  # in the gap
    (True, 1500, None),  # on the second tier's lower bound: upper_inclusive leaves it out
    (True, 1501, "1,500-2,000"),
    (True, 2000, "1,500-2,000"),
    (True, 2001, None),
    (False, 999, "<1,000"),
    (False, 1000, None),  # the first tier's bound, in the gap
    (False, 1499, None),
    (False, 1500, "1,500-2,000"),  # lower_inclusive takes its lower bound
    (False, 1999, "1,500-2,000"),
    (False, 2000, None),
]


@pytest.mark.parametrize("inclusive", [True, False])
def test_tiers_with_a_gap(shared_engine: Engine, vec_catalog: Catalog, inclusive: bool) -> None:
    gapped = _gapped(vec_catalog, inclusive)
    cases = [(n, tier) for inc, n, tier in GAPPED if inc is inclusive]
    tag = "gu" if inclusive else "gl"
    lines = [
        (
            i + 1,
            json.dumps(
                {
                    "id": f"{tag}{i}",
                    "customer": f"{tag}{i}",
                    "model": "gapped",
                    "timestamp": "2026-11-05T00:00:00Z",
                    "usage": {"prompt_tokens": n, "completion_tokens": 0},
                }
            ),
        )
        for i, (n, _tier) in enumerate(cases)
    ]
    ingest_lines(shared_engine, lines, make_pricer(gapped))
    for i, (n, tier) in enumerate(cases):
        with shared_engine.connect() as conn:
            cid = conn.execute(select(Customer.id).where(Customer.code == f"{tag}{i}")).scalar_one()
            result = rate_scope(conn, period_scope("2026-11", cid), gapped)
        record = parse_json_line(lines[i][1], 1)
        if tier is None:
            assert (result.lines, result.error_events) == ([], 1), n
            with pytest.raises(PricingError, match="is beyond the top price tier"):
                price(record, gapped)
        else:
            assert price(record, gapped).tier == tier, n
            assert result.error_events == 0, n
            assert {line.tier for line in result.lines} == {tier}, n


def _versions_gapped(catalog: Catalog) -> Catalog:
    """vec/dated with a month between its versions (cards cannot write one: each version
    lasts until the next begins; Python callers can): v1 until 2026-06-01, v2 from
    2026-07-01."""
    offering = catalog.offerings["vec/dated"]
    v1, v2 = offering.pricing
    june, july = dt.datetime(2026, 6, 1, tzinfo=dt.UTC), dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    pricing = (
        dataclasses.replace(v1, effective_until=june),
        dataclasses.replace(v2, effective_from=july),
    )
    gapped = dataclasses.replace(offering, id="vgapped", pricing=pricing)
    return Catalog(catalog.models, catalog.providers, {gapped.key: gapped})


#: (event time, the version by hand or None for no version in effect); 1000 prompt tokens:
#: v1 1000 × 1 / 1e6 = 0.001, v2 1000 × 3 / 1e6 = 0.003
VERSION_GAP = [
    ("2026-05-31T23:59:59Z", "v1", "0.001"),
    ("2026-06-01T00:00:00Z", None, None),  # v1's end itself: v1 covers only times before it
    ("2026-06-30T23:59:59Z", None, None),
    ("2026-07-01T00:00:00Z", "v2", "0.003"),
]


def test_versions_with_a_gap(shared_engine: Engine, vec_catalog: Catalog) -> None:
    gapped = _versions_gapped(vec_catalog)
    lines = [
        (
            i + 1,
            json.dumps(
                {
                    "id": f"vg{i}",
                    "customer": f"vg{i}",
                    "model": "vgapped",
                    "timestamp": when,
                    "usage": {"prompt_tokens": 1000, "completion_tokens": 0},
                }
            ),
        )
        for i, (when, _v, _total) in enumerate(VERSION_GAP)
    ]
    ingest_lines(shared_engine, lines, make_pricer(gapped))
    for i, (when, version, total) in enumerate(VERSION_GAP):
        with shared_engine.connect() as conn:
            cid = conn.execute(select(Customer.id).where(Customer.code == f"vg{i}")).scalar_one()
            result = rate_scope(conn, period_scope(when[:7], cid), gapped)
        record = parse_json_line(lines[i][1], 1)
        if version is None:
            with pytest.raises(PricingError) as info:
                price(record, gapped)
            assert info.value.code == "no_price_version"
            assert [(e.reason_code, e.events) for e in result.errors] == [("no_price_version", 1)]
            assert result.lines == [], when
        else:
            assert price(record, gapped).price_version == version, when
            assert result.error_events == 0, when
            assert {line.price_version for line in result.lines} == {version}, when
            assert sum(line.amount for line in result.lines) == Decimal(total), when


def test_events_with_and_without_tools_share_their_lines(
    shared_engine: Engine, vec_catalog: Catalog
) -> None:
    """Two events of one customer in the same version, tier and fee mask, one calling a
    published tool that switches on no fee: SQL gives one line per charge over both events
    (the tool rows must leave the event in its group), as summing Python's lines gives."""
    records = [
        # vec/dated v2 (from 2026-06-01): input 1000 × 3 / 1e6 = 0.003; output 0 (zero line)
        {"prompt_tokens": 1000, "completion_tokens": 0},
        # the same, and tool:draw 1 × 0.07 = 0.07
        {"prompt_tokens": 1000, "completion_tokens": 0, "tool_usage": {"draw": 1}},
    ]
    lines = [
        (
            i + 1,
            json.dumps(
                {
                    "id": f"sh{i}",
                    "customer": "share",
                    "model": "dated",
                    "timestamp": "2026-11-03T00:00:00Z",
                    "usage": usage,
                }
            ),
        )
        for i, usage in enumerate(records)
    ]
    ingest_lines(shared_engine, lines, make_pricer(vec_catalog))
    with shared_engine.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == "share")).scalar_one()
        result = rate_scope(conn, period_scope("2026-11", cid), vec_catalog)
    assert result.error_events == 0
    got = sorted((ln.charge, ln.quantity, ln.events, ln.amount) for ln in result.lines)
    # input 2000 × 3 / 1e6 = 0.006 over 2 events; output 0 over 2; draw 1 call × 0.07
    assert got == [
        ("input", 2000, 2, Decimal("0.006")),
        ("output", 0, 2, Decimal("0")),
        ("tool:draw", 1, 1, Decimal("0.07")),
    ]


def test_a_first_tier_above_zero(shared_engine: Engine, vec_catalog: Catalog) -> None:
    """vec/upper-in with its first tier starting above 0 (500 < count <= 1000; cards cannot
    write one, Python callers can): a count at or below 500 is in no tier, in SQL as in
    Python, although the second tier (1000 < count <= 2000) only needs its upper bound
    checked when the first tier starts at 0."""
    offering = vec_catalog.offerings["vec/upper-in"]
    plan = offering.pricing[0]
    low, high = plan.tiers
    plan = dataclasses.replace(plan, tiers=(dataclasses.replace(low, lower=500), high))
    above = dataclasses.replace(offering, id="above", pricing=(plan,))
    catalog = Catalog(vec_catalog.models, vec_catalog.providers, {above.key: above})
    # (prompt tokens, the tier by hand, its total by hand: input n × 1 or 3 / 1e6)
    cases = [
        (400, None, None),
        (500, None, None),
        (501, "500-1,000", "0.000501"),
        (1001, "1,000-2,000", "0.003003"),
    ]
    lines = [
        (
            i + 1,
            json.dumps(
                {
                    "id": f"ab{i}",
                    "customer": f"ab{i}",
                    "model": "above",
                    "timestamp": "2026-11-05T00:00:00Z",
                    "usage": {"prompt_tokens": n, "completion_tokens": 0},
                }
            ),
        )
        for i, (n, _tier, _total) in enumerate(cases)
    ]
    ingest_lines(shared_engine, lines, make_pricer(catalog))
    for i, (n, tier, total) in enumerate(cases):
        with shared_engine.connect() as conn:
            cid = conn.execute(select(Customer.id).where(Customer.code == f"ab{i}")).scalar_one()
            result = rate_scope(conn, period_scope("2026-11", cid), catalog)
        record = parse_json_line(lines[i][1], 1)
        if tier is None:
            with pytest.raises(PricingError) as info:
                price(record, catalog)
            assert info.value.code == "beyond_top_tier"
            assert [(e.reason_code, e.events) for e in result.errors] == [("beyond_top_tier", 1)]
            assert result.lines == [], n
        else:
            charge = price(record, catalog)
            assert (charge.tier, charge.total) == (tier, Decimal(total)), n
            assert result.error_events == 0, n
            assert {line.tier for line in result.lines} == {tier}, n
            assert sum(line.amount for line in result.lines) == Decimal(total), n


def test_an_unknown_tier_count_is_refused(vec_catalog: Catalog) -> None:
    offering = vec_catalog.offerings["vec/upper-in"]
    plan = dataclasses.replace(offering.pricing[0], tier_by="output_tokens")
    changed = dataclasses.replace(offering, pricing=(plan,))
    params = json_params("sqlite", events_t.c.request_params)
    with pytest.raises(NotCompilableError, match=r"^tier count 'output_tokens'$"):
        compile_offering(changed, events_t.c, params)


@pytest.mark.parametrize("inclusive", [True, False])
def test_tiers_a_single_count_apart(
    shared_engine: Engine, vec_catalog: Catalog, inclusive: bool
) -> None:
    """The second tier's lower bound at 1001 leaves one count between the tiers: 1001 under
    upper_inclusive (<=1000, then 1001 < count <= 2000), 1000 under lower_inclusive (<1000,
    then 1001 <= count < 2000). That count is in no tier, in SQL as in Python; the next one
    is in the second tier (input n × 3 / 1e6)."""
    gapped = _gapped(vec_catalog, inclusive, lower=1001)
    between, first = (1001, 1002) if inclusive else (1000, 1001)
    tag = "su" if inclusive else "sl"
    lines = [
        (
            i + 1,
            json.dumps(
                {
                    "id": f"{tag}{i}",
                    "customer": f"{tag}{i}",
                    "model": "gapped",
                    "timestamp": "2026-11-05T00:00:00Z",
                    "usage": {"prompt_tokens": n, "completion_tokens": 0},
                }
            ),
        )
        for i, n in enumerate((between, first))
    ]
    ingest_lines(shared_engine, lines, make_pricer(gapped))
    results = []
    for i in range(2):
        with shared_engine.connect() as conn:
            cid = conn.execute(select(Customer.id).where(Customer.code == f"{tag}{i}")).scalar_one()
            results.append(rate_scope(conn, period_scope("2026-11", cid), gapped))
    with pytest.raises(PricingError, match="is beyond the top price tier"):
        price(parse_json_line(lines[0][1], 1), gapped)
    assert [(e.reason_code, e.events) for e in results[0].errors] == [("beyond_top_tier", 1)]
    assert results[1].error_events == 0
    # 1002 × 3 / 1e6 = 0.003006 (upper_inclusive); 1001 × 3 / 1e6 = 0.003003 (lower_inclusive)
    total = Decimal("0.003006") if inclusive else Decimal("0.003003")
    assert price(parse_json_line(lines[1][1], 1), gapped).total == total
    assert sum(line.amount for line in results[1].lines) == total
    assert {line.tier for line in results[1].lines} == {"1,001-2,000"}


def test_an_offering_with_price_contexts_is_compiled() -> None:
    """Issue 10: price contexts and daily windows are rated in SQL (no more
    not_rated_in_sql); the default context's versions come first, then each context's."""
    peers = load_catalog(HERE.parent / "peers")
    offering = next(o for o in peers.offerings.values() if o.id == "gpt-ctx")
    params = json_params("sqlite", events_t.c.request_params)
    compiled = compile_offering(offering, events_t.c, params)
    assert len(compiled.plans) > len(compiled.table.plans)
    assert compiled.defers  # events with extra kinds go to the pass that reads them


def test_thirty_fees_and_an_error_code_fit_the_group_key(
    engine: Engine, vec_catalog: Catalog
) -> None:
    """With 30 fee bits the group key's error part is err × 2^30, past a 32-bit integer for
    every code above 1 (9 × 2^30 here): the statements must compute in 64 bits (PostgreSQL
    checks; SQLite has one integer type). One event switches on all 30 fees, one is refused
    (a price context the card does not price: no_price_version, as billing.price says)."""
    offering = _with_fees(vec_catalog, 30)
    catalog = Catalog(vec_catalog.models, vec_catalog.providers, {offering.key: offering})
    base = {"customer": "thirty", "model": "fees", "timestamp": "2026-11-05T00:00:00Z"}
    usage = {"prompt_tokens": 1000, "completion_tokens": 0}
    lines = [
        (1, json.dumps({**base, "id": "t30a", "usage": usage, "request": {"flag": True}})),
        (2, json.dumps({**base, "id": "t30b", "usage": usage, "service_tier": "flex"})),
    ]
    ingest_lines(engine, lines, make_pricer(catalog))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), catalog)
    assert [(e.reason_code, e.events) for e in result.errors] == [("no_price_version", 1)]
    got = {line.charge: line.amount for line in result.lines}
    # input 1000 × 1 / 1e6 = 0.001; output 0; each of the 30 fees 1
    assert got == {
        "input": Decimal("0.001"),
        "output": Decimal(0),
        **{f"request:f{k}": Decimal(1) for k in range(30)},
    }
