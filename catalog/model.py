"""The catalog at run time: plain frozen dataclasses, built once from the cards.

Everything here is resolved: variants are merged into full offerings, provider-shared
parameters are included, token counts are exact integers, and every rate carries its state
(published, unpublished, not applicable) and, where it fell back, where it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .kinds import INPUT_KINDS, chain
from .kinds import KINDS as KIND_INFO
from .matching import Matcher
from .rates import PriceState, Rate
from .units import format_tokens

TOKEN_KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")
BASE_ROOTS = frozenset({"input", "output"})
BASE_SET = frozenset(TOKEN_KINDS)
#: A top tier bound this large is an open tier ("above N, whatever the size"): ratecard
#: refuses counts above 10^15 anyway. The card format's own open top tier is ``up_to: null``
#: (``upper`` None); the genai-prices import still writes 10^15. The label reads ">N" either way.
OPEN_TOP = 10**15

#: An offering's status (the card's ``status``).
Status = Literal["available", "coming_soon", "deprecated", "retired"]
#: What a plan's tiers are selected by (the card's ``tiers.by``); see :data:`TIER_COUNT_KINDS`.
TierCount = Literal["input_tokens", "uncached_input_tokens", "total_tokens"]
#: Which side of a tier bound is inclusive (the card's ``tiers.boundary``).
TierBoundary = Literal["upper_inclusive", "lower_inclusive"]
#: A parameter rule's kind.
RuleKind = Literal["requires", "conflicts_with"]

#: The tier rule's count (a plan's ``tier_by``, the card's ``tiers.by``): the token kinds it
#: sums. billing.rating's hot path and billing.sqlrate's CASE are derived from this table.
TIER_COUNT_KINDS: Mapping[str, tuple[str, ...]] = {
    "input_tokens": ("input", "cache_read", "cache_write"),  # the prompt, cached included
    "uncached_input_tokens": ("input",),
    "total_tokens": TOKEN_KINDS,  # prompt and completion, reasoning included
}


def counts_toward(by: str, kind: str) -> bool:
    """Whether an extra token kind (catalog.kinds: audio, image, cache-write durations…)
    counts toward ``by``: the prompt counts every input kind, the uncached input only
    uncached input kinds, the total every kind."""
    if by == "total_tokens":
        return True
    if kind not in INPUT_KINDS:
        return False
    return by == "input_tokens" or KIND_INFO[kind].cache == "uncached"


def tier_count(by: str, counts: Mapping[str, int]) -> int:
    """The count a plan's tiers are selected by: the sum of ``counts`` (token kind → count,
    absent kinds 0) over ``TIER_COUNT_KINDS[by]``, plus the extra kinds of
    :mod:`catalog.kinds` that belong to that count (an audio prompt token is a prompt
    token). ValueError for an unknown ``by``."""
    kinds = TIER_COUNT_KINDS.get(by)
    if kinds is None:
        raise ValueError(f"unknown tier count {by!r}")
    n = sum(counts.get(kind, 0) for kind in kinds)
    return n + sum(v for k, v in counts.items() if k not in BASE_SET and counts_toward(by, k))


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """A per-1M-token rate with its state, and the rate it falls back to if any."""

    rate: Rate
    #: The token kind whose rate this is when the card did not give one ("input").
    inherited_from: str | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    """One price tier of a plan: the counts it covers (:meth:`closed_range`) and its rates."""

    index: int
    """Position in the plan, from 0."""
    lower: int | None
    """The previous tier's bound, in tokens; None for the first tier."""
    upper: int | None
    """This tier's bound, in tokens; None: no bound (the top of an open plan, or untiered)."""
    upper_inclusive: bool
    """True: ``lower < count <= upper``; False: ``lower <= count < upper``."""
    prices: Mapping[str, TokenPrice]
    """Token kind (``TOKEN_KINDS`` and catalog.kinds' extra kinds) → its per-1M-token rate."""
    published: str | None = None
    """The bound as the price page writes it (``<=128K``); the label when given."""

    @property
    def label(self) -> str:
        if self.published:
            return self.published
        if self.upper is None:
            if self.lower is not None:
                return (
                    f">{format_tokens(self.lower)}"
                    if self.upper_inclusive
                    else (f">={format_tokens(self.lower)}")
                )
            return "all"
        if self.upper >= OPEN_TOP and self.lower is not None:
            return f">{format_tokens(self.lower)}"
        up = format_tokens(self.upper)
        if self.lower is None:
            return f"<={up}" if self.upper_inclusive else f"<{up}"
        return f"{format_tokens(self.lower)}-{up}"

    def price_of(self, kind: str) -> TokenPrice:
        """The rate a token kind is charged at: its own, or the first one up its fallback
        chain (:func:`catalog.kinds.chain`) that the card prices, with ``inherited_from``
        naming it. ``input`` and ``output`` are always present (maybe unpublished)."""
        own = self.prices.get(kind)
        if own is not None:
            return own
        for parent in chain(kind)[1:]:
            found = self.prices.get(parent)
            if found is not None and (found.inherited_from is None or parent in BASE_ROOTS):
                return TokenPrice(found.rate, parent)
        raise KeyError(kind)  # pragma: no cover - every chain ends at input or output

    def closed_range(self) -> tuple[int | None, int | None]:
        """The counts this tier covers as ``(first, last)``, both included; None where it has
        no bound. THE tier boundary rule (README "Tiers"): with ``upper_inclusive`` a tier
        covers ``lower < count <= upper`` (a count equal to a bound stays in the lower tier),
        otherwise ``lower <= count < upper``. billing.rating's precomputed ranges and
        billing.sqlrate's CASE are built from this."""
        if self.upper_inclusive:
            first = None if self.lower is None else self.lower + 1
            return first, self.upper
        return self.lower, None if self.upper is None else self.upper - 1

    def contains(self, count: int) -> bool:
        """True if this tier covers ``count`` (see :meth:`closed_range`)."""
        first, last = self.closed_range()
        return (first is None or first <= count) and (last is None or count <= last)


@dataclass(frozen=True, slots=True)
class ToolCharge:
    """A built-in tool's per-call fee (a row of the plan's tool table)."""

    name: str
    """The canonical tool name in ``tool_usage`` (``web_search``)."""
    label: str
    """The name shown to people."""
    per_call: Rate
    """USD per call, with its state (free is a published 0)."""
    aliases: tuple[str, ...] = ()
    """Other ``tool_usage`` names counted in this row."""
    included_in: str | None = None
    """The request fee whose price includes these calls, if any."""


@dataclass(frozen=True, slots=True)
class RequestCharge:
    """A per-request fee, switched on by request parameters or by the use of listed tools."""

    name: str
    """The fee's name (the line reads ``request:<name>``)."""
    label: str
    """The name shown to people."""
    per_request: Rate
    """USD per request, with its state."""
    when: Mapping[str, Any]
    """Parameter → value that switches the fee on (absent parameters take their default)."""
    or_when_tools_used: tuple[str, ...] = ()
    """Tools whose use also switches it on."""


@dataclass(frozen=True, slots=True)
class PricePlan:
    """One effective-dated version of an offering's prices: tiers, tool fees, request fees."""

    effective_from: dt.datetime | None
    """When this version starts (UTC); None: since always."""
    effective_until: dt.datetime | None
    """When the next version starts; None: open-ended."""
    version: str
    """The version's name, shown on every line it prices."""
    currency: str
    """ISO 4217 code (``USD``)."""
    tier_by: TierCount
    """What the tiers are selected by (:func:`tier_count`)."""
    tier_boundary: TierBoundary
    """Which side of a bound is inclusive (:meth:`Tier.closed_range`)."""
    tiered: bool
    """True when the card declares tiers (lines then carry the tier label)."""
    tiers: tuple[Tier, ...]
    """Ascending; one open tier for an untiered plan."""
    tools: tuple[ToolCharge, ...]
    """The tool table, in card order."""
    request_fees: tuple[RequestCharge, ...]
    """Per-request fees, in card order."""
    notes: tuple[str, ...] = ()
    """The card's notes on this version."""
    #: tool_usage name (canonical or alias) → its charge row
    tool_lookup: Mapping[str, ToolCharge] = field(default_factory=dict)
    #: the price context (default, batch, flex, priority…)
    context: str = "default"
    #: a daily UTC window (minutes after midnight, start inclusive, end exclusive; the end
    #: may be below the start: the window wraps past midnight), or None: all day
    daily_utc: tuple[int, int] | None = None

    def in_window(self, when: dt.datetime) -> bool:
        """Whether ``when`` falls in the plan's daily UTC window (always, without one)."""
        if self.daily_utc is None:
            return True
        start, end = self.daily_utc
        utc = when.astimezone(dt.UTC)
        minute = utc.hour * 60 + utc.minute
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end

    def tier_count(self, counts: Mapping[str, int]) -> int:
        """The count this plan's tiers are selected by (see :func:`tier_count`)."""
        return tier_count(self.tier_by, counts)

    def tier_for(self, count: int) -> Tier | None:
        """The tier a count selects, or None when it is beyond the top tier."""
        for tier in self.tiers:
            if tier.contains(count):
                return tier
        return None

    def tool(self, name: str) -> ToolCharge | None:
        return self.tool_lookup.get(name)

    def covers(self, when: dt.datetime) -> bool:
        after = self.effective_from is None or when >= self.effective_from
        before = self.effective_until is None or when < self.effective_until
        return after and before


@dataclass(frozen=True, slots=True)
class Parameter:
    """A request parameter at ``path`` (("settings", "temperature"))."""

    name: str
    path: tuple[str, ...]
    types: tuple[str, ...]
    required: bool = False
    default: Any = None
    has_default: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    step: Decimal | None = None
    values: tuple[Any, ...] | None = None
    values_known: tuple[Any, ...] | None = None
    values_count: int | None = None
    value_descriptions: tuple[str, ...] = ()
    const: Any = None
    const_is_offering_id: bool = False
    format: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    items: Parameter | None = None
    properties: Mapping[str, Parameter] | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A cross-parameter rule of an offering, checked by the request validator."""

    kind: RuleKind
    """``requires``: ``when`` needs ``then``; ``conflicts_with``: the two exclude each other."""
    when: Mapping[str, Any]
    """Parameter → value that triggers the rule."""
    then: Mapping[str, Any]
    """Parameter → value required (or excluded)."""
    message: str | None = None
    """The card's own wording, used instead of the generated sentence."""


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    name: str
    creator: str
    family: str | None
    description: str | None
    architecture: str | None
    total_parameters: int | None
    active_parameters: int | None
    license: str | None
    open_weights: bool | None
    weights_host: str | None
    release_date: dt.date | None
    native_context: int | None
    extended_context: int | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    reasoning: bool | None
    benchmarks: tuple[Mapping[str, Any], ...]
    superseded_by: str | None
    notes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    path: str | None


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    name: str
    base_url: str | None
    auth: str | None
    endpoints: Mapping[str, Endpoint]
    parameters: Mapping[str, Parameter]
    notes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Offering:
    """A sellable model, or a variant already merged with its base."""

    id: str
    provider: str
    name: str
    model: str
    status: Status
    """``available`` and ``deprecated`` can be called (:attr:`callable`)."""
    new: bool | None
    task: str | None
    description: str | None
    region: str | None
    context_window: int | None
    max_output_tokens: int | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    features: tuple[str, ...]
    endpoints: tuple[str, ...]
    native_inference: bool | None
    weight_precision: str | None
    parameters: Mapping[str, Parameter]
    rules: tuple[Rule, ...]
    pricing: tuple[PricePlan, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    #: price plans of the contexts other than default (batch, flex, priority…), and the
    #: default context's plans with a daily UTC window; ``pricing`` is the default context
    #: without a window
    contexts: Mapping[str, tuple[PricePlan, ...]] = field(default_factory=dict)
    base: str | None = None  # the base offering's id, for a variant
    variant: str | None = None  # the variant's name ("variant1")
    variants: tuple[str, ...] = ()  # full ids of this offering's variants
    match: Matcher | None = None  # other ids that name it (catalog.matching)

    @property
    def key(self) -> str:
        """Unique across providers: provider/id."""
        return f"{self.provider}/{self.id}"

    @property
    def callable(self) -> bool:
        return self.status in ("available", "deprecated")

    def plan_at(self, when: dt.datetime | None, context: str = "default") -> PricePlan | None:
        """THE plan in effect at ``when`` (an aware datetime; None means now): the newest
        version that covers it (:meth:`PricePlan.covers`), or None when none does. billing
        prices a record without a timestamp by the same rule; pages and documents show the
        plan in effect now. ``context`` (batch, flex, priority…) chooses among that price
        context's plain versions (:attr:`contexts`) instead of the default's (``pricing``);
        windowed versions are chosen by billing.rating before this rule."""
        plans = self.pricing if context == "default" else self.contexts.get(context, ())
        if not plans:
            return None
        if when is None:
            when = dt.datetime.now(dt.UTC)
        for plan in reversed(plans):
            if plan.covers(when):
                return plan
        return None


def rate_state(rate: Rate) -> str:
    """ "free", "unpublished", "not applicable" or the price as text."""
    if rate.state is PriceState.UNPUBLISHED:
        return "unpublished"
    if rate.state is PriceState.NOT_APPLICABLE:
        return "not applicable"
    if rate.price == 0:
        return "free"
    return f"{rate.price}"
