"""The invoice for a terminal: a header, aligned lines, totals."""

from __future__ import annotations

from ...money import decimal_text, price_text
from ..profiles import TAX_NOTES
from ..view import EventChargeView, InvoiceView

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
    if view.events is not None:
        out.append("")
        out.extend(events_text(view))
    return "\n".join(out)


def held_note(reason: str | None) -> str:
    """How an event that could not be priced is marked in an events listing."""
    return "not billed, under review" + (f": {reason}" if reason else "")


def event_time_text(item: EventChargeView) -> str:
    """An event's time as the invoice prints it: UTC, to the second."""
    if item.event_time is None:
        return ""
    return item.event_time.strftime("%Y-%m-%d %H:%M:%S")


def events_check(view: InvoiceView) -> str:
    """The sentence under an events listing: the billed events' exact charges add up to the
    exact usage total, which the lines round to the subtotal."""
    billed = [e for e in view.events or () if e.status == "billed"]
    total = view.events_total
    assert total is not None
    subtotal = view.subtotal if view.subtotal is not None else view.total
    noun = "event" if len(billed) == 1 else "events"
    if total == view.precise_total:
        return (
            f"The {len(billed):,} billed {noun} add up to {decimal_text(total)} {view.currency}, "
            f"the exact usage total; each line rounded half up to the cent gives the subtotal "
            f"{format(subtotal, 'f')}."
        )
    return (
        f"The {len(billed):,} billed {noun} add up to {decimal_text(total)} {view.currency}, "
        f"not the exact usage total {decimal_text(view.precise_total)}: the lines were rated "
        "again with the current catalog (--engine sql) and differ from the charges stored at "
        "ingest; run 'ratecard rate' to see where."
    )


def events_text(view: InvoiceView) -> list[str]:
    """``--with-events``: one row per event billed on the invoice with its exact charge, then
    the period's events held back (not billed, with the reason), then the check that the
    charges add up."""
    events = view.events or ()
    held = sum(1 for e in events if e.status != "billed")
    head = ("EVENT", "TIME (UTC)", "MODEL", "CHARGE")
    rows = []
    for item in events:
        model = item.model or item.offering or ""
        if item.period and item.period != view.period:
            model += f" (late, {item.period})"
        charge = decimal_text(item.amount) if item.amount is not None else held_note(item.reason)
        rows.append((item.event_id, event_time_text(item), model, charge))
    billed = len(events) - held
    out = [f"Events: {billed:,} billed, {held:,} not billed (under review)"]
    if not rows:
        out.append("(no usage events)")
        return out
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head[:3])]

    def fmt(cells: tuple[str, ...]) -> str:
        first = "  ".join(c.ljust(widths[i]) for i, c in enumerate(cells[:3]))
        return f"{first}  {cells[3]}".rstrip()

    out.append(fmt(head))
    out.extend(fmt(r) for r in rows)
    out.append(events_check(view))
    return out


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
