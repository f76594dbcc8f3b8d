"""Invoice lines: which charges an invoice bills (late usage), what one line groups (shared by
the Python lines of :mod:`.lifecycle` and the SQL-rated lines of :mod:`.lines_sql`), and the
order lines are shown in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..ledger.tables import Invoice

STANDARD = "standard"
_LAST = 1 << 62  #: the rank of a tier label that shows no bound ('all'): above every count
_CHARGE_ORDER = {"input": 0, "cache_read": 1, "cache_write": 2, "output": 3, "reasoning": 4}


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


def _late_periods(session: Session, invoice: Invoice) -> list[str]:
    """Earlier periods whose invoice is final and whose late usage this draft should carry."""
    rows = session.execute(
        select(Invoice.period, Invoice.status).where(
            Invoice.customer_id == invoice.customer_id,
            Invoice.kind == STANDARD,
            Invoice.status != "void",
        )
    ).all()
    drafts = sorted(p for p, s in rows if s == "draft")
    late = []
    for period, status in rows:
        if status != "finalized" or period >= invoice.period:
            continue
        # the next open invoice after `period` is the earliest draft of a later period
        nxt = next((d for d in drafts if d > period), None)
        if nxt == invoice.period:
            late.append(period)
    return late


def _tier_rank(tier: str | None) -> int:
    """Order tier labels by their lower bound: '<=128K' < '128K-256K' < '256K-1M' < '>1M'
    (an open top tier), and '<1,000' < '1,000-2,000' < '2,000-4,000'
    (catalog.model.Tier.label). K and M are read as thousands, as tier bounds are (issue
    10); the rank only orders the labels. 'all', a tier with no upper bound (the top of its
    plan), ranks last."""
    if not tier or tier.startswith("<"):
        return -1
    head = tier.lstrip(">=").split("-", 1)[0].rstrip("+").replace(",", "")
    scale = {"K": 1000, "M": 1000_000}.get(head[-1:], 1)
    digits = head.rstrip("KM")
    return int(digits) * scale if digits.isdigit() else _LAST


def _line_sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    adjustment, offering, charge, tier, unit, unit_price, _list = key
    kind = _CHARGE_ORDER.get(charge, 5 if charge.startswith("tool:") else 6)
    return (adjustment or "", offering, kind, charge, _tier_rank(tier), unit, unit_price)
