"""Money: the exact context, the one rounding rule, and money as text.

Every module that adds, multiplies or rounds money takes it from here (README "Money").

- :data:`EXACT` is the only context amounts are computed in: 60 digits, and it traps
  ``Inexact`` and ``Rounded``, so a sum or product is exact or raises. Counts are at most 10¹⁵
  and prices at most 15 digits, so a product never needs more than 60 digits.
- Charges keep exact, unrounded amounts. An invoice line's precise amount is rounded here,
  once, by :func:`round_money` to the currency's minor unit (cents for USD) with
  ``ROUND_HALF_UP``: a tie goes away from zero, so 0.005 becomes 0.01 and -0.005 becomes
  -0.01. An invoice subtotal is the sum of its rounded lines, never the rounding of a sum;
  its tax is the subtotal × rate rounded once the same way (billing.invoicing.tax), and its
  total is subtotal + tax.
- Money text is exact and has no exponent: :func:`decimal_text` for amounts,
  :func:`price_text` for a published price as it was written.

This module imports only :mod:`decimal`: ``ratecard validate`` imports it (start-up time).
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)

#: The only context amounts are computed in: exact or an exception.
EXACT = Context(
    prec=60,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[Inexact, Rounded, InvalidOperation, DivisionByZero, Overflow, Underflow, Subnormal],
)

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
