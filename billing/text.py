"""Money as text: exact, no exponent; and the arithmetic of a line, for people."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: ratecard validate imports this module (start-up)
    from .charge import Line


def decimal_text(value: Decimal) -> str:
    """Exact decimal text with no exponent and no trailing zeros (0.000011070 → 0.00001107)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def price_text(value: Decimal) -> str:
    """A published price as it was written (0.090 stays 0.090), without an exponent."""
    return format(value, "f")


def explain_line(line: Line) -> str:
    """``123 tokens × $0.090 / 1M = $0.00001107``, with the tier, list price and note."""
    amount = decimal_text(line.amount)
    if line.unit == "1M tokens":
        noun = "token" if line.quantity == 1 else "tokens"
        text = f"{line.quantity:,} {noun} × ${price_text(line.unit_price)} / 1M = ${amount}"
    else:
        noun = line.unit if line.quantity == 1 else f"{line.unit}s"
        text = f"{line.quantity:,} {noun} × ${price_text(line.unit_price)} = ${amount}"
    extras = []
    if line.tier:
        extras.append(f"tier {line.tier}")
    if line.list_price is not None:
        extras.append(f"list price ${price_text(line.list_price)}")
    if line.note:
        extras.append(line.note)
    if extras:
        text += f"  ({'; '.join(extras)})"
    return text
