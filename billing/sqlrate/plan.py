"""One offering's price plans (every effective-dated version) compiled to SQL expressions.

The expressions read ``usage_events`` columns (and ``usage_tool_calls`` for tools) and decide,
per event, exactly what billing.rating decides:

- ``vt``: the price plan and tier as one integer, ``plan × 1000 + tier``, where ``plan``
  indexes :attr:`CompiledOffering.plans` (the default context's versions, then each other
  context's and each daily window's, as billing.rating builds them): a CASE over the
  event's ``price_context`` (NULL: default), then, as billing.rating's ``_context_plan``, the
  context's windowed versions whose daily UTC window holds ``event_time`` (minute of the
  day, start included, end excluded, wrapping past midnight) before its plain versions, the
  newest version that covers the time (``PricePlan.covers``), then a CASE over the plan's
  declared tier count (``catalog.model.tier_count``: the extra kinds that belong to it
  included) and ``Tier.closed_range``. -1: no version (or no price for the context) covers
  the event; -2: the count is beyond the top tier.
- ``err``: why the event cannot be priced, 0 when it can (:data:`CODES` maps it to
  billing.errors.PRICING_CODES).
- ``mask``: which request fees apply by the request's parameters (absent ones take the
  offering's default), one bit per fee of the version.
- per tool row: its row code (``version × 100 + row``, -1 for an unknown tool), whether it
  makes the event unpriceable, and the fees its use switches on.

Token kinds beyond the five count columns (catalog.kinds: audio, image and video input and
output, cache reads and writes by modality and duration, tool-use prompt tokens) are stored
as a JSON object in ``usage_events.token_kinds`` (NULL for most events). Each offering is
compiled over the five columns alone for the pass over every event, which marks an event
with kinds :data:`DEFERRED` instead of rating it; the pass over the events with kinds
(billing.sqlrate.queries) reads each kind's count out of the JSON ONCE per event, as an
exact BIGINT column of a subquery (:func:`kind_counts`), and compiles the offering again
over that subquery's columns (``extras``): the CASE expressions compare plain integer
columns, never a JSON function (repeated in every tier and error branch, the JSON reads made
statements that Spark's code generator could not compile). Each kind falls back along its
chain exactly as billing.rating's tier tables say: the line is the kind's own (its
``charge`` is the kind), at the rate it inherits.

Only integers leave the database; prices stay in Python (billing.sqlrate.rate).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    extract,
    func,
    literal,
    literal_column,
    or_,
    true,
)

from catalog import Offering, PriceState
from catalog.kinds import EXTRA_KINDS
from catalog.model import TIER_COUNT_KINDS, counts_toward

from ..errors import PRICING_CODES, NotCompilableError, PricingCode
from ..rating import KINDS, _build_offering, _OfferingTable, _PlanTable, _same
from .params import JsonParams

VT = 1000  #: vt = version × VT + tier
ROW = 100  #: tool row code = version × ROW + row
NO_PLAN, BEYOND_TIER, TOKEN_RATE, TOOL_RATE, UNKNOWN_TOOL, FEE_RATE = 1, 2, 3, 4, 5, 6
UNKNOWN_OFFERING = 7
#: billing.rating's "no line at all" error. The statements flag events with every token
#: count 0 in a tier without a published input or output rate; billing.sqlrate.rate clears
#: the flag when a request fee or a called tool gives the event a line after all.
NOTHING = 8
#: Not a reason: the pass over every event (compiled over the five count columns) marks an
#: event that carries extra token kinds (usage_events.token_kinds) so; billing.sqlrate.rate
#: drops those groups and rates the events in the pass over the events with kinds.
DEFERRED = 9
#: The one map from the SQL statements' integer error codes to billing's pricing codes
#: (billing.errors.PRICING_CODES): SQL computes small integers, people and tests read codes.
CODES: dict[int, PricingCode] = {
    NO_PLAN: "no_price_version",
    BEYOND_TIER: "beyond_top_tier",
    TOKEN_RATE: "token_rate_unavailable",
    TOOL_RATE: "tool_fee_unavailable",
    UNKNOWN_TOOL: "unknown_tool",
    FEE_RATE: "request_fee_unavailable",
    UNKNOWN_OFFERING: "unknown_offering",
    NOTHING: "nothing_published",
}
#: Each SQL error code's reason, in words (derived from CODES).
ERRORS = {n: PRICING_CODES[code] for n, code in CODES.items()}

#: The token columns of usage_events, in billing.rating.KINDS order.
TOKEN_COLUMNS = dict(
    zip(
        KINDS,
        (
            "input_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "output_tokens",
            "reasoning_tokens",
        ),
        strict=True,
    )
)


#: The extra token kinds' count columns, as the statements name them (``k_output_audio``).
EXTRA_COLUMNS = {kind: f"k_{kind}" for kind in EXTRA_KINDS}


def kind_counts(cols: Any, params: JsonParams) -> dict[str, ColumnElement[int]]:
    """Each extra kind's count of an event that has ``token_kinds`` (the statements select
    these once per event, in a subquery over those events only): the JSON member as an exact
    BIGINT, 0 when absent, read with the JSON functions of ``params``'s dialect
    (billing.sqlrate.params)."""
    json = type(params)(cols["token_kinds"])
    return {kind: func.coalesce(json.integer(kind), _int(0)) for kind in EXTRA_KINDS}


def _int(n: int) -> ColumnElement[int]:
    """An integer constant written into the statement's text, not a bound parameter: the
    statements hold hundreds of them (SQLite allows 999 parameters per statement on some
    builds), and a constant lets every engine fold the CASE branches."""
    return literal_column(str(int(n)), BigInteger)


#: How vt is decided: a constant, or CASE branches (condition, subtree) with an ELSE subtree.
VtTree = int | tuple[list[tuple[ColumnElement[bool], "VtTree"]], "VtTree"]


def _realize(tree: VtTree, leaf: Callable[[int], ColumnElement[Any]]) -> ColumnElement[Any]:
    """The CASE of ``tree`` with each constant vt replaced by ``leaf(vt)``."""
    if isinstance(tree, int):
        return leaf(tree)
    whens, otherwise = tree
    return case(
        *((cond, _realize(sub, leaf)) for cond, sub in whens), else_=_realize(otherwise, leaf)
    )


@dataclass
class Fee:
    version: int  #: the plan's index in :attr:`CompiledOffering.plans`
    index: int  #: its bit in the mask
    published: bool
    when: tuple[tuple[str, Any], ...]  #: request parameters that switch it on (all of them)
    tool_names: frozenset[str]  #: reported tool names whose use switches it on


@dataclass
class CompiledOffering:
    """Expressions for one offering; build with :func:`compile_offering`."""

    offering: Offering
    table: _OfferingTable
    vt: ColumnElement[int]
    tree: VtTree = -1
    fees: list[Fee] = field(default_factory=list)
    #: every plan vt can name, by index: the default context's versions
    #: (``table.plans``), then each other context's and each window's (``table.contexts``)
    plans: tuple[_PlanTable, ...] = ()
    #: each extra kind's count column; empty when compiled over the five columns alone
    extras: dict[str, ColumnElement[int]] = field(default_factory=dict)
    #: compiled over the five columns of a table with ``token_kinds``: an event with extra
    #: kinds gets :data:`DEFERRED` (the pass over the events with kinds rates it)
    defers: bool = False

    @property
    def fee_bits(self) -> int:
        """Bits a fee mask needs: the most request fees of any plan."""
        return max((len(plan.fees) for plan in self.plans), default=0)

    def plan(self, vt: int) -> _PlanTable:
        return self.plans[vt // VT]

    # -- per event --------------------------------------------------------------------------

    def by_vt(self, leaf: Callable[[int], ColumnElement[Any]]) -> ColumnElement[Any]:
        """``leaf(vt)`` for each event's vt, deciding vt once: the vt CASE with ``leaf`` of
        each constant in its branches (``leaf`` folds what depends on vt in Python)."""
        return _realize(self.tree, leaf)

    def _version_is(self, vt: int, version: int) -> bool:
        """:meth:`version_of` for a known vt."""
        return len(self.plans) == 1 or version * VT <= vt < (version + 1) * VT

    def err_at(self, vt: int, cols: Any, params: JsonParams) -> ColumnElement[int]:
        """Why an event of this vt cannot be priced (0: it can), tools aside (see
        :meth:`tool_err`); only the conditions that can hold for this vt are written."""
        whens: list[tuple[ColumnElement[bool], ColumnElement[int]]] = []
        if self.defers:
            # compiled over the five columns: an event with extra kinds is rated by the
            # statement over the events with kinds (its tier and reasons depend on them)
            whens.append((cols["token_kinds"].is_not(None), _int(DEFERRED)))
        if not self.table.contexts:
            # no context priced: an event in any context but the default cannot be priced
            # (billing.rating: no price for the context), before any other reason
            context = cols["price_context"]
            whens.append((and_(context.is_not(None), context != "default"), _int(NO_PLAN)))
        if vt in (-1, -2):
            code = _int(NO_PLAN if vt == -1 else BEYOND_TIER)
            return case(*whens, else_=code) if whens else code
        tier = self.plans[vt // VT].tiers[vt % VT]
        bad = [
            cols[column] > _int(0)
            for kind, column in TOKEN_COLUMNS.items()
            if getattr(tier, kind).base is None
        ]
        bad.extend(n > _int(0) for kind, n in self.extras.items() if tier.extra[kind].base is None)
        if bad:
            whens.append((or_(*bad), _int(TOKEN_RATE)))
        fee_problems = []
        for fee in self.fees:
            cond = self.fee_params(fee, params)
            if not fee.published and cond is not None and self._version_is(vt, fee.version):
                fee_problems.append(cond)
        if fee_problems:
            whens.append((or_(*fee_problems), _int(FEE_RATE)))
        if tier.input.zero is None and tier.output.zero is None:
            counts = [cols[c] for c in TOKEN_COLUMNS.values()] + list(self.extras.values())
            whens.append((and_(*(c == _int(0) for c in counts)), _int(NOTHING)))
        if not whens:
            return _int(0)
        return case(*whens, else_=_int(0))

    def mask_at(self, vt: int, params: JsonParams) -> ColumnElement[int]:
        """Bits of this vt's fees that apply by the request's parameters."""
        terms = []
        for fee in self.fees:
            cond = self.fee_params(fee, params)
            if cond is not None and self._version_is(vt, fee.version):
                terms.append(case((cond, _int(1 << fee.index)), else_=_int(0)))
        return _sum(terms)

    def version_of(self, vt: ColumnElement[int], version: int) -> ColumnElement[bool]:
        """The event is priced by this plan (with one plan: any event; the groups of
        events that cannot be priced (vt < 0) ignore fees and tools anyway)."""
        if len(self.plans) == 1:
            return true()
        return and_(vt >= version * VT, vt < (version + 1) * VT)

    def fee_params(self, fee: Fee, params: JsonParams) -> ColumnElement[bool] | None:
        if not fee.when and not fee.tool_names:
            return true()  # no condition at all: every request (billing.rating._fee_reason)
        return _params_condition(self.offering, fee.when, params)

    # -- per tool row (usage_tool_calls joined to its event) ----------------------------------

    def row(self, vt: ColumnElement[int], tool: ColumnElement[str]) -> ColumnElement[int]:
        """The charge row a reported tool name maps to (aliases included), -1 if unknown."""
        whens = []
        for v, plan in enumerate(self.plans):
            by_row: dict[int, list[str]] = {}
            for name, rate in plan.tools.items():
                by_row.setdefault(rate.index, []).append(name)
            for r, names in sorted(by_row.items()):
                whens.append(
                    (and_(self.version_of(vt, v), tool.in_(sorted(names))), _int(v * ROW + r))
                )
        if not whens:
            return _int(-1)
        return case(*whens, else_=_int(-1))

    def row_named(self, vt: ColumnElement[int], name: str) -> ColumnElement[int]:
        """:meth:`row` of a tool row reported under ``name``: :meth:`row_code` when that is a
        number, else the CASE over the event's version alone."""
        code = self.row_code(name)
        if code is not None:
            return _int(code)
        codes = {
            v: v * ROW + plan.tools[name].index
            for v, plan in enumerate(self.plans)
            if name in plan.tools
        }
        return case(
            *((self.version_of(vt, v), _int(code)) for v, code in codes.items()), else_=_int(-1)
        )

    def row_code(self, name: str) -> int | None:
        """The code of the row ``name`` maps to when it does not depend on the event: -1 when
        no plan prices the name, the row's code when the offering has one plan; None
        otherwise (a row's code holds its version: ``version × ROW + row``)."""
        codes = [
            v * ROW + plan.tools[name].index
            for v, plan in enumerate(self.plans)
            if name in plan.tools
        ]
        if not codes:
            return -1
        return codes[0] if len(self.plans) == 1 else None

    @property
    def unpublished_rows(self) -> set[int]:
        """The codes of the tool rows whose price is unpublished (a call fails, 0 calls do
        not)."""
        return {
            v * ROW + rate.index
            for v, plan in enumerate(self.plans)
            for rate in plan.tools.values()
            if rate.template is None
        }

    def tool_err(self, row: ColumnElement[int], calls: ColumnElement[int]) -> ColumnElement[int]:
        """The error a reported tool row gives: UNKNOWN_TOOL for a name no plan of the
        event's version prices (row -1), TOOL_RATE for an unpublished row called above 0,
        else 0."""
        unpublished = self.unpublished_rows
        whens: list[tuple[ColumnElement[bool], ColumnElement[int]]] = [
            (row == -1, _int(UNKNOWN_TOOL))
        ]
        if unpublished:
            whens.append((and_(row.in_(sorted(unpublished)), calls > 0), _int(TOOL_RATE)))
        return case(*whens, else_=_int(0))

    def tool_fee(
        self,
        fee: Fee,
        vt: ColumnElement[int],
        tool: ColumnElement[str],
        calls: ColumnElement[int],
    ) -> ColumnElement[int]:
        """1 when this tool row switches the fee on (a listed name used), else 0."""
        if not fee.tool_names:
            return _int(0)
        return self.tool_fee_used(fee, vt, and_(tool.in_(sorted(fee.tool_names)), calls > 0))

    def tool_fee_used(
        self, fee: Fee, vt: ColumnElement[int], used: ColumnElement[bool]
    ) -> ColumnElement[int]:
        """:meth:`tool_fee` given ``used``: a name the fee lists was called above 0."""
        return case((and_(self.version_of(vt, fee.version), used), _int(1)), else_=_int(0))


def _sum_columns(terms: Sequence[Any]) -> Any:
    """``c1 + c2 + ...`` over at least one column."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _sum(terms: Sequence[ColumnElement[Any]]) -> ColumnElement[int]:
    """``t1 + t2 + ...`` (0 for none): the fee bits of a mask."""
    if not terms:
        return _int(0)
    total: ColumnElement[int] = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _tier_case(
    plan: _PlanTable, version: int, cols: Any, extras: dict[str, ColumnElement[int]]
) -> VtTree:
    if plan.single is not None:
        return version * VT
    kinds = TIER_COUNT_KINDS.get(plan.by)
    if kinds is None:
        raise NotCompilableError(f"tier count {plan.by!r}")
    # the catalog's tier rule (catalog.model.tier_count): the count sums these kinds and the
    # extra kinds that belong to it; each tier covers a closed range
    terms = [cols[TOKEN_COLUMNS[kind]] for kind in kinds]
    terms.extend(count for kind, count in extras.items() if counts_toward(plan.by, kind))
    count = _sum_columns(terms)
    ranges = [tier.closed_range() for tier in plan.plan.tiers]
    whens: list[tuple[ColumnElement[bool], VtTree]] = []
    for t, (first, last) in enumerate(ranges):
        parts = []
        # the tiers below already took every count up to their bound: the lower one is implied
        below = ranges[t - 1][1] if t else None
        implied = t > 0 and ranges[0][0] is None and below is not None and first == below + 1
        if first is not None and not implied:
            parts.append(count >= first)
        if last is not None:
            parts.append(count <= last)
        cond = and_(*parts) if parts else literal(True)
        whens.append((cond, version * VT + t))
    out: VtTree = (list(whens), -2)
    return out


def _covers(plan: _PlanTable, time: ColumnElement[Any]) -> ColumnElement[bool]:
    p = plan.plan
    parts = []
    if p.effective_from is not None:
        parts.append(time >= p.effective_from)
    if p.effective_until is not None:
        parts.append(time < p.effective_until)
    return and_(*parts) if parts else literal(True)


def _in_window(plan: _PlanTable, time: ColumnElement[Any]) -> ColumnElement[bool]:
    """``PricePlan.in_window`` in SQL: the UTC minute of the day (seconds dropped, as there)
    in ``[start, end)``, or outside ``[end, start)`` for a window that wraps past midnight.
    Every engine reads ``event_time`` as UTC (the ledger stores UTC; DuckDB and Spark
    sessions run in UTC)."""
    window = plan.plan.daily_utc
    if window is None:
        return literal(True)
    start, end = window
    minute = extract("hour", time) * 60 + extract("minute", time)
    if start <= end:
        return and_(minute >= start, minute < end)
    return or_(minute >= start, minute < end)


def _versions(
    plans: Sequence[tuple[int, _PlanTable]],
    cols: Any,
    extras: dict[str, ColumnElement[int]],
    window: bool = False,
) -> list[tuple[ColumnElement[bool], VtTree]]:
    """CASE branches choosing the newest of ``(index, plan)`` that covers the event's time
    (``PricePlan.covers``; with ``window``, also ``in_window``)."""
    out: list[tuple[ColumnElement[bool], VtTree]] = []
    for v, plan in reversed(plans):
        cond = _covers(plan, cols["event_time"])
        if window:
            cond = and_(cond, _in_window(plan, cols["event_time"]))
        out.append((cond, _tier_case(plan, v, cols, extras)))
    return out


def _context_tree(
    table: _OfferingTable,
    plans: tuple[_PlanTable, ...],
    cols: Any,
    extras: dict[str, ColumnElement[int]],
) -> VtTree:
    """The vt tree of an offering with price contexts or daily windows: billing.rating's
    ``_context_plan`` (a windowed version of the record's context whose window holds the
    time, else the context's plain version in effect; a context the card does not price has
    no version: -1, reason ``no_price_version``, as there)."""
    index = {id(plan): v for v, plan in enumerate(plans)}
    names = ["default"]
    for key in table.contexts:
        name = key.partition("@")[0]
        if name not in names:
            names.append(name)
    context = cols["price_context"]
    branches: list[tuple[ColumnElement[bool], VtTree]] = []
    for name in names:
        whens: list[tuple[ColumnElement[bool], VtTree]] = []
        for key, group in table.contexts.items():
            if "@" in key and key.partition("@")[0] == name:
                indexed = [(index[id(plan)], plan) for plan in group]
                whens.extend(_versions(indexed, cols, extras, window=True))
        plain = table.plans if name == "default" else table.contexts.get(name, ())
        whens.extend(_versions([(index[id(plan)], plan) for plan in plain], cols, extras))
        if name == "default":
            selected = or_(context.is_(None), context == "default")
        else:
            selected = context == name
        branches.append((selected, (whens, -1) if whens else -1))
    return (branches, -1)


def _params_condition(
    offering: Offering, when: tuple[tuple[str, Any], ...], params: JsonParams
) -> ColumnElement[bool] | None:
    """All of ``when`` hold (billing.rating._fee_reason), or None when it never can."""
    if not when:
        return None
    absent_matches = True  # every parameter absent: does each default equal its value?
    parts = []
    for name, want in when:
        spec = offering.parameters.get(name)
        equal = params.equals(name, want)
        if spec is None or not spec.has_default or not _same(spec.default, want):
            absent_matches = False
        if spec is not None and spec.has_default:
            if _same(spec.default, want):
                parts.append(or_(~params.present(name), equal))
            else:
                parts.append(equal)
        else:
            parts.append(equal)  # absent without a default: the fee does not apply
    # most events carry no request parameters: decide those without calling JSON functions
    column = params.column
    if absent_matches:
        return or_(column.is_(None), and_(*parts))
    return and_(column.is_not(None), *parts)


def compile_offering(
    offering: Offering,
    cols: Any,
    params: JsonParams,
    extras: dict[str, ColumnElement[int]] | None = None,
) -> CompiledOffering:
    """Compile ``offering``'s plans over the columns ``cols`` (a table or subquery's ``.c``,
    with ``price_context``): over the five count columns alone (events with ``token_kinds``
    are then :data:`DEFERRED`), or, with ``extras`` (each extra kind → its count column, as
    the subquery of the pass over the events with kinds selects them), over those as well.

    Raises :class:`NotCompilableError` for what SQL cannot compare exactly (a request fee
    that compares a number), a tier count it does not know, or more than 30 request fees in
    one plan."""
    table = _build_offering(offering)
    plans = table.plans + tuple(plan for group in table.contexts.values() for plan in group)
    for plan in plans:  # refuse what SQL cannot compare, up front
        if len(plan.fees) > 30:
            raise NotCompilableError(f"{offering.id} has more than 30 request fees")
        for fee_rate in plan.fees:
            _params_condition(offering, fee_rate.when, params)
    out = _compile(offering, table, plans, cols, dict(extras or {}))
    out.defers = extras is None and "token_kinds" in cols
    return out


def _compile(
    offering: Offering,
    table: _OfferingTable,
    plans: tuple[_PlanTable, ...],
    cols: Any,
    extras: dict[str, ColumnElement[int]],
) -> CompiledOffering:
    tree: VtTree
    if table.contexts:
        tree = _context_tree(table, plans, cols, extras)
    elif not table.plans:
        tree = -1
    elif table.timeless is not None:
        tree = _tier_case(table.timeless, 0, cols, extras)
    else:
        tree = (_versions(list(enumerate(table.plans)), cols, extras), -1)
    compiled = CompiledOffering(
        offering, table, _realize(tree, _int), tree, plans=plans, extras=extras
    )
    for v, plan in enumerate(plans):
        for i, fee in enumerate(plan.fees):
            names: set[str] = set()
            for listed in fee.tools:
                rate = plan.tools.get(listed)
                if rate is not None and listed == rate.name:
                    # the row's name is "used" when any of its names was called
                    names.update(n for n, r in plan.tools.items() if r is rate)
                else:
                    names.add(listed)
            compiled.fees.append(
                Fee(
                    version=v,
                    index=i,
                    published=fee.template is not None,
                    when=fee.when,
                    tool_names=frozenset(names),
                )
            )
    return compiled


__all__ = [
    "CODES",
    "DEFERRED",
    "ERRORS",
    "EXTRA_COLUMNS",
    "NOTHING",
    "CompiledOffering",
    "NotCompilableError",
    "PriceState",
    "compile_offering",
    "kind_counts",
]
