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
from typing import Any

from .rates import PriceState, Rate
from .units import format_tokens

TOKEN_KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")

#: The tier rule's count (a plan's ``tier_by``, the card's ``tiers.by``): the token kinds it
#: sums. billing.rating's hot path and billing.sqlrate's CASE are derived from this table.
TIER_COUNT_KINDS: Mapping[str, tuple[str, ...]] = {
    "input_tokens": ("input", "cache_read", "cache_write"),  # the prompt, cached included
    "uncached_input_tokens": ("input",),
    "total_tokens": TOKEN_KINDS,  # prompt and completion, reasoning included
}


def tier_count(by: str, counts: Mapping[str, int]) -> int:
    """The count a plan's tiers are selected by: the sum of ``counts`` (token kind → count,
    absent kinds 0) over ``TIER_COUNT_KINDS[by]``. ValueError for an unknown ``by``."""
    kinds = TIER_COUNT_KINDS.get(by)
    if kinds is None:
        raise ValueError(f"unknown tier count {by!r}")
    return sum(counts.get(kind, 0) for kind in kinds)


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """A per-1M-token rate with its state, and the rate it falls back to if any."""

    rate: Rate
    #: The token kind whose rate this is when the card did not give one ("input").
    inherited_from: str | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    index: int
    lower: int | None  # the previous tier's bound; None for the first tier
    upper: int | None  # None: no bound (an untiered plan)
    upper_inclusive: bool
    prices: Mapping[str, TokenPrice]

    @property
    def label(self) -> str:
        if self.upper is None:
            return "all"
        up = format_tokens(self.upper)
        if self.lower is None:
            return f"<={up}" if self.upper_inclusive else f"<{up}"
        return f"{format_tokens(self.lower)}-{up}"

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
    name: str
    label: str
    per_call: Rate
    aliases: tuple[str, ...] = ()
    included_in: str | None = None


@dataclass(frozen=True, slots=True)
class RequestCharge:
    name: str
    label: str
    per_request: Rate
    when: Mapping[str, Any]
    or_when_tools_used: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PricePlan:
    effective_from: dt.datetime | None
    effective_until: dt.datetime | None
    version: str
    currency: str
    tier_by: str
    tier_boundary: str
    tiered: bool
    tiers: tuple[Tier, ...]
    tools: tuple[ToolCharge, ...]
    request_fees: tuple[RequestCharge, ...]
    notes: tuple[str, ...] = ()
    #: tool_usage name (canonical or alias) → its charge row
    tool_lookup: Mapping[str, ToolCharge] = field(default_factory=dict)

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
    kind: str  # "requires" or "conflicts_with"
    when: Mapping[str, Any]
    then: Mapping[str, Any]
    message: str | None = None


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
    status: str
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
    base: str | None = None  # the base offering's id, for a variant
    variant: str | None = None  # the variant's name ("variant1")
    variants: tuple[str, ...] = ()  # full ids of this offering's variants

    @property
    def key(self) -> str:
        """Unique across providers: provider/id."""
        return f"{self.provider}/{self.id}"

    @property
    def callable(self) -> bool:
        return self.status in ("available", "deprecated")

    def plan_at(self, when: dt.datetime | None) -> PricePlan | None:
        """THE plan in effect at ``when`` (an aware datetime; None means now): the newest
        version that covers it (:meth:`PricePlan.covers`), or None when none does. billing
        prices a record without a timestamp by the same rule; pages and documents show the
        plan in effect now."""
        if not self.pricing:
            return None
        if when is None:
            when = dt.datetime.now(dt.UTC)
        for plan in reversed(self.pricing):
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
