"""The invoice for a terminal: a header, aligned lines, totals."""

from __future__ import annotations

from ...money import decimal_text, price_text
from ..view import InvoiceView

_HEAD = ("MODEL", "CHARGE", "TIER", "QUANTITY", "UNIT PRICE", "PRECISE", "AMOUNT")
_RIGHT = {3, 4, 5, 6}


def invoice_text(view: InvoiceView) -> str:
    number = view.document_number or "(draft: no number yet)"
    out = [
        f"Invoice {number}  [{view.status}]",
        f"Issuer:   {view.issuer}",
        f"Customer: {view.customer}",
        f"Period:   {view.period} (UTC)   Currency: {view.currency}",
        "",
    ]
    rows = [
        (
            line.model,
            line.charge + (f" (late, {line.adjustment_period})" if line.adjustment_period else ""),
            line.tier or "",
            f"{line.quantity:,}",
            f"{price_text(line.unit_price)}/{line.unit}",
            decimal_text(line.precise_amount),
            format(line.amount, "f"),
        )
        for line in view.lines
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(_HEAD)
    ]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in _RIGHT else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    out.append(fmt(_HEAD))
    out.extend(fmt(r) for r in rows)
    if not rows:
        out.append("(no billable usage in this period)")
    width = sum(widths) + 2 * (len(widths) - 1)
    out.append("-" * width)
    out.append(f"TOTAL {view.currency} {format(view.total, 'f')}".rjust(width))
    out.append(
        f"(exact usage {decimal_text(view.precise_total)}; each line rounded half up to the cent)"
    )
    for note in view.credit_notes:
        out.append(
            f"Credit note {note.document_number}: -{format(note.amount, 'f')} ({note.reason})"
        )
    if view.credit_notes:
        out.append(f"BALANCE {view.currency} {format(view.balance, 'f')}".rjust(width))
    if view.unpriceable_events:
        out.append(
            f"{view.unpriceable_events} unpriceable event(s) in {view.period} are not billed."
        )
    return "\n".join(out)
