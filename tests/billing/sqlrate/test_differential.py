"""The SQL path equals the Python calculator exactly: arbitrary price plans (versions, tiers
with both boundary rules, cache and reasoning rates with fallbacks, tools with aliases, free
and unpublished rows, conditional request fees, price contexts with their own versions, daily
UTC windows) and arbitrary records (extra token kinds along their fallback chains, contexts
priced or not, times on and beside window bounds), on SQLite and PostgreSQL. Python prices
each record (billing.rating); the records are stored; SQL rates the period; both are summed
per (customer, period, offering, version, tier, charge, price)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import os
from collections import Counter, defaultdict
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from billing.ledger.batch import PreparedEvent
from billing.ledger.ingest import store_batch
from billing.ledger.tables import Customer
from billing.rating import PricingError, price
from billing.records import UsageRecord
from billing.sqlrate import period_scope, rate_scope
from billing.usage import Usage
from catalog import Catalog, PriceState, Rate, load_catalog
from catalog.kinds import EXTRA_KINDS
from catalog.model import Parameter, PricePlan, RequestCharge, Tier, TokenPrice, ToolCharge

_customers = itertools.count()
SETTINGS = settings(
    # a small budget under `make mutation` (the SQL plan target runs this test per mutant;
    # the hand-computed plan vectors are what must kill a mutant there)
    max_examples=10 if os.environ.get("RATECARD_MUTATION") else 25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UTC = dt.UTC
PERIOD_START = dt.datetime(2026, 11, 1, tzinfo=UTC)
TOOL_NAMES = ["web_search", "code", "image"]
ALIASES = ["websearch", "search", "py", "img"]
PARAMS = ["p1", "p2", "p3"]
VALUES = [True, False, None, "a", "b"]

prices = st.builds(lambda n, e: Decimal(n).scaleb(-e), st.integers(0, 5000), st.integers(0, 4))
rates = st.one_of(
    st.builds(lambda p: Rate(PriceState.PUBLISHED, p), prices),
    st.builds(lambda p, lp: Rate(PriceState.PUBLISHED, p, lp), prices, prices),
    st.just(Rate(PriceState.UNPUBLISHED)),
    st.just(Rate(PriceState.NOT_APPLICABLE)),
).filter(lambda r: True)
published = st.builds(lambda p: Rate(PriceState.PUBLISHED, p), prices)


@st.composite
def token_prices(draw: st.DrawFn) -> MappingProxyType[str, TokenPrice]:
    weights = st.one_of(published, published, rates)
    out = {"input": TokenPrice(draw(weights)), "output": TokenPrice(draw(weights))}
    for kind, base in (("cache_read", "input"), ("cache_write", "input"), ("reasoning", "output")):
        if draw(st.booleans()):
            out[kind] = TokenPrice(out[base].rate, base)
        else:
            out[kind] = TokenPrice(draw(weights))
    return MappingProxyType(out)


@st.composite
def plans(
    draw: st.DrawFn, start: dt.datetime | None, until: dt.datetime | None, i: int
) -> PricePlan:
    inclusive = draw(st.booleans())
    n_tiers = draw(st.integers(1, 3))
    tiered = n_tiers > 1 or draw(st.booleans())
    bounds = sorted(draw(st.sets(st.integers(1, 4000), min_size=n_tiers, max_size=n_tiers)))
    open_top = draw(st.booleans())
    tiers = []
    lower = None
    for t in range(n_tiers):
        upper: int | None = bounds[t]
        if t == n_tiers - 1 and (open_top or not tiered):
            upper = None
        tiers.append(Tier(t, lower, upper, inclusive, draw(token_prices())))
        lower = upper
    fee_names = draw(st.lists(st.sampled_from(["search", "think"]), unique=True, max_size=2))
    aliases = list(ALIASES)
    tools = []
    lookup = {}
    for name in draw(st.lists(st.sampled_from(TOOL_NAMES), unique=True, max_size=3)):
        own = draw(st.lists(st.sampled_from(aliases), unique=True, max_size=2)) if aliases else []
        aliases = [a for a in aliases if a not in own]
        included = draw(st.sampled_from([None, *fee_names]))
        row = ToolCharge(name, name, draw(rates), tuple(own), included)
        tools.append(row)
        for alias in (name, *own):
            lookup[alias] = row
    names = sorted(lookup)
    fees = []
    for fee in fee_names:
        when = draw(st.dictionaries(st.sampled_from(PARAMS), st.sampled_from(VALUES), max_size=2))
        used = draw(st.lists(st.sampled_from(names), unique=True, max_size=2)) if names else []
        fees.append(RequestCharge(fee, fee, draw(rates), MappingProxyType(when), tuple(used)))
    return PricePlan(
        effective_from=start,
        effective_until=until,
        version=f"v{i + 1}",
        currency="USD",
        tier_by=draw(st.sampled_from(["input_tokens", "uncached_input_tokens", "total_tokens"])),
        tier_boundary="upper_inclusive" if inclusive else "lower_inclusive",
        tiered=tiered,
        tiers=tuple(tiers),
        tools=tuple(tools),
        request_fees=tuple(fees),
        tool_lookup=MappingProxyType(lookup),
    )


_BASE: list[Catalog] = []


def _base() -> Catalog:
    if not _BASE:
        from tests.conftest import DATA

        _BASE.append(load_catalog(DATA))
    return _BASE[0]


#: window bounds, minutes after midnight UTC (00:00, 01:30, 10:00, 16:30, 23:30)
WINDOW_BOUNDS = [0, 90, 600, 990, 1410]


def _distinct(pair: tuple[int, int]) -> bool:
    return pair[0] != pair[1]


def _group(draw: st.DrawFn, context: str, window: tuple[int, int] | None) -> tuple[PricePlan, ...]:
    """One or two versions of a context (or window), with their own effective dates."""
    days = sorted(draw(st.sets(st.integers(2, 27), max_size=1)))
    starts: list[dt.datetime | None] = [PERIOD_START + dt.timedelta(days=d) for d in days]
    if not starts or draw(st.booleans()):
        starts.insert(0, None)
    tag = context if window is None else f"{context}-w{window[0]}"
    out = []
    for i, start in enumerate(starts):
        until = starts[i + 1] if i + 1 < len(starts) else None
        plan = draw(plans(start, until, i))
        out.append(
            dataclasses.replace(plan, version=f"{tag}-v{i + 1}", context=context, daily_utc=window)
        )
    return tuple(out)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    base = _base()
    days = sorted(draw(st.sets(st.integers(2, 27), max_size=2)))
    starts: list[dt.datetime | None] = [PERIOD_START + dt.timedelta(days=d) for d in days]
    if draw(st.booleans()) or not starts:
        starts.insert(0, None)
    else:
        starts[0] = PERIOD_START + dt.timedelta(days=1)  # events before it: no version
    pricing = []
    for i, start in enumerate(starts):
        until = starts[i + 1] if i + 1 < len(starts) else None
        pricing.append(draw(plans(start, until, i)))
    params = {}
    for name in PARAMS:
        if draw(st.booleans()):
            params[name] = Parameter(
                name,
                (name,),
                ("boolean",),
                default=draw(st.sampled_from(VALUES)),
                has_default=True,
            )
    # issue 10: price contexts, each with its own effective dates, and daily UTC windows
    # (of the default context or of a priced one); "flex" is never priced (see records)
    contexts: dict[str, tuple[PricePlan, ...]] = {}
    for name in draw(st.lists(st.sampled_from(["batch", "priority"]), unique=True, max_size=2)):
        contexts[name] = _group(draw, name, None)
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(["default", "default", *contexts]))
        start, end = draw(st.tuples(*[st.sampled_from(WINDOW_BOUNDS)] * 2).filter(_distinct))
        key = f"{name}@{start // 60:02}:{start % 60:02}-{end // 60:02}:{end % 60:02}"
        if key not in contexts:
            contexts[key] = _group(draw, name, (start, end))
    template = base.offerings["empiriolabs/qwen3-5-flash"]
    offering = dataclasses.replace(
        template,
        id="diff-model",
        parameters=MappingProxyType(params),
        pricing=tuple(pricing),
        variants=(),
        rules=(),
        contexts=MappingProxyType(contexts),
    )
    return Catalog(base.models, base.providers, {offering.key: offering})


@st.composite
def records(draw: st.DrawFn) -> list[Usage | Any]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        n = st.one_of(st.just(0), st.integers(0, 3000))
        tools = draw(
            st.dictionaries(
                st.sampled_from([*TOOL_NAMES, *ALIASES, "unknown"]), st.integers(0, 5), max_size=3
            )
        )
        request = draw(
            st.dictionaries(st.sampled_from(PARAMS), st.sampled_from([*VALUES, 1, 0]), max_size=3)
        )
        # issue 10: kinds beyond the five columns (audio, image, video, cache writes by
        # duration, tool-use prompt...), which fall back along their chains
        extra = draw(
            st.one_of(
                st.just({}),
                st.dictionaries(st.sampled_from(EXTRA_KINDS), st.integers(1, 3000), max_size=2),
            )
        )
        usage = Usage(
            draw(n),
            draw(n),
            draw(n),
            draw(n),
            draw(n),
            MappingProxyType(tools),
            MappingProxyType(request),
            MappingProxyType(extra),
        )
        if draw(st.booleans()):
            second = draw(st.integers(0, 29 * 86400))
        else:  # exactly at a window bound, or the second before it
            day = draw(st.integers(0, 28))
            bound = draw(st.sampled_from(WINDOW_BOUNDS))
            second = max(0, day * 86400 + bound * 60 - draw(st.sampled_from([0, 1, 60])))
        # price contexts; flex is never priced by the drawn cards: it must fail the same way
        context = draw(st.sampled_from(["default", "default", "batch", "priority", "flex"]))
        out.append((usage, PERIOD_START + dt.timedelta(seconds=second), context))
    return out


def _expected(
    catalog: Catalog, events: list[Any], customer: str
) -> tuple[dict[Any, Any], Counter[str], list[PreparedEvent]]:
    lines: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0), 0])
    failed: Counter[str] = Counter()
    prepared = []
    for i, (usage, when, context) in enumerate(events):
        record = UsageRecord(
            i + 1,
            f"e{i}",
            customer,
            "diff-model",
            when,
            "chat.completions",
            usage,
            None,
            {},
            None,
            context,
        )
        try:
            charge = price(record, catalog)
        except PricingError as exc:
            failed[exc.code] += 1
            charge, error = None, str(exc)
        else:
            error = None
            for line in charge.lines:
                key = (
                    "empiriolabs/diff-model",
                    line.price_version,
                    line.tier,
                    line.charge,
                    line.unit,
                    line.unit_price,
                    line.list_price,
                )
                acc = lines[key]
                acc[0] += line.quantity
                acc[1] += line.amount
                acc[2] += 1
        raw = f"{customer}-{i}"
        prepared.append(
            PreparedEvent(
                i + 1,
                customer,
                f"e{i}",
                hashlib.sha256(raw.encode()).hexdigest(),
                raw,
                model="diff-model",
                offering="empiriolabs/diff-model",
                endpoint="chat.completions",
                timestamp=when,
                usage=usage,
                charge=charge,
                error=error,
                context=None if context == "default" else context,
            )
        )
    return dict(lines), failed, prepared


def _sql(engine: Engine, catalog: Catalog, customer: str) -> tuple[dict[Any, Any], Counter[str]]:
    with engine.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
        result = rate_scope(conn, period_scope("2026-11", cid), catalog)
    got: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0), 0])
    for line in result.lines:
        key = (
            line.offering,
            line.price_version,
            line.tier,
            line.charge,
            line.unit,
            line.unit_price,
            line.list_price,
        )
        acc = got[key]
        acc[0] += line.quantity
        acc[1] += line.amount
        acc[2] += line.events
    reasons: Counter[str] = Counter()
    for err in result.errors:
        reasons[err.reason_code] += err.events
    assert sum(reasons.values()) == result.error_events
    return dict(got), reasons


@SETTINGS
@given(data=st.data())
def test_sql_equals_python(shared_engine: Engine, data: st.DataObject) -> None:
    test_catalog = data.draw(catalogs())
    events = data.draw(records())
    customer = f"diff{next(_customers)}"
    want, failed, prepared = _expected(test_catalog, events, customer)
    with shared_engine.begin() as conn:
        store_batch(conn, prepared, {})
    got, errors = _sql(shared_engine, test_catalog, customer)
    assert sum(errors.values()) == sum(failed.values())
    assert errors == failed  # the same reason (stable code) for each unpriceable event
    assert got == want
    for key, (_q, amount, _n) in got.items():  # the very digits, not only the value
        assert str(amount) == str(want[key][1]), key


def _summed(result: Any) -> dict[Any, Any]:
    got: dict[Any, list[Any]] = defaultdict(lambda: [0, Decimal(0), 0])
    for line in result.lines:
        key = (
            line.offering,
            line.price_version,
            line.tier,
            line.charge,
            line.unit,
            line.unit_price,
            line.list_price,
        )
        acc = got[key]
        acc[0] += line.quantity
        acc[1] += line.amount
        acc[2] += line.events
    return dict(got)


def _lines_of(result: Any) -> list[tuple[Any, ...]]:
    """Every rated line with its amount's very digits (str keeps the exponent)."""
    return [(*dataclasses.astuple(ln)[:-1], str(ln.amount)) for ln in result.lines]


@SETTINGS
@given(data=st.data())
def test_duckdb_equals_python_and_sqlite(
    sqlite_ledger: Engine, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """DuckDB, reading the events out of the SQLite ledger, and again over their Parquet
    export (whose ``tool_rows`` the tool statement reads), rates them as Python prices them,
    and returns the very lines SQLite's run of the same statements returns, line for line."""
    from billing.sqlrate.duck import duckdb_connection
    from billing.sqlrate.events import export_events
    from billing.sqlrate.rate import _tool_scope

    test_catalog = data.draw(catalogs())
    events = data.draw(records())
    customer = f"duck{next(_customers)}"
    want, failed, prepared = _expected(test_catalog, events, customer)
    with sqlite_ledger.begin() as conn:
        store_batch(conn, prepared, {})
    with sqlite_ledger.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
        scope = period_scope("2026-11", cid)
        on_sqlite = rate_scope(conn, scope, test_catalog)
        with duckdb_connection(ledger=conn, scope=scope) as duck:
            on_duck = rate_scope(duck, scope, test_catalog)
        out = tmp_path_factory.mktemp("export")
        export_events(conn, scope, out)
    with duckdb_connection(parquet=out) as duck:
        assert _tool_scope(duck) != []  # the export's tool_rows are read
        on_export = rate_scope(duck, scope, test_catalog)
    assert (on_sqlite.engine, on_duck.engine) == ("sqlite", "duckdb")  # which engine ran
    for result in (on_duck, on_export):
        assert _lines_of(result) == _lines_of(on_sqlite)
        assert result.errors == on_sqlite.errors
        assert result.error_events == sum(failed.values())
        assert _summed(result) == want


@settings(SETTINGS, max_examples=4)
@given(data=st.data())
def test_spark_equals_python_and_sqlite(
    sqlite_ledger: Engine, spark: Any, tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    """Spark SQL over the Parquet export of the events (ratecard export-events) rates them as
    Python prices them, line for line as SQLite does (a small budget: each example runs a few
    Spark jobs)."""
    from billing.sqlrate.events import export_events
    from billing.sqlrate.spark import SparkConnection, register_events

    test_catalog = data.draw(catalogs())
    events = data.draw(records())
    customer = f"spark{next(_customers)}"
    want, failed, prepared = _expected(test_catalog, events, customer)
    with sqlite_ledger.begin() as conn:
        store_batch(conn, prepared, {})
    out = tmp_path_factory.mktemp("export")
    with sqlite_ledger.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == customer)).scalar_one()
        scope = period_scope("2026-11", cid)
        on_sqlite = rate_scope(conn, scope, test_catalog)
        export_events(conn, scope, out)
    register_events(spark, str(out))
    # the offering is known: no extra Spark job to find it
    on_spark = rate_scope(
        SparkConnection(spark), scope, test_catalog, offerings=["empiriolabs/diff-model"]
    )
    assert (on_sqlite.engine, on_spark.engine) == ("sqlite", "spark")  # which engine ran
    assert _lines_of(on_spark) == _lines_of(on_sqlite)
    assert on_spark.errors == on_sqlite.errors
    assert on_spark.error_events == sum(failed.values())
    assert _summed(on_spark) == want
