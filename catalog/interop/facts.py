"""A format-neutral view of what a catalog says about one offering's prices and limits,
for comparing ratecard cards with peers (:mod:`catalog.interop.crosscheck`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class TierFacts:
    """One tier: its upper bound in prompt tokens (a count equal to it stays in this tier;
    None: no bound) and its rates per 1M tokens by kind (input, output, cache_read, ...)."""

    upper: int | None
    rates: dict[str, Decimal]


@dataclass(frozen=True)
class PriceFacts:
    tiers: tuple[TierFacts, ...]
    context_window: int | None = None
    max_output_tokens: int | None = None
    #: per-call fees by tool name
    fees: dict[str, Decimal] = field(default_factory=dict)
    #: list prices per 1M tokens by tier index and kind, where a card shows one
    list_prices: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    #: the prices of each price context other than the default (``batch``, ``priority``,
    #: ``flex``, ...): tiers, fees and list prices, as above
    contexts: dict[str, PriceFacts] = field(default_factory=dict)
    #: False for a peer whose format has no price contexts (models.dev, OpenRouter): its
    #: lack of a context is then no disagreement
    holds_contexts: bool = True


__all__ = ["PriceFacts", "TierFacts"]
