"""The invoice for a terminal: a header, aligned lines, totals."""

from __future__ import annotations

from ...money import decimal_text, price_text
from ..profiles import TAX_NOTES
from ..view import InvoiceView

_HEAD = ("MODEL", "CHARGE", "TIER", "QUANTITY", "UNIT PRICE", "PRECISE", "AMOUNT")
_RIGHT = {3, 4, 5, 6}


def invoice_text(view: InvoiceView) -> str:
    number = view.document_number or "(draft: no number yet)"
    out = [f"Invoice {number}  [{view.status}]", f"Issuer:   {view.issuer}"]
    out.extend(f"          {part}" for part in _address_lines(view.issuer_address))
    if view.issuer_tax_id:
        out.append(f"          Tax id: {view.issuer_tax_id}")
    who = f"{view.customer_name} ({view.customer})" if view.customer_name else view.customer
    out.append(f"Customer: {who}")
    out.extend(f"          {part}" for part in _address_lines(view.customer_address))
    if view.customer_tax_id:
        out.append(f"          Tax id: {view.customer_tax_id}")
    out.append(f"Period:   {view.period} (UTC)   Currency: {view.currency}")
    if view.finalized_at is not None:
        issued = view.finalized_at.date().isoformat()
        out.append(f"Issued:   {issued}   Due: {view.due_date} (net {view.terms_days} days)")
    if view.issued_before_period_end:
        out.append(f"Issued before the end of its period ({view.period}): later usage is billed")
        out.append("          on a later invoice.")
    out.append("")
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
    subtotal = view.subtotal if view.subtotal is not None else view.total
    if view.tax is not None:
        out.append(f"SUBTOTAL {view.currency} {format(subtotal, 'f')}".rjust(width))
        out.append(f"{_tax_label(view)} {view.currency} {format(view.tax, 'f')}".rjust(width))
    out.append(f"TOTAL {view.currency} {format(view.total, 'f')}".rjust(width))
    out.append(
        f"(exact usage {decimal_text(view.precise_total)}; each line rounded half up to the cent)"
    )
    if view.tax_treatment in TAX_NOTES:
        out.append(TAX_NOTES[view.tax_treatment])
    for note in view.credit_notes:
        out.append(
            f"Credit note {note.document_number}: -{format(note.amount, 'f')} ({note.reason})"
        )
    if view.credit_notes:
        out.append(f"BALANCE {view.currency} {format(view.balance, 'f')}".rjust(width))
    if view.unpriceable_events:
        out.append(unpriceable_note(view.unpriceable_events))
    return "\n".join(out)


def _address_lines(address: str | None) -> list[str]:
    return [part.strip() for part in (address or "").splitlines() if part.strip()]


def _tax_label(view: InvoiceView) -> str:
    if view.tax_treatment == "rate" and view.tax_rate is not None:
        return f"TAX {decimal_text(view.tax_rate * 100)}%"
    return "TAX"


def unpriceable_note(count: int) -> str:
    """The customer-facing sentence for usage held back: "2 usage events are under review
    and not billed here"."""
    if count == 1:
        return "1 usage event is under review and not billed here."
    return f"{count:,} usage events are under review and not billed here."
