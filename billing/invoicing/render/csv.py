"""The invoice as CSV: one row per line (kind "line" or "adjustment"), then the totals.

After the lines, by ``kind``: "subtotal" and "tax" when the customer has a tax treatment
(the tax row's ``charge`` is the treatment, ``unit_price`` the rate, ``note`` the
reverse-charge or not-applicable sentence); "total" (subtotal + tax); when there are credit
notes, one "credit_note" row each (``charge`` its number, ``date`` its day, a negative
``amount``, ``note`` its reason) and a "balance" row (total - credited); on a finalised
invoice, a "due" row (``date`` the due date, ``note`` the terms). ``amount`` is what the
customer reads; ``precise_amount`` the exact sum before rounding: on a line, its charges; on
the "subtotal" row (with a tax line) or else the "total" row, the exact usage total (the
total with tax has no exact counterpart: tax is computed on the rounded subtotal).

With ``--with-events`` the line rows carry their ``event_ids`` (space-separated), and after
the totals come one "event" row per event billed on the invoice (``event_ids`` its id,
``date`` its time, ``precise_amount`` its exact charge, ``adjustment_period`` its month when
it is late usage; ``amount`` empty, since events are not rounded one by one), one
"unpriceable_event" row per event of the period held back (``note`` the reason; no amount),
and an "events_total" row: ``precise_amount`` the exact sum of the event rows, which equals
the exact usage total (the "subtotal" or "total" row's ``precise_amount``).
"""

from __future__ import annotations

import csv
import io

from ...money import decimal_text, price_text
from ..profiles import TAX_NOTES
from ..view import InvoiceView
from .text import events_check, held_note

HEADER = [
    "kind",
    "position",
    "model",
    "offering",
    "charge",
    "tier",
    "adjustment_period",
    "quantity",
    "unit",
    "unit_price",
    "precise_amount",
    "amount",
    "currency",
    "event_ids",
    "date",
    "note",
]


def _summary(
    kind: str,
    amount: str,
    currency: str,
    *,
    charge: str = "",
    unit_price: str = "",
    precise: str = "",
    date: str = "",
    note: str = "",
) -> list[str]:
    blank = ["", "", ""]  # position, model, offering
    middle = ["", "", "", ""]  # tier, adjustment_period, quantity, unit
    return [kind, *blank, charge, *middle, unit_price, precise, amount, currency, "", date, note]


def invoice_csv(view: InvoiceView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    cur = view.currency
    for line in view.lines:
        writer.writerow(
            [
                "adjustment" if line.adjustment_period else "line",
                line.position,
                line.model,
                line.offering,
                line.charge,
                line.tier or "",
                line.adjustment_period or "",
                line.quantity,
                line.unit,
                price_text(line.unit_price),
                decimal_text(line.precise_amount),
                format(line.amount, "f"),
                cur,
                " ".join(line.event_ids) if line.event_ids is not None else "",
                "",
                "",
            ]
        )
    subtotal = view.subtotal if view.subtotal is not None else view.total
    # the exact usage total sits beside the amount it rounds to: the subtotal when there is a
    # tax line (the total then includes tax), else the total
    exact = decimal_text(view.precise_total)
    if view.tax is not None:
        writer.writerow(_summary("subtotal", format(subtotal, "f"), cur, precise=exact))
        writer.writerow(
            _summary(
                "tax",
                format(view.tax, "f"),
                cur,
                charge=view.tax_treatment or "",
                unit_price=price_text(view.tax_rate) if view.tax_rate is not None else "",
                note=TAX_NOTES.get(view.tax_treatment or "", ""),
            )
        )
    writer.writerow(
        _summary(
            "total", format(view.total, "f"), cur, precise="" if view.tax is not None else exact
        )
    )
    for note in view.credit_notes:
        writer.writerow(
            _summary(
                "credit_note",
                format(-note.amount, "f"),
                cur,
                charge=note.document_number,
                date=note.created_at.date().isoformat(),
                note=note.reason,
            )
        )
    if view.credit_notes:
        writer.writerow(_summary("balance", format(view.balance, "f"), cur))
    if view.due_date and view.status == "finalized":
        terms = f"net {view.terms_days} days"
        writer.writerow(
            _summary("due", format(view.balance, "f"), cur, date=view.due_date, note=terms)
        )
    for item in view.events or ():
        billed = item.status == "billed"
        late = item.period if item.period and item.period != view.period else ""
        writer.writerow(
            [
                "event" if billed else "unpriceable_event",
                "",
                item.model or "",
                item.offering or "",
                "",
                "",
                late,
                "",
                "",
                "",
                decimal_text(item.amount) if item.amount is not None else "",
                "",
                cur,
                item.event_id,
                item.event_time.isoformat() if item.event_time else "",
                "" if billed else held_note(item.reason),
            ]
        )
    if view.events is not None:
        total = view.events_total
        assert total is not None
        writer.writerow(
            _summary("events_total", "", cur, precise=decimal_text(total), note=events_check(view))
        )
    return out.getvalue()
