"""The invoice as one self-contained HTML page (inline CSS, prints on A4)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from ...money import decimal_text
from ...period import period_label
from ..profiles import TAX_NOTES
from ..view import InvoiceLineView, InvoiceView
from .text import event_time_text, events_check, unpriceable_note

_TOKEN_LABELS = {
    "input": "Input tokens",
    "cache_read": "Cached input tokens (read)",
    "cache_write": "Cache write tokens",
    "output": "Output tokens",
    "reasoning": "Reasoning tokens",
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def charge_label(charge: str) -> str:
    if charge in _TOKEN_LABELS:
        return _TOKEN_LABELS[charge]
    kind, _, name = charge.partition(":")
    pretty = name.replace("_", " ").capitalize()
    if kind == "tool":
        return f"{pretty} (tool calls)"
    if kind == "request":
        return f"{pretty} (per request)"
    return charge


def _money(value: Decimal, currency: str) -> str:
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,f}"
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def _rate(line: InvoiceLineView, currency: str) -> str:
    price = _money(line.unit_price, currency)
    per = line.unit
    out = f"{price} / {escape(per)}"
    if line.list_price is not None and line.list_price != line.unit_price:
        out += f'<div class="muted">list {_money(line.list_price, currency)}</div>'
    return out


def _quantity(line: InvoiceLineView) -> str:
    noun = {"call": "calls", "request": "requests"}.get(line.unit, "tokens")
    return f"{line.quantity:,} {noun}"


def _row(line: InvoiceLineView, currency: str) -> str:
    detail = [escape(line.offering)]
    if line.tier and line.tier != "all":
        detail.append(f"tier {escape(line.tier)}")
    detail.append(f"{line.events:,} event{'s' if line.events != 1 else ''}")
    ids = ""
    if line.event_ids:
        shown = ", ".join(escape(i) for i in line.event_ids[:12])
        more = len(line.event_ids) - 12
        ids = f'<div class="ids">events: {shown}{f" and {more} more" if more > 0 else ""}</div>'
    return (
        "<tr>"
        f'<td><div class="what">{escape(line.model)} · {escape(charge_label(line.charge))}</div>'
        f'<div class="muted">{" · ".join(detail)}</div>{ids}</td>'
        f'<td class="num">{_quantity(line)}</td>'
        f'<td class="num">{_rate(line, currency)}</td>'
        f'<td class="num muted">{escape(decimal_text(line.precise_amount))}</td>'
        f'<td class="num amount">{_money(line.amount, currency)}</td>'
        "</tr>"
    )


def _section(title: str, lines: list[InvoiceLineView], currency: str) -> str:
    if not lines:
        return ""
    rows = "".join(_row(line, currency) for line in lines)
    return f'<tr class="section"><td colspan="5">{escape(title)}</td></tr>{rows}'


_CSS = """
@page { size: A4; margin: 18mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1f2933;
       font-size: 13px; margin: 0; background: #f4f5f7; }
.page { max-width: 900px; margin: 24px auto; background: #fff; padding: 44px 52px;
        border: 1px solid #e1e4e8; position: relative; }
header { display: flex; justify-content: space-between; align-items: flex-start;
         border-bottom: 3px solid #1f3a5f; padding-bottom: 18px; }
.issuer .name { font-size: 20px; font-weight: 700; color: #1f3a5f; }
.issuer .addr { white-space: pre-line; color: #52606d; margin-top: 4px; }
.doc { text-align: right; }
.doc h1 { margin: 0; font-size: 28px; letter-spacing: 3px; color: #1f3a5f; }
.doc table { margin-left: auto; margin-top: 8px; border-collapse: collapse; }
.doc td { padding: 2px 0 2px 14px; }
.doc td:first-child { color: #52606d; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 10px; font-size: 11px;
         font-weight: 700; letter-spacing: 1px; text-transform: uppercase; }
.badge.draft { background: #fff3c4; color: #8d6b00; }
.badge.finalized { background: #d9f2e3; color: #1b6b3a; }
.badge.void { background: #fde2e1; color: #a61b1b; }
.parties { display: flex; gap: 48px; margin: 24px 0; }
.parties h2 { font-size: 11px; text-transform: uppercase; letter-spacing: 1px;
              color: #7b8794; margin: 0 0 4px; }
.parties .value { font-size: 15px; font-weight: 600; }
table.lines { width: 100%; border-collapse: collapse; margin-top: 8px; }
table.lines th { text-align: left; font-size: 11px; text-transform: uppercase;
                 letter-spacing: 1px; color: #52606d; border-bottom: 2px solid #cbd2d9;
                 padding: 8px 6px; }
table.lines td { padding: 9px 6px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
table.lines tr.section td { background: #f5f7fa; font-weight: 700; color: #1f3a5f;
                            font-size: 12px; padding: 6px; }
th.num, td.num { text-align: right; white-space: nowrap; }
.what { font-weight: 600; }
.muted { color: #7b8794; font-size: 11.5px; }
.ids { color: #7b8794; font-size: 10.5px; margin-top: 2px; overflow-wrap: anywhere; }
td.amount { font-weight: 600; }
.totals { margin-left: auto; margin-top: 18px; border-collapse: collapse; min-width: 320px; }
.totals td { padding: 6px 6px; }
.totals td.num { text-align: right; }
.totals tr.grand td { border-top: 2px solid #1f3a5f; font-size: 16px; font-weight: 700;
                      color: #1f3a5f; padding-top: 10px; }
.notes { margin-top: 32px; padding-top: 14px; border-top: 1px solid #e4e7eb; color: #52606d;
         font-size: 11.5px; line-height: 1.5; }
.stamp { position: absolute; top: 250px; right: 70px; transform: rotate(-14deg);
         border: 4px solid #c53030; color: #c53030; font-size: 40px; font-weight: 800;
         padding: 4px 18px; letter-spacing: 6px; opacity: 0.55; }
.empty { color: #7b8794; text-align: center; padding: 24px; }
.parties .addr { color: #52606d; margin-top: 2px; }
.events { margin-top: 28px; }
.events h2 { font-size: 11px; text-transform: uppercase; letter-spacing: 1px; color: #7b8794;
             margin: 0 0 4px; }
table.events { width: 100%; border-collapse: collapse; font-size: 11.5px; }
table.events th { text-align: left; font-size: 10.5px; color: #52606d; font-weight: 600;
                  border-bottom: 1px solid #cbd2d9; padding: 4px 6px; }
table.events td { padding: 2px 6px; border-bottom: 1px solid #f0f2f4; overflow-wrap: anywhere; }
table.events th.num { text-align: right; }
table.events tr.held td { color: #a15c00; }
@media print {
  body { background: #fff; font-size: 10.5px; }
  .page { max-width: none; margin: 0; padding: 0; border: 0; }
  header { padding-bottom: 10px; }
  .issuer .name { font-size: 17px; }
  .doc h1 { font-size: 22px; }
  .parties { margin: 12px 0; }
  table.lines td { padding: 3px 5px; }
  table.lines th { padding: 5px; }
  table.lines th:first-child { width: 42%; }
  .muted { font-size: 9.5px; }
  .totals { margin-top: 10px; }
  .totals td { padding: 3px 6px; }
  .notes { margin-top: 14px; padding-top: 8px; font-size: 9.5px; }
  .stamp { top: 180px; }
  table.events { font-size: 9px; }
  table.events td { padding: 1px 5px; }
  table.lines tr { break-inside: avoid; }
  .totals, .notes { break-inside: avoid; }
  table.events tr { break-inside: avoid; }
}
"""


def invoice_html(view: InvoiceView) -> str:
    cur = view.currency
    regular = [line for line in view.lines if not line.adjustment_period]
    adjustments = [line for line in view.lines if line.adjustment_period]
    sections = _section("Usage for " + period_label(view.period), regular, cur)
    for period in sorted(
        {line.adjustment_period for line in adjustments if line.adjustment_period}
    ):
        late = [line for line in adjustments if line.adjustment_period == period]
        sections += _section(
            f"Adjustment: late usage for {period_label(period)} (invoice already issued)",
            late,
            cur,
        )
    if not view.lines:
        sections = '<tr><td colspan="5" class="empty">No billable usage in this period.</td></tr>'
    number = escape(view.document_number) if view.document_number else "not yet issued"
    issued = view.finalized_at.date().isoformat() if view.finalized_at else "—"
    meta = [
        ("Invoice no.", number),
        ("Status", f'<span class="badge {escape(view.status)}">{escape(view.status)}</span>'),
        ("Issue date", issued),
    ]
    if view.due_date and view.status == "finalized":
        meta.append(("Due date", escape(view.due_date)))
        meta.append(("Terms", f"net {view.terms_days} days"))
    meta += [("Period", escape(period_label(view.period))), ("Currency", escape(cur))]
    meta_rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in meta)
    totals = [
        (
            "Exact usage total (before rounding)",
            escape(decimal_text(view.precise_total)) + f" {cur}",
        ),
    ]
    subtotal = view.subtotal if view.subtotal is not None else view.total
    if view.tax is not None:
        totals.append(("Subtotal", _money(subtotal, cur)))
        if view.tax_treatment == "rate" and view.tax_rate is not None:
            rate = decimal_text(view.tax_rate * 100)
            totals.append((f"Tax {rate}% of {_money(subtotal, cur)}", _money(view.tax, cur)))
        else:
            totals.append(
                (escape(TAX_NOTES.get(view.tax_treatment or "", "Tax")), _money(view.tax, cur))
            )
        totals.append(("Total", _money(view.total, cur)))
    else:
        totals.append(("Total of rounded lines", _money(view.total, cur)))
    for note in view.credit_notes:
        totals.append(
            (
                f"Credit note {escape(note.document_number)}: {escape(note.reason)}",
                _money(-note.amount, cur),
            )
        )
    total_rows = "".join(
        f'<tr><td class="muted">{k}</td><td class="num">{v}</td></tr>' for k, v in totals
    )
    due = view.balance
    label = "Amount due" if view.status == "finalized" else "Total (draft)"
    if view.status == "void":
        label = "Voided: nothing is due"
        due = Decimal(0)
    total_rows += f'<tr class="grand"><td>{label}</td><td class="num">{_money(due, cur)}</td></tr>'
    notes = [
        "Each line's amount is its exact amount rounded once to the cent, half up; the "
        "subtotal is the sum of the rounded lines"
        + ("; tax is computed once on the subtotal, rounded half up." if view.tax else "."),
        "Usage is grouped by model, charge and unit price. Periods are calendar months in UTC.",
    ]
    if view.status == "finalized" and view.due_date:
        notes.insert(0, f"Payment is due by {view.due_date} ({view.terms_days} days from issue).")
    if view.tax_treatment in TAX_NOTES:
        notes.append(TAX_NOTES[view.tax_treatment or ""])
    if view.issued_before_period_end:
        notes.append(
            f"This invoice was issued before the end of {period_label(view.period)}; usage "
            "after its issue is billed on a later invoice."
        )
    if view.unpriceable_events:
        notes.append(unpriceable_note(view.unpriceable_events))
    if view.status == "draft":
        notes.append(
            "This is a draft: it changes as usage arrives and is not a demand for payment."
        )
    stamp = ""
    if view.status == "void":
        stamp = '<div class="stamp">VOID</div>'
    elif view.status == "draft":
        stamp = '<div class="stamp" style="border-color:#b7950b;color:#b7950b">DRAFT</div>'
    customer = escape(view.customer_name or view.customer)
    extra = [escape(line) for line in (view.customer_address or "").splitlines() if line.strip()]
    if view.customer_email:
        extra.append(escape(view.customer_email))
    if view.customer_tax_id:
        extra.append("Tax id " + escape(view.customer_tax_id))
    bill_to = "".join(f'<div class="addr">{line}</div>' for line in extra)
    issuer_extra = ""
    if view.issuer_email:
        issuer_extra += f'<div class="addr">{escape(view.issuer_email)}</div>'
    if view.issuer_tax_id:
        issuer_extra += f'<div class="addr">Tax id {escape(view.issuer_tax_id)}</div>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Invoice {number} · {escape(view.customer)} · {escape(view.period)}</title>
<style>{_CSS}</style></head>
<body><div class="page">{stamp}
<header>
  <div class="issuer"><div class="name">{escape(view.issuer)}</div>
    <div class="addr">{escape(view.issuer_address)}</div>{issuer_extra}</div>
  <div class="doc"><h1>INVOICE</h1><table>{meta_rows}</table></div>
</header>
<div class="parties">
  <div><h2>Bill to</h2><div class="value">{customer}</div>{bill_to}
    <div class="muted">customer id {escape(view.customer)}</div></div>
  <div><h2>Service period</h2><div class="value">{escape(period_label(view.period))}</div>
    <div class="muted">{escape(view.period)}-01 to end of month, UTC</div></div>
</div>
<table class="lines">
  <thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Unit price</th>
  <th class="num">Exact amount</th><th class="num">Amount</th></tr></thead>
  <tbody>{sections}</tbody>
</table>
<table class="totals">{total_rows}</table>
<div class="notes">{"<br>".join(escape(n) for n in notes)}</div>{_events(view)}
</div></body></html>
"""


def _events(view: InvoiceView) -> str:
    """``--with-events``: every event billed on the invoice with its exact charge, the
    period's events held back (marked, no amount), and the sentence that they add up."""
    if view.events is None:
        return ""
    rows = []
    for item in view.events:
        model = escape(item.model or item.offering or "")
        if item.period and item.period != view.period:
            model += f' <span class="muted">(late, {escape(item.period)})</span>'
        if item.amount is not None:
            cls, charge = "", escape(decimal_text(item.amount))
        else:
            cls, charge = ' class="held"', "not billed, under review"
        rows.append(
            f"<tr{cls}><td>{escape(item.event_id)}</td><td>{event_time_text(item)}</td>"
            f'<td>{model}</td><td class="num">{charge}</td></tr>'
        )
    body = "".join(rows) or '<tr><td colspan="4" class="empty">No usage events.</td></tr>'
    # the sentence comes first: after a long table it would be alone on a last page
    check = f'<p class="muted">{escape(events_check(view))}</p>' if view.events else ""
    return (
        f'<section class="events"><h2>Usage events on this invoice</h2>{check}'
        '<table class="events"><thead><tr><th>Event</th><th>Time (UTC)</th><th>Model</th>'
        f'<th class="num">Exact charge ({escape(view.currency)})</th></tr></thead>'
        f"<tbody>{body}</tbody></table></section>"
    )
