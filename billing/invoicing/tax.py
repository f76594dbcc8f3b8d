"""The tax line of an invoice: computed once, on the rounded subtotal.

Rule: ``tax = round_money(subtotal × rate, currency)``, half up to the currency's minor unit
(:func:`billing.money.round_money`, the one rounding rule), and ``total = subtotal + tax``.
The subtotal is the sum of the rounded lines; the tax is never computed per line and never
on the exact (unrounded) amounts, so the printed subtotal × rate gives the printed tax.
Example: subtotal 8.09 USD at 0.20 → 1.618 → 1.62; total 9.71. The product is exact (the
:data:`~billing.money.EXACT` context raises rather than round it).

A customer without a tax treatment gets no tax line (``tax`` None, total = subtotal);
"reverse_charge" and "not_applicable" get a tax of 0.00 and a note saying why.
"""

from __future__ import annotations

from decimal import Decimal

from ..money import EXACT, round_money


def tax_amount(
    subtotal: Decimal, treatment: str | None, rate: Decimal | None, currency: str
) -> Decimal | None:
    """The tax on ``subtotal`` (rounded, in ``currency``), 0.00 for reverse charge and not
    applicable, None when the customer has no tax treatment."""
    if treatment is None:
        return None
    if treatment != "rate":
        return round_money(Decimal(0), currency)
    if rate is None:
        raise ValueError("tax treatment 'rate' without a rate")
    return round_money(EXACT.multiply(subtotal, rate), currency)


__all__ = ["tax_amount"]
