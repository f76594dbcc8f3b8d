"""The statements: for one offering and a scope of events, integers grouped in the database.

Two statements for all the offerings in scope (billing.sqlrate.rate runs them and adds the
results; every row carries ``o``, the offering's index):

- ``events``: every event in scope, tools aside: ``GROUP BY customer, period, vt, err,
  mask`` → ``COUNT(*)`` and ``SUM`` of each token column (and how many events have each
  optional kind above 0). A plain scan: no join, no per-event lookup, no JSON read. An event
  with extra token kinds gets err :data:`~billing.sqlrate.plan.DEFERRED` here.
- ``kind_events``: run only when ``events`` deferred some: the events with extra kinds,
  grouped the same way, with each extra kind's count (its SUM and how many events have it
  above 0; the tier count includes the kinds it counts). The counts are read out of
  ``token_kinds`` once per event, as BIGINT columns of a subquery over the events with
  kinds (:func:`kind_source`); every CASE above it compares those columns.
- ``tool_events``: only the events that reported tools (``kind_tool_events``: those with
  extra kinds, run when ``events`` deferred some) (driven by ``usage_tool_calls``),
  grouped the same way plus what their tools change (an unknown or unpublished tool makes
  the event unpriceable, a used tool can switch a fee on). Python moves these events from
  the group ``events`` put them in to the group they belong to: integer subtraction.
  Its groups also carry the calls per tool row (aliases summed per event, as
  billing.rating does) and how many events called each row. On DuckDB each event's tool
  rows are first folded into bit masks (:func:`_tool_statement_by_bits`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import BindParameter

from ..ledger.tables import UsageEvent, UsageToolCall
from .params import json_params
from .plan import (
    EXTRA_COLUMNS,
    ROW,
    TOKEN_COLUMNS,
    TOOL_RATE,
    UNKNOWN_TOOL,
    CompiledOffering,
    Fee,
    _int,
    compile_offering,
    kind_counts,
)

events_t: Table = UsageEvent.__table__  # type: ignore[assignment]
tools_t: Table = UsageToolCall.__table__  # type: ignore[assignment]

#: The three forms of the tool statement (the same rows): DuckDB folds each event's tool
#: rows into bit masks first and then rates the event once (:func:`_tool_statement_by_bits`:
#: hash aggregates and hash joins); Spark rates each event with tools once (a semi-join) and
#: joins its tool rows (:func:`_per_event`; the bit-mask form reads its CTE twice, which
#: Spark computes twice: 42 s against 19 s on the 10M bench); SQLite and PostgreSQL walk
#: usage_tool_calls and look each event up by its primary key.
MASKS_FIRST = ("duckdb",)
EVENTS_FIRST = ("spark",)

#: Optional kinds: a line only for events whose count is above 0 (billing.rating).
OPTIONAL = ("cache_read", "cache_write", "reasoning")


def _count_positive(column: ColumnElement[int]) -> ColumnElement[int]:
    return func.sum(case((column > _int(0), _int(1)), else_=_int(0)))


def _token_aggregates(
    cols: Any, extras: dict[str, ColumnElement[int]] | None = None
) -> list[ColumnElement[Any]]:
    """COUNT(*), each count column's SUM, how many events have each optional kind above 0,
    and the same two for each extra kind of ``extras`` (kind → count expression)."""
    out: list[ColumnElement[Any]] = [func.count().label("n")]
    for kind, column in TOKEN_COLUMNS.items():
        out.append(func.sum(cols[column]).label(f"q_{kind}"))
    for kind in OPTIONAL:
        out.append(_count_positive(cols[TOKEN_COLUMNS[kind]]).label(f"n_{kind}"))
    for kind, count in (extras or {}).items():
        out.append(func.sum(count).label(f"q_{kind}"))
        out.append(_count_positive(count).label(f"n_{kind}"))
    return out


def group_key(
    compiled: CompiledOffering,
    vt: ColumnElement[int],
    err: ColumnElement[int],
    mask: ColumnElement[int],
) -> ColumnElement[int]:
    """``((vt + 2) × 16 + err) × 2^fees + mask``: one small integer to group by (sorting
    one integer is what makes SQLite's GROUP BY cheap); :func:`split_key` undoes it."""
    return ((vt + 2) * 16 + err) * (1 << compiled.fee_bits) + mask


def key_at(compiled: CompiledOffering, vt: int, cols: Any, params: Any) -> ColumnElement[int]:
    """:func:`group_key` of an event whose vt is known to be ``vt`` (the constant folded)."""
    bits = 1 << compiled.fee_bits
    err = compiled.err_at(vt, cols, params)
    mask = compiled.mask_at(vt, params)
    return _int((vt + 2) * 16 * bits) + err * bits + mask


def split_key(compiled: CompiledOffering, key: int) -> tuple[int, int, int]:
    """(vt, err, mask) of a group key."""
    key = int(key)
    mask = key & ((1 << compiled.fee_bits) - 1)
    rest = key >> compiled.fee_bits
    return rest // 16 - 2, rest % 16, mask


def _fixed(scope: list[ColumnElement[bool]]) -> tuple[int | None, str | None]:
    """The customer and period the scope pins with ``column = value``, if any."""
    customer = period = None
    for cond in scope:
        left = getattr(cond, "left", None)
        right = getattr(cond, "right", None)
        op = getattr(getattr(cond, "operator", None), "__name__", "")
        if left is None or right is None or op != "eq" or not hasattr(right, "value"):
            continue
        if left is events_t.c.customer_id:
            customer = right.value
        elif left is events_t.c.period:
            period = right.value
    return customer, period


@dataclass
class Statements:
    compiled: list[CompiledOffering]  #: by the ``o`` column every statement returns
    events: Select[Any]
    tool_events: Select[Any]
    #: (offering index, Fee, column name) of the tool-switched fee columns of tool_events
    tool_fees: list[tuple[int, Fee, str]]
    #: (offering index, row code, column name): calls per tool row, summed in tool_events
    tool_rows: list[tuple[int, int, str]]
    #: the scope holds a subquery (``id IN (SELECT ...)``): leave the join strategy alone
    scope_has_subquery: bool = False
    #: ``events`` before its GROUP BY: one row per event (o, k, customer_id, period and
    #: the fields it sums), for SQLite's upsert grouping (billing.sqlrate.rate)
    event_rows: Select[Any] | None = None
    #: builds :attr:`kind_events` and :attr:`kind_tool_events` (each offering compiled again
    #: over the kinds subquery: only when ``events`` deferred some, or they are shown)
    _kinds: Callable[[], tuple[Select[Any], Select[Any]]] | None = None
    _built: tuple[Select[Any], Select[Any]] | None = None

    def _kind_statements(self) -> tuple[Select[Any], Select[Any]] | None:
        if self._built is None and self._kinds is not None:
            self._built = self._kinds()
        return self._built

    @property
    def kind_events(self) -> Select[Any] | None:
        """The events with extra token kinds, grouped as ``events`` (run when it deferred
        some), their counts read once per event (:func:`kind_source`)."""
        built = self._kind_statements()
        return built[0] if built else None

    @property
    def kind_tool_events(self) -> Select[Any] | None:
        """``tool_events`` of the events with extra kinds (``tool_events`` defers them too)."""
        built = self._kind_statements()
        return built[1] if built else None


#: The columns of usage_events the statements read (the kinds subquery passes them on).
_EVENT_COLUMNS = (
    "id",
    "customer_id",
    "period",
    "offering",
    "event_time",
    "price_context",
    "request_params",
    *TOKEN_COLUMNS.values(),
)


def kind_source(where: ColumnElement[bool], dialect: str) -> Any:
    """The events matching ``where`` that carry extra token kinds, with each kind's count as
    a BIGINT column (``k_<kind>``, :data:`~billing.sqlrate.plan.EXTRA_COLUMNS`), read out of
    ``token_kinds`` once per event (billing.sqlrate.plan.kind_counts), beside the columns
    the statements read: a subquery, named ``kev``."""
    e = events_t.c
    counts = kind_counts(e, json_params(dialect, e.token_kinds))
    return (
        select(
            *(e[name] for name in _EVENT_COLUMNS),
            *(count.label(EXTRA_COLUMNS[kind]) for kind, count in counts.items()),
        )
        .where(where, e.token_kinds.is_not(None))
        .subquery("kev")
    )


def _by_offering(
    column: ColumnElement[Any], parts: list[tuple[Any, ColumnElement[Any]]], default: Any = None
) -> ColumnElement[Any]:
    """``CASE column WHEN key THEN expr ... END`` (the expression itself for one offering)."""
    if len(parts) == 1 and default is None:
        return parts[0][1]
    whens = [(column == key, expr) for key, expr in parts]
    return case(*whens, else_=default)


def statements(
    offerings: Any,
    scope: list[ColumnElement[bool]],
    dialect: str,
    tool_scope: Iterable[ColumnElement[bool]] = (),
) -> Statements:
    """The statements for the offerings (Offering or CompiledOffering, one or a list)
    over events matching ``scope`` (conditions on usage_events): one pass over the events
    for all of them, each event rated by its own offering's expressions. ``tool_scope``:
    more conditions for the tool statement alone, true of every event with tool calls
    (``tool_rows > 0`` over an export that has the column: billing.sqlrate.rate)."""
    e = events_t.c
    params = json_params(dialect, e.request_params)
    if not isinstance(offerings, list | tuple):
        offerings = [offerings]
    compiled = [
        o if isinstance(o, CompiledOffering) else compile_offering(o, e, params) for o in offerings
    ]
    keys = [c.offering.key for c in compiled]
    if len(keys) == 1:
        where = and_(e.offering == keys[0], *scope)  # an equality the index can use
    else:
        where = and_(e.offering.in_(keys), *scope)
    o_expr = _by_offering(e.offering, [(k, literal(i, BigInteger)) for i, k in enumerate(keys)])

    # one integer group key per event (see :func:`group_key`), in one flat statement: each
    # offering's branch uses its own vt expression (a few integer comparisons), never the
    # CASE over every offering's, so no subquery is needed to compute vt once (a subquery
    # that PostgreSQL may not flatten keeps it from scanning with parallel workers, and
    # SQLite's co-routines copy every row twice)
    fixed_customer, fixed_period = _fixed(scope)
    # vt decided once per event: the key of each (constant) vt in the branches of its CASE
    key_parts = [
        (k_, c.by_vt(partial(key_at, c, cols=e, params=params)))
        for k_, c in zip(keys, compiled, strict=True)
    ]
    key = _by_offering(e.offering, key_parts)
    o_col = o_expr.label("o")
    k_col = key.label("k")
    # a constant (one offering) is left out of GROUP BY: DuckDB and Spark read an integer
    # literal there as a column position
    group: list[Any] = [col for col in (o_col, k_col) if not isinstance(col.element, BindParameter)]
    outputs: list[Any] = [o_col, k_col]
    outputs.append(
        e.customer_id if fixed_customer is None else literal(fixed_customer).label("customer_id")
    )
    outputs.append(e.period if fixed_period is None else literal(fixed_period).label("period"))
    if fixed_customer is None:
        group.insert(0, e.customer_id)
    if fixed_period is None:
        group.insert(0, e.period)
    events = select(*outputs, *_token_aggregates(e)).where(where).group_by(*group)
    one = literal(1, BigInteger)
    event_rows = select(
        o_col,
        k_col,
        e.customer_id,
        e.period,
        one.label("n"),
        *(e[column].label(f"q_{kind}") for kind, column in TOKEN_COLUMNS.items()),
        *(
            case((e[TOKEN_COLUMNS[kind]] > 0, one), else_=literal(0, BigInteger)).label(f"n_{kind}")
            for kind in OPTIONAL
        ),
    ).where(where)

    # events with tools: one row per event, what its tools change
    tool_where = and_(where, *tool_scope)
    tool_events, tool_fees, tool_rows = _tool_statement(
        compiled, {}, keys, tool_where, e, params, dialect, events_t, (fixed_customer, fixed_period)
    )
    has_subquery = any("SELECT" in str(cond) for cond in scope)
    return Statements(
        compiled,
        events,
        tool_events,
        tool_fees,
        tool_rows,
        has_subquery,
        event_rows,
        _kinds=partial(
            _kind_statements, compiled, keys, where, dialect, (fixed_customer, fixed_period)
        ),
    )


def _kind_statements(
    compiled: list[CompiledOffering],
    keys: list[str],
    where: ColumnElement[bool],
    dialect: str,
    fixed: tuple[int | None, str | None],
) -> tuple[Select[Any], Select[Any]]:
    """``kind_events`` and ``kind_tool_events`` (see :class:`Statements`)."""
    fixed_customer, fixed_period = fixed
    # the events with extra kinds, each rated with them (the statement above deferred them):
    # every offering compiled again over the kinds subquery, whose count columns its CASE
    # expressions compare
    kev = kind_source(where, dialect)
    kc = kev.c
    kparams = json_params(dialect, kc.request_params)
    extras = {kind: kc[column] for kind, column in EXTRA_COLUMNS.items()}
    with_kinds = [compile_offering(c.offering, kc, kparams, extras) for c in compiled]
    ko_col = _by_offering(
        kc.offering, [(k, literal(i, BigInteger)) for i, k in enumerate(keys)]
    ).label("o")
    kind_key = _by_offering(
        kc.offering,
        [
            (k_, c.by_vt(partial(key_at, c, cols=kc, params=kparams)))
            for k_, c in zip(keys, with_kinds, strict=True)
        ],
    ).label("k")
    kind_outputs: list[Any] = [ko_col, kind_key]
    kind_outputs.append(
        kc.customer_id if fixed_customer is None else literal(fixed_customer).label("customer_id")
    )
    kind_outputs.append(
        kc.period if fixed_period is None else literal(fixed_period).label("period")
    )
    kind_group: list[Any] = [
        col for col in (ko_col, kind_key) if not isinstance(col.element, BindParameter)
    ]
    if fixed_customer is None:
        kind_group.insert(0, kc.customer_id)
    if fixed_period is None:
        kind_group.insert(0, kc.period)
    kind_events = select(*kind_outputs, *_token_aggregates(kc, extras)).group_by(*kind_group)

    kind_tool_events, _, _ = _tool_statement(
        with_kinds, extras, keys, None, kc, kparams, dialect, kev, fixed
    )
    return kind_events, kind_tool_events


def _tool_statement(
    compiled: list[CompiledOffering],
    extras: dict[str, ColumnElement[int]],
    keys: list[str],
    where: ColumnElement[bool] | None,
    e: Any,
    params: Any,
    dialect: str,
    source: Any,
    fixed: tuple[int | None, str | None] = (None, None),
) -> tuple[Select[Any], list[tuple[int, Fee, str]], list[tuple[int, int, str]]]:
    """The tool statement over the events of ``source`` (usage_events, or the kinds
    subquery; ``e`` its columns) matching ``where`` (None: all of them), with
    ``compiled``'s expressions (and the extra kinds' count columns of ``extras``, when they
    read them). ``fixed``: the customer and period the scope pins, if any (DuckDB's form
    then neither reads nor groups by them)."""
    o_expr = _by_offering(e.offering, [(k, literal(i, BigInteger)) for i, k in enumerate(keys)])
    vt_expr = _by_offering(e.offering, [(k, c.vt) for k, c in zip(keys, compiled, strict=True)])
    err_expr = _by_offering(
        e.offering,
        [
            (k_, c.by_vt(partial(c.err_at, cols=e, params=params)))
            for k_, c in zip(keys, compiled, strict=True)
        ],
    )
    mask_expr = _by_offering(
        e.offering,
        [
            (k_, c.by_vt(partial(c.mask_at, params=params)))
            for k_, c in zip(keys, compiled, strict=True)
        ],
    )
    exprs = (o_expr, vt_expr, err_expr, mask_expr)
    if dialect in MASKS_FIRST:
        return _tool_statement_by_bits(compiled, extras, where, e, exprs, source, fixed)
    per_event, tool_fees, tool_rows = _per_event(
        compiled, extras, keys, where, e, exprs, dialect, source
    )
    p = per_event.c
    fee_cols = [p[name] for _, _, name in tool_fees]
    row_sums = []
    for _, _, name in tool_rows:
        row_sums.append(func.sum(p[name]).label(f"q_{name}"))
        row_sums.append(_count_positive(p[name]).label(f"n_{name}"))
    tool_events = select(
        p.customer_id,
        p.period,
        p.o,
        p.vt,
        p.err,
        p.mask,
        p.terr,
        p.called,
        *fee_cols,
        *_token_aggregates(p, {kind: p[EXTRA_COLUMNS[kind]] for kind in extras}),
        *row_sums,
    ).group_by(p.customer_id, p.period, p.o, p.vt, p.err, p.mask, p.terr, p.called, *fee_cols)
    return tool_events, tool_fees, tool_rows


def _greatest(terms: list[ColumnElement[int]]) -> ColumnElement[int]:
    """``GREATEST(t1, t2, ...)`` (the term itself when there is one: Spark's needs two)."""
    if not terms:
        return _int(0)
    return terms[0] if len(terms) == 1 else func.greatest(*terms)


def _tool_names(compiled: list[CompiledOffering]) -> list[str]:
    """Every tool name a plan of ``compiled`` prices (aliases included). A fee's tool that
    no plan prices needs no bits of its own: reported, it is an unknown tool."""
    return sorted({name for c in compiled for plan in c.plans for name in plan.tools})


def _per_event(
    compiled: list[CompiledOffering],
    extras: dict[str, ColumnElement[int]],
    keys: list[str],
    where: ColumnElement[bool] | None,
    e: Any,
    exprs: tuple[ColumnElement[Any], ...],
    dialect: str,
    source: Any,
) -> tuple[Any, list[tuple[int, Fee, str]], list[tuple[int, int, str]]]:
    """One row per event with tools (SQLite, PostgreSQL, Spark): the event's columns, and
    what its tools change (``terr``, ``called``, the tool-switched fees, calls per row)."""
    t = tools_t.c
    o_expr, vt_expr, err_expr, mask_expr = exprs
    scope = () if where is None else (where,)
    ev: Any = None
    if dialect in EVENTS_FIRST:
        # each event with tools rated once (a semi-join), then joined to its tool rows, whose
        # expressions read its offering index and vt (integers) instead of re-deciding them
        # per tool row: an order that suits hash joins (DuckDB: ~10× less work than below)
        ev = (
            select(
                e.id,
                e.customer_id,
                e.period,
                o_expr.label("o"),
                vt_expr.label("vt"),
                err_expr.label("err"),
                mask_expr.label("mask"),
                *(e[c] for c in TOKEN_COLUMNS.values()),
                *(count.label(EXTRA_COLUMNS[kind]) for kind, count in extras.items()),
            )
            .where(*scope, e.id.in_(select(t.event_pk)))
            .subquery("ev")
        )
        sel: ColumnElement[Any] = ev.c.o
        sel_keys: list[Any] = list(range(len(compiled)))
        event_cols: dict[str, ColumnElement[Any]] = {
            name: ev.c[name]
            for name in (
                "customer_id",
                "period",
                "o",
                "vt",
                "err",
                "mask",
                *TOKEN_COLUMNS.values(),
                *(EXTRA_COLUMNS[kind] for kind in extras),
            )
        }
    else:
        # SQLite and PostgreSQL walk usage_tool_calls in event_pk order and look each event
        # up by its primary key
        sel, sel_keys = e.offering, list(keys)
        event_cols = {
            "customer_id": e.customer_id,
            "period": e.period,
            "o": o_expr,
            "vt": vt_expr,
            "err": err_expr,
            "mask": mask_expr,
            **{c: e[c] for c in TOKEN_COLUMNS.values()},
            **{EXTRA_COLUMNS[kind]: count for kind, count in extras.items()},
        }

    def vt_of(i: int) -> ColumnElement[int]:
        # the offering's own vt: its CASE over the event's columns, or the vt column
        return ev.c.vt if ev is not None else compiled[i].vt

    zero = _int(0)
    tool_fees: list[tuple[int, Fee, str]] = []
    fee_columns = []
    for i, c in enumerate(compiled):
        for fee in c.fees:
            if fee.tool_names:
                name = f"f{i}_{len(tool_fees)}"
                tool_fees.append((i, fee, name))
                hit = case(
                    (sel == sel_keys[i], c.tool_fee(fee, vt_of(i), t.tool, t.calls)), else_=zero
                )
                fee_columns.append(func.max(hit).label(name))
    # calls per tool row (aliases summed), one column per (offering, version, row)
    tool_rows: list[tuple[int, int, str]] = []  # (offering index, row code, column name)
    row_columns = []
    for i, c in enumerate(compiled):
        for code in _row_codes(c):
            name = f"r{i}_{code}"
            tool_rows.append((i, code, name))
            hit_row = and_(sel == sel_keys[i], c.row(vt_of(i), t.tool) == code)
            row_columns.append(func.sum(case((hit_row, t.calls), else_=zero)).label(name))
    # one row per event with tools, grouped by the tool rows' event_pk alone: the event's own
    # columns are the same in every row of its group, so MAX() takes them (portable: DuckDB
    # and Spark refuse a GROUP BY by functional dependency on the primary key); SQLite walks
    # usage_tool_calls in event_pk order and looks events up by rowid, grouping without a sort
    one_event = func.max
    pairs = list(zip(sel_keys, compiled, strict=True))
    per_event = (
        select(
            t.event_pk.label("id"),
            *(one_event(col).label(name) for name, col in event_cols.items()),
            func.max(
                _by_offering(
                    sel,
                    [
                        (k_, c.tool_err(c.row(vt_of(i), t.tool), t.calls))
                        for i, (k_, c) in enumerate(pairs)
                    ],
                )
            ).label("terr"),
            # 1 when the event called a tool its version prices: it has a tool line
            func.max(
                _by_offering(
                    sel,
                    [
                        (k_, case((and_(c.row(vt_of(i), t.tool) >= 0, t.calls > 0), 1), else_=0))
                        for i, (k_, c) in enumerate(pairs)
                    ],
                )
            ).label("called"),
            *fee_columns,
            *row_columns,
        )
        .select_from(
            tools_t.join(ev, ev.c.id == t.event_pk)
            if ev is not None
            else tools_t.join(source, e.id == t.event_pk)
        )
        .where(*(() if ev is not None else scope))
        .group_by(t.event_pk)
        .subquery("tev")
    )
    return per_event, tool_fees, tool_rows


def _row_codes(c: CompiledOffering) -> list[int]:
    """The tool row codes (version × ROW + row) of every plan of ``c``."""
    return sorted(
        {v * ROW + rate.index for v, plan in enumerate(c.plans) for rate in plan.tools.values()}
    )


#: the columns a scope can pin to one value (billing.sqlrate.queries._fixed)
_PINNABLE = ("customer_id", "period")


def _unpinned(cols: Any, fixed: tuple[int | None, str | None]) -> list[Any]:
    """The columns of :data:`_PINNABLE` that ``fixed`` leaves open (None)."""
    return [cols[name] for name, value in zip(_PINNABLE, fixed, strict=True) if value is None]


#: bits of a tool name in a mask column: ``1`` reported, ``2`` a call above 0, shifted by
#: twice the name's place in its column; 31 names a column, and bit 62 of the first column:
#: a name no plan or fee in scope knows was reported
_NAMES_PER_MASK = 31
_UNKNOWN_BIT = 1 << 62


def _tool_statement_by_bits(
    compiled: list[CompiledOffering],
    extras: dict[str, ColumnElement[int]],
    where: ColumnElement[bool] | None,
    e: Any,
    exprs: tuple[ColumnElement[Any], ...],
    source: Any,
    fixed: tuple[int | None, str | None],
) -> tuple[Select[Any], list[tuple[int, Fee, str]], list[tuple[int, int, str]]]:
    """The tool statement for DuckDB (:data:`MASKS_FIRST`): the same rows as the tool-row form
    (:func:`_per_event`), with each event's tool rows folded into bit masks first.

    1. ``tp``: the tool rows grouped by event with one ``BIT_OR`` per 31 names (each name a
       plan in scope prices: reported, and with a call above 0; and "another name was
       reported"): the one per-event grouping, on an integer key, with one aggregate;
    2. ``tev``: ``tp`` joined to the events in scope, each rated once (o, vt, err, mask), and
       what its tools change read from the masks: each name's row is a CASE over the
       event's version (:meth:`CompiledOffering.row` of a constant name), a MAX over tool
       rows becomes a GREATEST over names (``calls > 0`` of some row of the name ⇔ its
       second bit), and an event calls a row code when one of the code's names has a call
       above 0. Where a name's row does not depend on the event (an offering with one price
       plan: :meth:`CompiledOffering.row_code`), it is read in Python instead: the names of
       one row, of one fee, or of unpublished rows are then one ``&`` test per mask column
       together;
    3. the groups of ``tev`` (counts and token sums, and per row code the events that
       called it), joined on the group to the calls per row code summed over the tool rows
       joined to ``tev`` (no per-event sum is needed for them); ``tev`` is a
       ``MATERIALIZED`` CTE, computed once for both.

    Counts are whole and at least 0 (the ledger's, as billing.records reads them), so "the
    event's calls of a row code sum above 0" is "some row of the code has a call above 0".
    """
    t = tools_t.c
    o_expr, vt_expr, err_expr, mask_expr = exprs
    names = _tool_names(compiled)
    zero, one = _int(0), _int(1)
    n_masks = max(1, -(-len(names) // _NAMES_PER_MASK))

    def place(j: int) -> tuple[int, int]:
        return j // _NAMES_PER_MASK, 2 * (j % _NAMES_PER_MASK)

    mask_cols: list[Any] = [t.event_pk]
    for m in range(n_masks):
        whens = []
        for j, name in enumerate(names):
            at, shift = place(j)
            bits = (
                case((t.calls > 0, _int(3 << shift)), else_=_int(1 << shift)) if at == m else zero
            )
            whens.append((t.tool == name, bits))
        other = _int(_UNKNOWN_BIT if m == 0 else 0)
        bits_of_row = case(*whens, else_=other) if whens else other
        mask_cols.append(func.bit_or(bits_of_row).label(f"b{m}"))
    tp = select(*mask_cols).group_by(t.event_pk).subquery("tp")
    events = (
        select(
            e.id,
            *_unpinned(e, fixed),
            o_expr.label("o"),
            vt_expr.label("vt"),
            err_expr.label("err"),
            mask_expr.label("mask"),
            *(e[c] for c in TOKEN_COLUMNS.values()),
            *(count.label(EXTRA_COLUMNS[kind]) for kind, count in extras.items()),
            *(tp.c[f"b{m}"] for m in range(n_masks)),
        )
        .select_from(source.join(tp, tp.c.event_pk == e.id))
        .where(*(() if where is None else (where,)))
        .subquery("ev")
    )
    v = events.c

    def bit(j: int, which: int) -> ColumnElement[bool]:
        at, shift = place(j)
        return v[f"b{at}"].op("&")(_int(which << shift)) != zero

    def calls_above_0(j: int) -> ColumnElement[int]:
        # what ``calls > 0`` of the rule (CompiledOffering.tool_err, .tool_fee) reads
        return case((bit(j, 2), one), else_=zero)

    def any_bit(js: Iterable[int], which: int) -> ColumnElement[bool] | None:
        # bit ``which`` of some name in ``js``: one ``&`` per mask column, not one per name
        masks = [0] * n_masks
        for j in js:
            at, shift = place(j)
            masks[at] |= which << shift
        tests = [v[f"b{m}"].op("&")(_int(bits)) != zero for m, bits in enumerate(masks) if bits]
        return or_(*tests) if tests else None

    def flag(test: ColumnElement[bool] | None, value: int) -> list[ColumnElement[int]]:
        return [] if test is None else [case((test, _int(value)), else_=zero)]

    tool_fees: list[tuple[int, Fee, str]] = []
    fee_columns = []
    tool_rows: list[tuple[int, int, str]] = []
    code_columns = []
    terrs: list[tuple[int, ColumnElement[Any]]] = []
    calleds: list[tuple[int, ColumnElement[Any]]] = []
    for i, c in enumerate(compiled):
        # only the names this offering's plans price are read one by one; a reported name
        # it does not price (or no plan in scope knows) is an unknown tool: one mask test
        own = {name for plan in c.plans for name in plan.tools}
        known = [j for j, n in enumerate(names) if n in own]
        others = [0] * n_masks
        others[0] = _UNKNOWN_BIT
        for j, n in enumerate(names):
            if n not in own:
                at, shift = place(j)
                others[at] |= 1 << shift
        unknown = or_(*(v[f"b{m}"].op("&")(_int(bits)) != zero for m, bits in enumerate(others)))
        # a name whose row does not depend on the event (the offering has one plan) is read
        # in Python: the names of one row (or of one rule) are then one mask test together;
        # with several plans each name is a CASE over the event's version
        codes = {j: c.row_code(names[j]) for j in known}
        fixed_row = {j: code for j, code in codes.items() if code is not None}
        varying = [j for j in known if codes[j] is None]
        rows = {j: c.row_named(v.vt, names[j]) for j in varying}
        for fee in c.fees:
            if fee.tool_names:
                name = f"f{i}_{len(tool_fees)}"
                tool_fees.append((i, fee, name))
                listed = any_bit((j for j in known if names[j] in fee.tool_names), 2)
                hit = zero if listed is None else c.tool_fee_used(fee, v.vt, listed)
                fee_columns.append(case((v.o == i, hit), else_=zero).label(name))
        for code in _row_codes(c):
            name = f"r{i}_{code}"
            tool_rows.append((i, code, name))
            used_fixed = any_bit((j for j, r in fixed_row.items() if r == code), 2)
            used = or_(
                *(() if used_fixed is None else (used_fixed,)),
                *(and_(rows[j] == code, bit(j, 2)) for j in varying),
            )
            code_columns.append(case((and_(v.o == i, used), one), else_=zero).label(name))
        unpublished = c.unpublished_rows
        terms = [
            case((unknown, _int(UNKNOWN_TOOL)), else_=zero),
            # as CompiledOffering.tool_err of a row known here (never -1: the offering prices
            # the name): an unpublished row fails once called above 0
            *flag(any_bit((j for j, r in fixed_row.items() if r in unpublished), 2), TOOL_RATE),
            *(
                case((bit(j, 1), c.tool_err(rows[j], calls_above_0(j))), else_=zero)
                for j in varying
            ),
        ]
        terrs.append((i, _greatest(terms)))
        called = [
            *flag(any_bit((j for j, r in fixed_row.items() if r >= 0), 2), 1),
            *(case((and_(rows[j] >= 0, bit(j, 2)), one), else_=zero) for j in varying),
        ]
        calleds.append((i, _greatest(called) if called else zero))
    tev_select = select(
        v.id,
        *_unpinned(v, fixed),
        *(
            v[name]
            for name in (
                "o",
                "vt",
                "err",
                "mask",
                *TOKEN_COLUMNS.values(),
                *(EXTRA_COLUMNS[kind] for kind in extras),
            )
        ),
        _by_offering(v.o, terrs).label("terr"),
        _by_offering(v.o, calleds).label("called"),
        *fee_columns,
        *code_columns,
    )
    tev = tev_select.cte("tev").prefix_with("MATERIALIZED")  # read twice below
    p = tev.c
    key = _unpinned(p, fixed)
    key += [p.o, p.vt, p.err, p.mask, p.terr, p.called]
    key += [p[name] for _, _, name in tool_fees]
    groups = (
        select(
            *key,
            *_token_aggregates(p, {kind: p[EXTRA_COLUMNS[kind]] for kind in extras}),
            *(func.sum(p[name]).label(f"n_{name}") for _, _, name in tool_rows),
        )
        .group_by(*key)
        .subquery("g")
    )
    calls = []
    for i, code, name in tool_rows:
        of_code = and_(p.o == i, compiled[i].row(p.vt, t.tool) == code)
        calls.append(func.sum(case((of_code, t.calls), else_=zero)).label(f"q_{name}"))
    sums = (
        select(*(col.label(f"k{n}") for n, col in enumerate(key)), *calls)
        .select_from(tools_t.join(tev, p.id == t.event_pk))
        .group_by(*key)
        .subquery("s")
    )
    g = groups.c
    pinned: list[Any] = [
        literal(value).label(name)
        for name, value in zip(_PINNABLE, fixed, strict=True)
        if value is not None
    ]
    tool_events = select(
        *pinned, *g, *(sums.c[f"q_{name}"] for _, _, name in tool_rows)
    ).select_from(
        groups.join(sums, and_(*(g[col.name] == sums.c[f"k{n}"] for n, col in enumerate(key))))
    )
    return tool_events, tool_fees, tool_rows
