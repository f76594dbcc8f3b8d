"""The one place where money is rounded.

Charges keep exact, unrounded amounts. An invoice line's precise amount is rounded here, once,
to the currency's minor unit (cents for USD) with ROUND_HALF_UP: a tie goes away from zero,
so 0.005 becomes 0.01 and -0.005 becomes -0.01. An invoice total is the sum of its rounded
lines, never the rounding of a sum.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: ISO 4217 minor-unit exponents that differ from 2.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3}

ROUNDING_MODE = ROUND_HALF_UP


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` an invoice can show: Decimal('0.01') for USD."""
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency.upper(), 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to ``currency``'s minor unit (0.0149 → 0.01, 0.015 → 0.02)."""
    if not amount.is_finite():
        raise ValueError(f"cannot round {amount}: money must be finite")
    return amount.quantize(minor_unit(currency), rounding=ROUNDING_MODE)


def is_whole_minor_units(amount: Decimal, currency: str) -> bool:
    """True if ``amount`` needs no rounding in ``currency`` (1.25 USD yes, 1.255 USD no)."""
    return amount.is_finite() and amount == round_money(amount, currency)
