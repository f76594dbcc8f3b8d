"""A priced usage record: line items whose amounts are exact and a total that is their sum."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


# Not slots: billing.rating clones a per-tier template line by copying its __dict__, which is
# several times faster than a frozen dataclass __init__ and keeps full line items cheap.
@dataclass(frozen=True)
class Line:
    charge: str  #: input, cache_read, cache_write, output, reasoning, tool:<row>, request:<fee>
    quantity: int
    unit: str  #: "1M tokens", "call" or "request"
    unit_price: Decimal
    amount: Decimal  #: exact and unrounded
    list_price: Decimal | None = None
    tier: str | None = None  #: the tier label ("<=128K"); None for untiered plans
    price_version: str = ""
    note: str | None = None  #: why a rate applies ("cached input at the input rate")


@dataclass(frozen=True)  # not slots, for the same reason as Line
class Charge:
    offering: str  #: the offering's id as resolved (qwen3-5-flash:variant1)
    provider: str
    currency: str
    lines: tuple[Line, ...]
    total: Decimal  #: exactly sum(line.amount)
    price_version: str = ""
    tier: str | None = None
