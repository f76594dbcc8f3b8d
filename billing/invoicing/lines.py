"""What one invoice line groups: shared by the Python lines (:mod:`.lifecycle`) and the
SQL-rated lines (:mod:`.lines_sql`)."""

from __future__ import annotations

from typing import Any


def line_key(adjustment: str | None, charge: Any) -> tuple[Any, ...]:
    """What one invoice line groups: the adjustment period (None for the invoice's own),
    then offering, charge, tier, unit, unit price and list price of a charge line, an
    invoice line or an SQL-rated line (they share these attribute names)."""
    return (
        adjustment,
        charge.offering,
        charge.charge,
        charge.tier,
        charge.unit,
        charge.unit_price,
        charge.list_price,
    )
