"""Rate stored usage in the database: run billing.sqlrate.queries, price the integer sums.

The database returns, per (customer, period, offering, plan version, tier, charge), the summed
quantity and the number of events; this module multiplies each sum by its Decimal price in
:data:`billing.money.EXACT` (Σ quantity × price is exactly the sum of the per-event amounts,
because the context never rounds). Events that cannot be priced are counted per reason,
never charged 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    and_,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects import sqlite

from catalog import Catalog
from catalog.kinds import BASE_KINDS, EXTRA_KINDS

from ..charge import Line
from ..errors import NotCompilableError, PricingCode
from ..money import EXACT
from ..rating import bundled_catalog
from .events import MARKS_TOOLS, TOOL_ROWS
from .params import json_params
from .plan import (
    CODES,
    DEFERRED,
    ERRORS,
    FEE_RATE,
    NOTHING,
    ROW,
    UNKNOWN_OFFERING,
    VT,
    CompiledOffering,
    compile_offering,
)
from .queries import Statements, _fixed, events_t, split_key, statements, tools_t

_ZERO = Decimal(0)
_FIELDS = (
    "n",
    "q_input",
    "q_cache_read",
    "q_cache_write",
    "q_output",
    "q_reasoning",
    "n_cache_read",
    "n_cache_write",
    "n_reasoning",
)
#: the extra kinds' sums and event counts (only the statements that read them return them)
_EXTRA_FIELDS = tuple(f"{x}_{kind}" for kind in EXTRA_KINDS for x in ("q", "n"))
_ALL_FIELDS = _FIELDS + _EXTRA_FIELDS


#: a rated line's charge: (offering, price_version, tier, charge, unit, unit_price)
LineKey = tuple[str, str, str | None, str, str, Decimal]


@dataclass(frozen=True, slots=True)
class RatedLine:
    """One charge of one (customer, period, offering, version, tier), summed over events."""

    customer_id: int
    period: str
    offering: str  #: provider/id
    currency: str
    price_version: str
    tier: str | None
    charge: str
    unit: str
    unit_price: Decimal
    list_price: Decimal | None
    quantity: int
    events: int
    amount: Decimal  #: exact: quantity × price (per 10⁶ tokens for token lines)

    @property
    def charge_key(self) -> LineKey:
        """(offering, price_version, tier, charge, unit, unit_price): the line's charge, as
        totals per charge (files) and the stored charges (a customer and period ahead of it)
        are keyed."""
        return (
            self.offering,
            self.price_version,
            self.tier,
            self.charge,
            self.unit,
            self.unit_price,
        )


@dataclass(frozen=True, slots=True)
class RateError:
    customer_id: int
    period: str
    offering: str | None
    code: int
    events: int

    @property
    def reason(self) -> str:
        return ERRORS[self.code]

    @property
    def reason_code(self) -> PricingCode:
        """The same code billing.price gives (``PricingError.code``)."""
        return CODES[self.code]


@dataclass
class RateResult:
    lines: list[RatedLine] = field(default_factory=list)
    errors: list[RateError] = field(default_factory=list)
    priced_events: int = 0
    #: the SQLAlchemy dialect that ran the statements: sqlite, postgresql, duckdb, spark
    engine: str = ""

    @property
    def error_events(self) -> int:
        return sum(err.events for err in self.errors)


def _amount(line: Line, quantity: int, scaled: Decimal | None) -> Decimal:
    """Σ amounts as billing.invoicing.lifecycle adds them (from Decimal 0): same digits too."""
    if not quantity:
        return _ZERO
    if scaled is not None:
        return EXACT.add(_ZERO, EXACT.multiply(scaled, quantity))
    return EXACT.add(_ZERO, EXACT.multiply(line.unit_price, quantity))


class _Groups:
    """Integer sums per (customer, period, vt, err, mask), as the database returned them."""

    def __init__(self) -> None:
        self.sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(_ALL_FIELDS))

    def add(self, key: tuple[Any, ...], row: Any, sign: int = 1) -> None:
        acc = self.sums[key]
        for i, name in enumerate(_FIELDS):
            acc[i] += sign * int(getattr(row, name) or 0)
        if hasattr(row, "q_input_audio"):  # a statement that reads the extra kinds
            for i, name in enumerate(_EXTRA_FIELDS, len(_FIELDS)):
                acc[i] += sign * int(getattr(row, name) or 0)


#: engines that get the statements with their values written in (DuckDB refuses parameters
#: in GROUP BY, and a constant in the text lets it fold the CASE branches)
LITERAL_ENGINES = ("duckdb",)


def execute(conn: Connection, stmt: Any) -> Any:
    """``conn.execute(stmt)``, with the values rendered inline on :data:`LITERAL_ENGINES`."""
    if conn.dialect.name not in LITERAL_ENGINES:
        return conn.execute(stmt)
    text = stmt.compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": True, "render_postcompile": True}
    )
    return conn.exec_driver_sql(str(text))


_GROUPS_TABLE = "ratecard_rate_groups"
_GROUP_KEY = ("o", "k", "customer_id", "period")


_SQLITE_TIME = sqlite.DATETIME().bind_processor(sqlite.dialect())  # type: ignore[no-untyped-call]


def _sqlite_param(value: Any) -> Any:
    """A raw parameter as SQLAlchemy itself binds it on SQLite: a datetime (a version's start
    or end, always aware) becomes the text ``usage_events.event_time`` holds, UTC and without
    zone (``2026-06-01 00:00:00.500000``), because SQLite compares the two as text. sqlite3's
    own adapter wrote ``…00.500000+00:00``, which sorts before ``…00.500000`` and sent an event
    exactly at a sub-second version start to the older version."""
    if isinstance(value, datetime):
        assert _SQLITE_TIME is not None
        return _SQLITE_TIME(value.astimezone(UTC).replace(tzinfo=None))
    return value


def _sqlite_groups(conn: Connection, st: Statements) -> list[Any]:
    """``st.events`` on SQLite, grouped by an upsert into a small temporary table keyed by
    the group instead of GROUP BY: SQLite has no hash aggregate, and sorting every event by
    its key cost more than a seek in a table of a few rows (1M events: ~1.5 s vs ~2.1 s)."""
    assert st.event_rows is not None
    compiled = st.event_rows.compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = tuple(_sqlite_param(compiled.params[name]) for name in compiled.positiontup or ())
    columns = [*_GROUP_KEY, *_FIELDS]
    table = f"temp.{_GROUPS_TABLE}"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    conn.exec_driver_sql(
        f"CREATE TABLE {table} ({', '.join(columns)}, PRIMARY KEY ({', '.join(_GROUP_KEY)}))"
    )
    try:
        updates = ", ".join(f"{f} = {f} + excluded.{f}" for f in _FIELDS)
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM ({compiled}) WHERE true "
            f"ON CONFLICT ({', '.join(_GROUP_KEY)}) DO UPDATE SET {updates}",
            params,
        )
        return list(conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table}"))
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def _assemble(
    st: Statements, conn: Connection, result: RateResult, errors: dict[tuple[Any, ...], int]
) -> None:
    groups = _Groups()  # keys: (offering index, customer, period, vt, err, mask)
    tools: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])  # key + row code
    if conn.dialect.name == "sqlite" and st.event_rows is not None:
        event_groups: Iterable[Any] = _sqlite_groups(conn, st)
    else:
        event_groups = execute(conn, st.events)
    deferred = False
    for row in event_groups:
        vt, err, mask = split_key(st.compiled[row.o], row.k)
        if err == DEFERRED:  # events with extra kinds: rated by kind_events below
            deferred = True
            continue
        groups.add((row.o, row.customer_id, row.period, vt, _lined(err, mask), mask), row)
    if deferred and st.kind_events is not None:
        for row in execute(conn, st.kind_events):
            vt, err, mask = split_key(st.compiled[row.o], row.k)
            groups.add((row.o, row.customer_id, row.period, vt, _lined(err, mask), mask), row)
    drive_from_tools = conn.dialect.name == "postgresql" and not st.scope_has_subquery
    if drive_from_tools:
        # walk usage_tool_calls and look each event up by its primary key, instead of
        # hashing tool calls against a scan of every event in scope (EXPLAIN ANALYZE: the
        # scan cost more than the main statement); undone right after
        conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
        conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
    tool_rows = execute(conn, st.tool_events).all()
    if deferred and st.kind_tool_events is not None:
        # the events with tools and extra kinds (deferred by tool_events as by events)
        tool_rows = [row for row in tool_rows if row.err != DEFERRED]
        tool_rows += execute(conn, st.kind_tool_events).all()
    if drive_from_tools:
        conn.exec_driver_sql("SET LOCAL enable_hashjoin = on")
        conn.exec_driver_sql("SET LOCAL enable_mergejoin = on")
    for row in tool_rows:
        first = _lined(row.err, row.mask)
        base = (row.o, row.customer_id, row.period, row.vt, first, row.mask)
        # as billing.rating: token errors, then unknown tools and unpublished tool fees, then
        # an unpublished request fee (switched on by parameters or by a tool), and last "no
        # line at all" (the differential test compares these reasons with billing.price's)
        err = (first if first not in (NOTHING, FEE_RATE) else 0) or row.terr
        if not err and first == FEE_RATE:
            err = FEE_RATE
        mask = row.mask
        for o, fee, name in st.tool_fees:
            if o == row.o and getattr(row, name) and row.vt // VT == fee.version:
                mask |= 1 << fee.index
                if not err and not fee.published:
                    err = FEE_RATE
        if not err and first == NOTHING and not mask and not row.called:
            err = NOTHING
        full = (row.o, row.customer_id, row.period, row.vt, err, mask if not err else 0)
        if full != base:
            groups.add(base, row, -1)
            groups.add(full, row, 1)
        if err:
            continue
        for o, code, name in st.tool_rows:
            if o == row.o and code // ROW == row.vt // VT:
                acc = tools[(o, row.customer_id, row.period, row.vt, code)]
                acc[0] += int(getattr(row, f"q_{name}") or 0)
                acc[1] += int(getattr(row, f"n_{name}") or 0)
    for (o, customer_id, period, vt, err, mask), sums_list in groups.sums.items():
        compiled = st.compiled[o]
        key_of = compiled.offering.key
        sums = dict(zip(_ALL_FIELDS, sums_list, strict=True))
        n = sums["n"]
        if not n:
            continue
        if err:
            errors[(customer_id, period, key_of, int(err))] += n
            continue
        result.priced_events += n
        plan = compiled.plan(vt)
        tier = plan.tiers[vt % VT]
        # the five count columns, then the extra kinds in catalog.kinds order (each at its
        # own or inherited rate); a count above 0 at no rate was an error, so no line
        rates = [(kind, getattr(tier, kind)) for kind in BASE_KINDS]
        rates += [(kind, tier.extra[kind]) for kind in EXTRA_KINDS]
        for kind, rate in rates:
            # input and output lines count every event of the group; the others only the
            # events with a count above 0 (n_<kind>)
            events = n if kind in ("input", "output") else sums[f"n_{kind}"]
            if rate.template is None or not events:
                continue
            quantity = sums[f"q_{kind}"]
            result.lines.append(
                _line(
                    customer_id,
                    period,
                    key_of,
                    plan.plan.currency,
                    rate.template,
                    quantity,
                    events,
                    _amount(rate.template, quantity, rate.scaled),
                )
            )
        for i, fee_rate in enumerate(plan.fees):
            if mask & (1 << i):
                assert fee_rate.template is not None
                result.lines.append(
                    _line(
                        customer_id,
                        period,
                        key_of,
                        plan.plan.currency,
                        fee_rate.template,
                        n,
                        n,
                        _amount(fee_rate.template, n, None),
                        tier=tier.label,
                    )
                )
    for (o, customer_id, period, vt, code), (calls, n) in sorted(tools.items()):
        if not n:
            continue
        compiled = st.compiled[o]
        plan = compiled.plan(vt)
        tier = plan.tiers[vt % VT]
        rate = next(r for r in plan.tools.values() if r.index == code % ROW)
        assert rate.template is not None
        result.lines.append(
            _line(
                customer_id,
                period,
                compiled.offering.key,
                plan.plan.currency,
                rate.template,
                calls,
                n,
                _amount(rate.template, calls, None),
                tier=tier.label,
            )
        )


def _lined(err: int, mask: int) -> int:
    """An event flagged NOTHING by the statements still gets a line from a request fee its
    parameters switch on (``mask``): then it is priced."""
    return 0 if err == NOTHING and mask else err


def _line(
    customer_id: int,
    period: str,
    offering: str,
    currency: str,
    template: Line,
    quantity: int,
    events: int,
    amount: Decimal,
    tier: Any = ...,
) -> RatedLine:
    return RatedLine(
        customer_id=customer_id,
        period=period,
        offering=offering,
        currency=currency,
        price_version=template.price_version or "",
        tier=template.tier if tier is ... else tier,
        charge=template.charge,
        unit=template.unit,
        unit_price=template.unit_price,
        list_price=template.list_price,
        quantity=quantity,
        events=events,
        amount=amount,
    )


def offerings_in_scope(conn: Connection, scope: Sequence[ColumnElement[bool]]) -> list[str | None]:
    """The distinct offerings of the events in scope (None for events with none).

    A skip scan: the smallest offering, then the smallest one above it, and so on; with the
    (customer_id, period, offering) index each step is one index seek, not a pass over the
    period's events."""
    e = events_t.c
    customer, period = _fixed(list(scope))
    if customer is None or period is None or conn.dialect.name not in ("sqlite", "postgresql"):
        # no index to seek (DuckDB, Spark: a scan of columnar files): one GROUP BY
        stmt = select(e.offering).where(*scope).group_by(e.offering)
        return [row[0] for row in execute(conn, stmt)]
    # only the indexed columns: an offering with no event in the full scope rates nothing
    where = [e.customer_id == customer, e.period == period]
    found: list[str | None] = []
    last: str | None = None
    while True:
        stmt = select(func.min(e.offering)).where(*where)
        if last is not None:
            stmt = stmt.where(e.offering > last)
        last = conn.execute(stmt).scalar()
        if last is None:
            break
        found.append(last)
    if conn.execute(select(e.id).where(*where, e.offering.is_(None)).limit(1)).first():
        found.append(None)
    return found


def _tool_scope(conn: Any) -> list[ColumnElement[bool]]:
    """``[tool_rows > 0]`` when the connection's events have the export's ``tool_rows``
    (billing.sqlrate.events) and the column adds up to the rows of ``usage_tool_calls``: the
    tool statement then reads only the row groups of events with tool calls. Otherwise
    ``[]``: every event in scope is joined to the tool calls, as on the ledger."""
    if not conn.info.get(MARKS_TOOLS):
        return []
    marks = literal_column(f"{events_t.name}.{TOOL_ROWS}", BigInteger)
    # each result read before the next statement (DuckDB's cursor holds one at a time)
    marked = execute(conn, select(func.coalesce(func.sum(marks), 0)).select_from(events_t))
    marked_rows = int(marked.scalar() or 0)
    rows = int(execute(conn, select(func.count()).select_from(tools_t)).scalar() or 0)
    if marked_rows != rows:
        return []  # not the export's own column, or one written apart from the tool calls
    return [marks > 0]


def rate_scope(
    conn: Connection,
    scope: Sequence[ColumnElement[bool]],
    catalog: Catalog | None = None,
    *,
    offerings: Iterable[str | None] | None = None,
    compiled: dict[str, CompiledOffering] | None = None,
) -> RateResult:
    """Rate every event matching ``scope`` (conditions on usage_events) in the database."""
    catalog = catalog if catalog is not None else bundled_catalog()
    dialect = conn.dialect.name
    result = RateResult(engine=dialect)
    errors: dict[tuple[Any, ...], int] = defaultdict(int)
    e = events_t.c
    if dialect == "postgresql":
        # a few groups from millions of rows: let the planner hash them in memory rather
        # than sort them on disk (the default 4MB work_mem makes it sort)
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        # the statements are wide CASE expressions: JIT compiles them in every parallel worker
        # (EXPLAIN ANALYZE at 1M events: ~300 ms of "Emission" per statement), more than it
        # saves on a scan of integer columns
        conn.exec_driver_sql("SET LOCAL jit = off")
    if offerings is None:
        offerings = offerings_in_scope(conn, scope)
    known = []
    for key in offerings:
        offering = catalog.offerings.get(key) if key is not None else None
        if offering is None:
            stmt = (
                select(e.customer_id, e.period, func.count().label("n"))
                .where(*scope, e.offering.is_(None) if key is None else e.offering == key)
                .group_by(e.customer_id, e.period)
            )
            for row in execute(conn, stmt):
                errors[(row.customer_id, row.period, key, UNKNOWN_OFFERING)] += row.n
            continue
        assert key is not None
        cache = compiled if compiled is not None else {}
        co = cache.get(key)
        if co is None:
            co = cache[key] = compile_offering(offering, e, json_params(dialect, e.request_params))
        known.append(co)
    if known:
        # one pass over the events for every offering in scope
        st = statements(known, list(scope), dialect, _tool_scope(conn))
        _assemble(st, conn, result, errors)
    result.errors = [
        RateError(customer_id, period, key, code, n)
        for (customer_id, period, key, code), n in sorted(
            errors.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "", kv[0][3])
        )
    ]
    result.lines.sort(
        key=lambda ln: (
            ln.customer_id,
            ln.period,
            ln.offering,
            ln.price_version,
            ln.tier or "",
            ln.charge,
            # a charge can have several lines (events in different fee-mask groups): a total
            # order, so that every engine lists the same lines in the same order
            ln.unit_price,
            ln.quantity,
            ln.events,
        )
    )
    return result


def period_scope(
    period: str, customer_id: int | None = None, *, priced_only: bool = False
) -> list[ColumnElement[bool]]:
    """Events of a period (and customer) that carry usage."""
    e = events_t.c
    scope: list[ColumnElement[bool]] = [e.period == period, e.input_tokens.is_not(None)]
    if customer_id is not None:
        scope.insert(0, e.customer_id == customer_id)
    if priced_only:
        scope.append(e.status == "priced")
    return scope


def show_sql(conn_or_dialect: Any, scope: Sequence[ColumnElement[bool]], offering: Any) -> str:
    """The compiled statements for one offering, as the database receives them: given a
    connection, the tool statement with the ``tool_rows > 0`` the rating adds over an
    export that has the column (:func:`_tool_scope`)."""
    dialect = getattr(conn_or_dialect, "dialect", conn_or_dialect)
    tool_scope = _tool_scope(conn_or_dialect) if hasattr(conn_or_dialect, "info") else []
    st = statements(offering, list(scope), dialect.name, tool_scope)
    parts = []
    for name in ("events", "kind_events", "tool_events", "kind_tool_events"):
        stmt = getattr(st, name)
        text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        parts.append(f"-- {offering.key}: {name}\n{text};")
    return "\n\n".join(parts)


__all__ = [
    "NotCompilableError",
    "RateError",
    "RateResult",
    "RatedLine",
    "and_",
    "literal",
    "period_scope",
    "rate_scope",
    "show_sql",
]
