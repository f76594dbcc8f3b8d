"""The arithmetic of a line, for people (money text itself is :mod:`billing.money`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .money import decimal_text, price_text

if TYPE_CHECKING:  # not at run time: ratecard validate imports this module (start-up)
    from .charge import Line


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


__all__ = ["decimal_text", "explain_line", "price_text"]
