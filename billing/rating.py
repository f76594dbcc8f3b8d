"""Rating: a usage record and the catalog's price plan in, an exact :class:`Charge` out.

Rules (README "Pricing"):

- Decimal only. A token line's amount is ``quantity × price × 10⁻⁶``: the price is scaled by
  ``scaleb`` (an exponent shift, never a division) and multiplied in
  :data:`billing.money.EXACT`, a context with 60 digits that traps ``Inexact`` and
  ``Rounded``; counts are at most 10¹⁵ and prices at most 15 digits, so a product can never
  round, and if it could, rating would fail loudly.
- The plan is chosen by the record's timestamp (none: the plan in effect now); the tier by
  the plan's declared count and boundary, for the whole request. Beyond the top tier is an
  error.
- Kinds are disjoint (billing.usage). Cache reads/writes fall back to the input rate and
  reasoning to the output rate when the card has none; the line says so. Reasoning is always
  its own line, so nothing is hidden and nothing is doubled.
- Input and output lines are always shown when their rate is published (a zero line shows
  the rate and tier); other kinds appear when their count is above 0. An unpublished or
  not-applicable rate fails only when its count is above 0, except that a charge with no
  line at all (all counts 0 where neither input nor output is published) fails: nothing is
  ever silently charged 0.
- Tools: per-call fees, aliases summed into their row, free rows as zero lines, rows
  ``included_in`` a request fee as zero lines that say so; an unknown tool name is an error
  (even with 0 calls: it means the record and the card disagree).
- Request fees: switched on by the record's ``request`` parameters (absent ones take the
  offering's default) or by the use of the listed tools.
- A coming-soon offering is priced like any other: usage that arrived was served, and the
  card's prices decide (the seed's coming-soon offering has unpublished prices, so it fails
  with that reason, which the message says).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from catalog import Catalog, Offering, PricePlan, PriceState, Rate, UnknownOfferingError
from catalog.kinds import EXTRA_KINDS, KIND_TEXT
from catalog.model import tier_count
from catalog.units import format_tokens

from .charge import Charge, Line
from .errors import PricingCode, PricingError, RecordError
from .money import EXACT
from .records import QuickRecord, UsageRecord, parse_record, read_quick

_mul = EXACT.multiply
_add = EXACT.add
ZERO = Decimal(0)

KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")
KINDS_PARENT = {"cache_read": "input", "cache_write": "input", "reasoning": "output"}
TIER_COUNT_TEXT = {
    "input_tokens": "prompt tokens (cached included)",
    "uncached_input_tokens": "uncached input tokens",
    "total_tokens": "total tokens (prompt and completion)",
}
FALLBACK_NOTE = {
    "cache_read": "cached input at the input rate (the card publishes no cache-read rate)",
    "cache_write": "cache writes at the input rate (the card publishes no cache-write rate)",
    "reasoning": "reasoning billed as output, at the output rate",
}
#: Kinds shown as a zero line when their count is 0 (the rates a reader expects to see).
ALWAYS_SHOWN = frozenset({"input", "output"})


# --- cloning immutable templates (see billing.charge: Line and Charge are not slots) -------

_new = object.__new__
_set = object.__setattr__
_NO_EXTRA: Mapping[str, int] = MappingProxyType({})


# --- precomputed rating tables ---------------------------------------------------------------


@dataclass(slots=True)
class _KindRate:
    kind: str
    scaled: Decimal  # price × 10⁻⁶ (0 when not published)
    template: Line | None  # quantity 0, amount 0
    base: dict[str, Any] | None  # the template's fields, copied into each new line
    zero: Line | None  # the line shown for a zero count (the shared template), if any
    problem: str | None  # why a count above 0 cannot be priced


@dataclass(slots=True)
class _TierTable:
    label: str | None
    lower: int | None
    upper: int | None
    inclusive: bool
    input: _KindRate
    cache_read: _KindRate
    cache_write: _KindRate
    output: _KindRate
    reasoning: _KindRate
    charge: dict[str, Any]  # a Charge's fields: no lines, total 0
    extra: dict[str, _KindRate]  # the kinds beyond the first five (catalog.kinds)


@dataclass(slots=True)
class _ToolRate:
    index: int
    name: str
    price: Decimal
    template: Line | None
    problem: str | None


@dataclass(slots=True)
class _FeeRate:
    name: str
    when: tuple[tuple[str, Any], ...]
    tools: frozenset[str]
    price: Decimal
    template: Line | None
    problem: str | None


@dataclass(slots=True)
class _PlanTable:
    plan: PricePlan
    by: str
    tiers: tuple[_TierTable, ...]
    single: _TierTable | None  # the only tier of an untiered plan
    #: each tier as the closed range of counts it covers, ``(lo, hi, tier)`` (hi None: no top)
    ranges: tuple[tuple[int, int | None, _TierTable], ...]
    tools: dict[str, _ToolRate]
    known_tools: str
    fees: tuple[_FeeRate, ...]
    #: whether some fee applies to a record with no request parameters and no tool calls
    #: (the offering's defaults switch it on); when not, such a record skips :func:`_extras`
    quiet_fees: bool


@dataclass(slots=True)
class _OfferingTable:
    offering: Offering
    plans: tuple[_PlanTable, ...]
    timeless: _PlanTable | None  # the only plan, in effect at every time
    #: the other contexts' plans and the windowed ones (catalog.build.build_contexts)
    contexts: dict[str, tuple[_PlanTable, ...]]


def _rate_problem(offering: Offering, rate: Rate, what: str, via: str | None) -> str | None:
    """A sentence with ``{n}`` for the count, or None when the rate is published."""
    if rate.state is PriceState.PUBLISHED:
        return None
    rate_name = f"the {via} rate they are charged at" if via else "the rate"
    soon = " (the offering is coming soon)" if offering.status == "coming_soon" else ""
    if rate.state is PriceState.UNPUBLISHED:
        return (
            f"{offering.id} has no published price for {what}{soon}: {rate_name} is "
            f"unpublished, so the record's {{n}} {what} cannot be priced"
        )
    return (
        f"the record reports {{n}} {what}, but {what} cannot occur on {offering.id}: "
        f"{rate_name} is not applicable"
    )


def _problem(
    problem: str | None, n: int, code: PricingCode = "token_rate_unavailable"
) -> PricingError:
    return PricingError((problem or "").replace("{n}", f"{n:,}"), code=code)


def _build_tier(offering: Offering, plan: PricePlan, tier_index: int, version: str) -> _TierTable:
    tier = plan.tiers[tier_index]
    label = tier.label if plan.tiered else None
    rates = [_kind_rate(offering, tier.prices[kind], kind, label, version) for kind in KINDS]
    extra = {
        kind: _kind_rate(offering, tier.price_of(kind), kind, label, version)
        for kind in EXTRA_KINDS
    }
    charge = Charge(
        offering=offering.id,
        provider=offering.provider,
        currency=plan.currency,
        lines=(),
        total=ZERO,
        price_version=version,
        tier=label,
    )
    return _TierTable(
        label,
        tier.lower,
        tier.upper,
        tier.upper_inclusive,
        input=rates[0],
        cache_read=rates[1],
        cache_write=rates[2],
        output=rates[3],
        reasoning=rates[4],
        charge=dict(charge.__dict__),
        extra=extra,
    )


def _kind_rate(
    offering: Offering, token_price: Any, kind: str, label: str | None, version: str
) -> _KindRate:
    rate = token_price.rate
    via = token_price.inherited_from
    problem = _rate_problem(offering, rate, f"{KIND_TEXT[kind]} tokens", via)
    template = None
    scaled = ZERO
    if problem is None:
        assert rate.price is not None
        scaled = EXACT.scaleb(rate.price, -6)
        note = None
        if via is not None:
            note = FALLBACK_NOTE.get(kind) if via == KINDS_PARENT.get(kind) else None
            if note is None:
                note = (
                    f"{KIND_TEXT[kind]} tokens at the {KIND_TEXT[via]} rate (the card "
                    f"publishes no {KIND_TEXT[kind]} rate)"
                )
        template = Line(
            charge=kind,
            quantity=0,
            unit="1M tokens",
            unit_price=rate.price,
            amount=ZERO,
            list_price=rate.list_price,
            tier=label,
            price_version=version,
            note=note,
        )
    base = dict(template.__dict__) if template is not None else None
    zero = template if kind in ALWAYS_SHOWN else None
    return _KindRate(kind, scaled, template, base, zero, problem)


def _build_plan(offering: Offering, plan: PricePlan) -> _PlanTable:
    version = plan.version
    tiers = tuple(_build_tier(offering, plan, i, version) for i in range(len(plan.tiers)))
    by_row: dict[int, _ToolRate] = {}
    for index, row in enumerate(plan.tools):
        what = f"{row.name} tool calls"
        problem = _rate_problem(offering, row.per_call, what, None)
        template = None
        price = ZERO
        if problem is None:
            assert row.per_call.price is not None
            price = row.per_call.price
            if row.included_in:
                note = f"included in request:{row.included_in}"
            elif price == 0:
                note = "free"
            else:
                note = None
            template = Line(
                charge=f"tool:{row.name}",
                quantity=0,
                unit="call",
                unit_price=price,
                amount=ZERO,
                list_price=row.per_call.list_price,
                tier=None,  # the selected tier's label is set when the line is made
                price_version=version,
                note=note,
            )
        by_row[id(row)] = _ToolRate(index, row.name, price, template, problem)
    # tool_usage names (canonical and aliases) as catalog.cards.build resolved them, once
    tools = {name: by_row[id(row)] for name, row in plan.tool_lookup.items()}
    names = list(tools)
    fees = []
    for fee in plan.request_fees:
        problem = None
        if fee.per_request.state is PriceState.UNPUBLISHED:
            problem = f"{offering.id} has no published price for the {fee.name} request fee"
        elif fee.per_request.state is PriceState.NOT_APPLICABLE:
            problem = f"the {fee.name} request fee is not applicable on {offering.id}"
        template = None
        price = ZERO
        if problem is None:
            assert fee.per_request.price is not None
            price = fee.per_request.price
            template = Line(
                charge=f"request:{fee.name}",
                quantity=1,
                unit="request",
                unit_price=price,
                amount=price,
                list_price=fee.per_request.list_price,
                tier=None,  # the selected tier's label is set when the line is made
                price_version=version,
                note=None,
            )
        when = tuple(fee.when.items())
        fees.append(
            _FeeRate(fee.name, when, frozenset(fee.or_when_tools_used), price, template, problem)
        )
    known = ", ".join(sorted(names)) if names else "none"
    single = tiers[0] if len(tiers) == 1 and tiers[0].upper is None else None
    ranges = tuple(
        (-1 if first is None else first, last, t)
        for (first, last), t in zip((m.closed_range() for m in plan.tiers), tiers, strict=True)
    )
    quiet = any(_fee_reason(offering, fee, _NO_REQUEST, set()) is not None for fee in fees)
    return _PlanTable(plan, plan.tier_by, tiers, single, ranges, tools, known, tuple(fees), quiet)


_NO_REQUEST: Mapping[str, Any] = {}


def _build_offering(offering: Offering) -> _OfferingTable:
    plans = tuple(_build_plan(offering, plan) for plan in offering.pricing)
    timeless = None
    contexts = {
        key: tuple(_build_plan(offering, plan) for plan in group)
        for key, group in offering.contexts.items()
    }
    if len(plans) == 1 and plans[0].plan.effective_from is None and not contexts:
        timeless = plans[0]
    return _OfferingTable(offering, plans, timeless, contexts)


class _Tables:
    """Rating tables for one catalog, built per offering on first use."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_ref: dict[str, _OfferingTable] = {}
        self.by_key: dict[str, _OfferingTable] = {}
        self.by_provider: dict[tuple[str, str], _OfferingTable] = {}

    def get(self, ref: str) -> _OfferingTable:
        table = self.by_ref.get(ref)
        if table is not None:
            return table
        try:
            offering = self.catalog.resolve(ref)
        except UnknownOfferingError as exc:
            raise PricingError(exc.message, code="unknown_offering") from None
        table = self.by_key.get(offering.key)
        if table is None:
            table = self.by_key[offering.key] = _build_offering(offering)
        if len(self.by_ref) < 65536:
            self.by_ref[ref] = table
        return table

    def get_in(self, ref: str, provider: str) -> _OfferingTable:
        """The table of ``provider``'s offering ``ref`` (a record with a provider)."""
        table = self.by_provider.get((provider, ref))
        if table is not None:
            return table
        try:
            offering = self.catalog.resolve(ref, provider)
        except UnknownOfferingError as exc:
            raise PricingError(exc.message, code="unknown_offering") from None
        table = self.by_key.get(offering.key)
        if table is None:
            table = self.by_key[offering.key] = _build_offering(offering)
        if len(self.by_provider) < 65536:
            self.by_provider[(provider, ref)] = table
        return table


_bundled: Catalog | None = None
_tables: dict[int, _Tables] = {}
_last: list[Any] = [None, None]  # the catalog priced last and its tables


def bundled_catalog() -> Catalog:
    """The catalog of every card layer of :func:`catalog.datadir.data_dirs`: the directories
    of ``$RATECARD_DATA``, else the cards bundled with the package above the bundled world
    catalog (so ``price({"provider": "openai", "model": "gpt-4o", ...})`` works out of the box,
    as ``ratecard price`` does). Loaded once per process, through the compiled cache of
    :func:`catalog.load_layers`."""
    global _bundled
    if _bundled is None:
        from catalog import load_layers  # here for start-up time: it loads pydantic
        from catalog.datadir import data_dirs

        _bundled = load_layers(data_dirs())
    return _bundled


def tables_for(catalog: Catalog | None) -> _Tables:
    if catalog is None:
        catalog = bundled_catalog()
    tables = _tables.get(id(catalog))
    if tables is None or tables.catalog is not catalog:
        if len(_tables) > 8:
            _tables.clear()
        tables = _tables[id(catalog)] = _Tables(catalog)
    _last[:] = [catalog, tables]
    return tables


# --- pricing -------------------------------------------------------------------------------


def _price_quick(tables: _Tables, quick: QuickRecord) -> Charge:
    """:func:`price_quick` once the catalog's tables are found (also :func:`price`'s path
    for the common dict)."""
    record_id, model, when, n_in, n_read, n_write, n_out, n_think = quick
    try:
        return _rate(
            tables,
            model,
            None,
            "default",
            when,
            n_in,
            n_read,
            n_write,
            n_out,
            n_think,
            _NO_EXTRA,
            _NO_EXTRA,
            _NO_EXTRA,
        )
    except PricingError as exc:
        raise PricingError(exc.message, 0, record_id or None, code=exc.code) from None


def price(
    record: UsageRecord | Mapping[str, Any],
    catalog: Catalog | None = None,
    # Bound as defaults so the hot path reads locals, not globals (see the benchmark).
    _last: list[Any] = _last,
    _quick: Any = read_quick,
    _quick_charge: Callable[[_Tables, QuickRecord], Charge] = _price_quick,
) -> Charge:
    """Price one usage record exactly.

    ``record`` is a :class:`UsageRecord` or a mapping in the usage record format (read with
    :func:`billing.records.parse_record`; its problems raise :class:`RecordError`). ``catalog``
    defaults to the bundled data catalog. Raises :class:`PricingError` when the record cannot
    be priced.
    """
    tables = _last[1] if catalog is _last[0] and catalog is not None else tables_for(catalog)
    if type(record) is dict:
        # The common well-formed dict (billing.records.read_quick: every check of
        # parse_record, without building the record); any other goes the full way.
        quick = _quick(record)
        if quick is not None:
            return _quick_charge(tables, quick)
    if type(record) is not UsageRecord:
        if not isinstance(record, UsageRecord):
            record = parse_record(record)
    usage = record.usage
    try:
        return _rate(
            tables,
            record.model,
            record.provider,
            record.context,
            record.timestamp,
            usage.input,
            usage.cache_read,
            usage.cache_write,
            usage.output,
            usage.reasoning,
            usage.extra,
            usage.tools,
            usage.request,
        )
    except PricingError as exc:
        if exc.line or exc.record_id:
            raise
        raise PricingError(exc.message, record.line, record.id or None, code=exc.code) from None


def price_quick(quick: QuickRecord, catalog: Catalog | None = None) -> Charge:
    """The charge of a record read by :func:`billing.records.read_quick` (its id, model,
    time and five counts): exactly what :func:`price` gives for the same dict, without
    reading it twice (``billing.ledger.ingest`` keeps the counts for the event row).
    Raises :class:`PricingError`."""
    tables = _last[1] if catalog is _last[0] and catalog is not None else tables_for(catalog)
    return _price_quick(tables, quick)


def _rate(
    tables: _Tables,
    model: str,
    provider: str | None,
    context: str,
    when: dt.datetime | None,
    n_in: int,
    n_read: int,
    n_write: int,
    n_out: int,
    n_think: int,
    extra: Mapping[str, int],
    tools: Mapping[str, int],
    request: Mapping[str, Any],
    # Bound as defaults so the hot path reads locals, not globals (see the benchmark).
    _new: Any = _new,
    _mul: Any = _mul,
    _add: Any = _add,
    _Line: Any = Line,
    _Charge: Any = Charge,
) -> Charge:
    """The charge of one record's counts (the hot path: straight-line code over precomputed
    tables, one call per record)."""
    if provider is None:
        table = tables.by_ref.get(model) or tables.get(model)
    else:
        table = tables.get_in(model, provider)
    if context != "default" or table.contexts:
        plan = _context_plan(table, context, when)
    else:
        plan = table.timeless or _plan_at(table, when)
    tier = plan.single
    if tier is None:
        by = plan.by
        if by == "input_tokens":
            count = n_in + n_read + n_write
        elif by == "uncached_input_tokens":
            count = n_in
        else:
            count = n_in + n_read + n_write + n_out + n_think
        if extra:
            count += tier_count(by, extra)  # the extra kinds (the one tier rule)
        for lo, hi, tier in plan.ranges:  # noqa: B007
            if lo <= count and (hi is None or count <= hi):
                break
        else:
            raise _beyond(table, plan, count)
    lines: list[Any] = []
    add_line = lines.append
    total = ZERO

    # Each line is a copy of its template's fields with the quantity and the amount set
    # (filling the new object's own dict: cheaper than a dataclass __init__, a {**base}
    # merge or a copied dict set as its __dict__; measured by instruction counts).
    if n_in:
        rate = tier.input
        base = rate.base
        if base is None:
            raise _problem(rate.problem, n_in)
        total = _mul(rate.scaled, n_in)
        line = _new(_Line)
        fields = line.__dict__
        fields.update(base)
        fields["quantity"] = n_in
        fields["amount"] = total
        add_line(line)
    else:
        zero = tier.input.zero
        if zero is not None:
            add_line(zero)
    if n_read:
        rate = tier.cache_read
        base = rate.base
        if base is None:
            raise _problem(rate.problem, n_read)
        amount = _mul(rate.scaled, n_read)
        line = _new(_Line)
        fields = line.__dict__
        fields.update(base)
        fields["quantity"] = n_read
        fields["amount"] = amount
        add_line(line)
        total = _add(total, amount)
    if n_write:
        rate = tier.cache_write
        base = rate.base
        if base is None:
            raise _problem(rate.problem, n_write)
        amount = _mul(rate.scaled, n_write)
        line = _new(_Line)
        fields = line.__dict__
        fields.update(base)
        fields["quantity"] = n_write
        fields["amount"] = amount
        add_line(line)
        total = _add(total, amount)
    if n_out:
        rate = tier.output
        base = rate.base
        if base is None:
            raise _problem(rate.problem, n_out)
        amount = _mul(rate.scaled, n_out)
        line = _new(_Line)
        fields = line.__dict__
        fields.update(base)
        fields["quantity"] = n_out
        fields["amount"] = amount
        add_line(line)
        total = _add(total, amount)
    else:
        zero = tier.output.zero
        if zero is not None:
            add_line(zero)
    if n_think:
        rate = tier.reasoning
        base = rate.base
        if base is None:
            raise _problem(rate.problem, n_think)
        amount = _mul(rate.scaled, n_think)
        line = _new(_Line)
        fields = line.__dict__
        fields.update(base)
        fields["quantity"] = n_think
        fields["amount"] = amount
        add_line(line)
        total = _add(total, amount)
    if extra:
        total = _extra_lines(tier, extra, lines, total)
    if tools or (plan.fees and (plan.quiet_fees or request)):
        total = _extras(table, plan, tier, tools, request, lines, total)
    if not lines:
        raise _nothing_published(table.offering, tier)
    charge: Charge = _new(_Charge)
    fields = charge.__dict__
    fields.update(tier.charge)
    fields["lines"] = tuple(lines)
    fields["total"] = total
    return charge


# The hot path binds its helpers as parameter defaults (a local read is the fastest; measured
# by make bench); help(), inspect and the docs show only what callers pass.
_public = inspect.signature(price)
price.__signature__ = _public.replace(parameters=list(_public.parameters.values())[:2])  # type: ignore[attr-defined]
del _public


def _context_plan(table: _OfferingTable, context: str, when: dt.datetime | None) -> _PlanTable:
    """The version for the record's context and time: a windowed version of the context
    whose daily UTC window holds the time wins over the context's plain versions."""
    moment = when if when is not None else dt.datetime.now(dt.UTC)
    for key, group in table.contexts.items():
        if "@" not in key or key.partition("@")[0] != context:
            continue
        for plan in reversed(group):
            if plan.plan.covers(moment) and plan.plan.in_window(moment):
                return plan
    plans = table.plans if context == "default" else table.contexts.get(context)
    if plans:
        if context == "default":
            return table.timeless or _plan_at(table, when)
        return _plan_at(_OfferingTable(table.offering, plans, None, {}), when, context)
    what = (
        "the record asks for no other context"
        if context == "default"
        else f"the record's {'batch flag' if context == 'batch' else 'service_tier'}"
    )
    windows = sorted(
        {
            plan.plan.daily_utc
            for key, group in table.contexts.items()
            if key.partition("@")[0] == context
            for plan in group
            if plan.plan.daily_utc is not None
        }
    )
    if windows:
        # priced only within daily windows, and the time is outside every one of them
        spans = ", ".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in windows)
        raise PricingError(
            f"{table.offering.id} prices the {context!r} context only from {spans} UTC each "
            f"day ({what}), and the record's time {moment:%H:%M:%S} UTC is outside: the "
            "record is not priced at another context's rate",
            code="no_price_version",
        )
    priced = sorted(
        {*(["default"] if table.plans else []), *(k.partition("@")[0] for k in table.contexts)}
    )
    raise PricingError(
        f"{table.offering.id} has no price for the {context!r} context ({what}); it prices "
        f"{', '.join(priced) or 'no context'}. The record is not priced at another context's "
        "rate",
        code="no_price_version",  # no version of the offering's prices is for this context
    )


def _hhmm(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM``."""
    return f"{minutes // 60:02}:{minutes % 60:02}"


def _nothing_published(offering: Offering, tier: _TierTable) -> PricingError:
    """A record that would be priced with no line at all: every count is 0 and neither the
    input nor the output rate (the lines always shown) is published. 0 tokens at an unknown
    price is not a known charge of 0, so the record is not priced (never silently 0)."""
    soon = " (the offering is coming soon)" if offering.status == "coming_soon" else ""
    where = f" in tier {tier.label}" if tier.label else ""
    return PricingError(
        f"{offering.id} has no published price for input or output tokens{where}{soon}, and "
        "the record reports no usage at a published rate: a charge of 0 at an unknown price "
        "would be a guess, so the record is not priced",
        code="nothing_published",
    )


def _plan_at(
    table: _OfferingTable, when: dt.datetime | None, context: str = "default"
) -> _PlanTable:
    plans = table.plans
    if not plans:
        raise PricingError(f"{table.offering.id} has no price plan", code="no_price_version")
    # the catalog's one "plan in effect" (None: now), among the context's versions
    chosen = table.offering.plan_at(when, context)
    for plan in plans:
        if plan.plan is chosen:
            return plan
    first = plans[0].plan.effective_from
    start = first.isoformat() if first else "?"
    if when is None:
        raise PricingError(
            f"no price version of {table.offering.id} is in effect now (the first starts "
            f"{start}); give the record a timestamp",
            code="no_price_version",
        )
    raise PricingError(
        f"timestamp {when.isoformat()} is before the first price version of "
        f"{table.offering.id} (in effect from {start})",
        code="no_price_version",
    )


def _extra_lines(
    tier: _TierTable, extra: Mapping[str, int], lines: list[Any], total: Decimal
) -> Decimal:
    """Lines of the kinds beyond the first five, in catalog.kinds order."""
    for kind in EXTRA_KINDS:
        n = extra.get(kind)
        if not n:
            continue
        rate = tier.extra[kind]
        if rate.base is None:
            raise _problem(rate.problem, n)
        amount = _mul(rate.scaled, n)
        fields = rate.base.copy()
        fields["quantity"] = n
        fields["amount"] = amount
        line = _new(Line)
        _set(line, "__dict__", fields)
        lines.append(line)
        total = _add(total, amount)
    return total


def _beyond(table: _OfferingTable, plan: _PlanTable, count: int) -> PricingError:
    """The error for a tier count that no tier's range (``_PlanTable.ranges``) covers."""
    by = plan.by
    top = plan.tiers[-1].upper or 0
    rule = "at most" if plan.tiers[-1].inclusive else "below"
    shown = format_tokens(top)
    exact = "" if shown == f"{top:,}" else f" ({top:,})"  # "256K (262,144)", not "1,000 (1,000)"
    return PricingError(
        f"{count:,} {TIER_COUNT_TEXT.get(by, by)} is beyond the top price tier of "
        f"{table.offering.id}, which covers {rule} {shown}{exact}; "
        "no price is published for a request this large",
        code="beyond_top_tier",
    )


def _extras(
    table: _OfferingTable,
    plan: _PlanTable,
    tier: _TierTable,
    tools: Mapping[str, int],
    request: Mapping[str, Any],
    lines: list[Line],
    total: Decimal,
) -> Decimal:
    used: set[str] = set()
    if tools:
        rows: dict[int, tuple[_ToolRate, int, list[str]]] = {}
        for name, calls in tools.items():
            rate = plan.tools.get(name)
            if rate is None:
                raise PricingError(
                    f"unknown tool {name!r} in tool_usage: {table.offering.id} prices no such "
                    f"tool (known: {plan.known_tools}); an unknown tool is never free",
                    code="unknown_tool",
                )
            entry = rows.get(rate.index)
            if entry is None:
                entry = rows[rate.index] = (rate, 0, [])
            rows[rate.index] = (rate, entry[1] + calls, entry[2])
            if name != rate.name:
                entry[2].append(name)
            if calls:
                used.add(name)
                used.add(rate.name)
        for index in sorted(rows):
            rate, calls, aliases = rows[index]
            if not calls:
                continue
            if rate.template is None:
                raise _problem(rate.problem, calls, "tool_fee_unavailable")
            amount = _mul(rate.price, calls)
            fields = {**rate.template.__dict__, "quantity": calls, "amount": amount}
            fields["tier"] = tier.label
            if aliases:
                reported = f"reported as {', '.join(sorted(set(aliases)))}"
                note = fields["note"]
                fields["note"] = f"{note}; {reported}" if note else reported
            line = _new(Line)
            _set(line, "__dict__", fields)
            lines.append(line)
            total = _add(total, amount)
    for fee in plan.fees:
        reason = _fee_reason(table.offering, fee, request, used)
        if reason is None:
            continue
        if fee.template is None:
            raise PricingError(
                f"{fee.problem}, and it applies: {reason}", code="request_fee_unavailable"
            )
        line = _new(Line)
        _set(line, "__dict__", {**fee.template.__dict__, "note": reason, "tier": tier.label})
        lines.append(line)
        total = _add(total, fee.price)
    return total


def _fee_reason(
    offering: Offering, fee: _FeeRate, request: Mapping[str, Any], used: set[str]
) -> str | None:
    """Why a conditional request fee applies, or None when it does not. A fee with no
    condition at all (empty ``when``, no tools) applies to every request."""
    if not fee.when and not fee.tools:
        return "applies to every request"
    if fee.when:
        reasons = []
        for param, want in fee.when:
            if param in request:
                got = request[param]
                source = "is"
            else:
                spec = offering.parameters.get(param)
                if spec is None or not spec.has_default:
                    break
                got = spec.default
                source = "defaults to"
            if not _same(got, want):
                break
            reasons.append(f"{param} {source} {_json_text(want)}")
        else:
            return " and ".join(reasons)
    hit = sorted(fee.tools & used)
    if hit:
        return f"{', '.join(hit)} was used"
    return None


def _same(a: Any, b: Any) -> bool:
    """Equality that does not take 1 for true."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _json_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


__all__ = [
    "EXACT",
    "PricingError",
    "RecordError",
    "bundled_catalog",
    "price",
]
