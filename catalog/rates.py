"""A price and its state, with no dependency beyond the standard library (the run-time
catalog and the validator's start-up path import this, not pydantic)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class PriceState(StrEnum):
    """The three states a price can be in; they are never confused."""

    PUBLISHED = "published"  #: a number; 0 means free
    UNPUBLISHED = "unpublished"  #: no price known: pricing fails with a clear error
    NOT_APPLICABLE = "not_applicable"  #: the charge cannot occur on this offering


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate as authored: a current price with an optional list price, or a state."""

    state: PriceState
    price: Decimal | None = None
    list_price: Decimal | None = None

    @property
    def is_free(self) -> bool:
        return self.state is PriceState.PUBLISHED and self.price == 0
