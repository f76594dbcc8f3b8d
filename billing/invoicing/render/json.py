"""The invoice as JSON: DESIGN.md §6, extended (nothing renamed)."""

from __future__ import annotations

from typing import Any

from ...money import decimal_text, price_text
from ..view import CreditNoteView, EventChargeView, InvoiceLineView, InvoiceView


def _money(value: Any) -> str | None:
    return None if value is None else decimal_text(value)


def _price(value: Any) -> str | None:
    """A unit or list price as published (0.090 stays 0.090)."""
    return None if value is None else price_text(value)


def _cents(value: Any) -> str:
    """A rounded amount keeps its minor-unit digits (0.00, 0.07): it is what the customer pays."""
    return format(value, "f")


def line_doc(line: InvoiceLineView) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "model": line.model,
        "charge": line.charge,
        "quantity": line.quantity,
        "unit_price": _price(line.unit_price),
        "precise_amount": _money(line.precise_amount),
        "amount": _cents(line.amount),
        "offering": line.offering,
        "unit": line.unit,
        "tier": line.tier,
        "list_price": _price(line.list_price),
        "adjustment_period": line.adjustment_period,
        "events": line.events,
    }
    if line.event_ids is not None:
        doc["event_ids"] = list(line.event_ids)
    return doc


def credit_note_doc(note: CreditNoteView) -> dict[str, Any]:
    return {
        "number": note.number,
        "document_number": note.document_number,
        "invoice": note.invoice_number,
        "customer": note.customer,
        "period": note.period,
        "currency": note.currency,
        "amount": _cents(note.amount),
        "reason": note.reason,
        "created_at": note.created_at.isoformat(),
    }


def event_doc(item: EventChargeView) -> dict[str, Any]:
    """One event of ``--with-events``: ``amount`` is its exact charge on the invoice (a
    decimal string), null for an event not billed (``status`` "unpriceable", with ``reason``)."""
    return {
        "id": item.event_id,
        "time": item.event_time.isoformat() if item.event_time else None,
        "model": item.model,
        "offering": item.offering,
        "period": item.period,
        "status": item.status,
        "amount": _money(item.amount),
        "reason": item.reason,
    }


def invoice_doc(view: InvoiceView) -> dict[str, Any]:
    doc = _invoice_doc(view)
    if view.events is not None:
        doc["event_charges"] = [event_doc(item) for item in view.events]
        doc["event_charges_total"] = _money(view.events_total)
    return doc


def _invoice_doc(view: InvoiceView) -> dict[str, Any]:
    return {
        "customer": view.customer,
        "period": view.period,
        "status": view.status,
        "number": view.number,
        "currency": view.currency,
        "lines": [line_doc(line) for line in view.lines],
        "total": _cents(view.total),
        "document_number": view.document_number,
        "issuer": view.issuer,
        "precise_total": _money(view.precise_total),
        "credit_notes": [credit_note_doc(n) for n in view.credit_notes],
        "credited": _cents(view.credited),
        "balance": _cents(view.balance),
        "unpriceable_events": view.unpriceable_events,
        "created_at": view.created_at.isoformat(),
        "finalized_at": view.finalized_at.isoformat() if view.finalized_at else None,
        "voided_at": view.voided_at.isoformat() if view.voided_at else None,
        "customer_name": view.customer_name,
        "customer_address": view.customer_address,
        "customer_email": view.customer_email,
        "customer_tax_id": view.customer_tax_id,
        "issuer_address": view.issuer_address,
        "issuer_email": view.issuer_email,
        "issuer_tax_id": view.issuer_tax_id,
        "subtotal": _cents(view.subtotal if view.subtotal is not None else view.total),
        "tax": None if view.tax is None else _cents(view.tax),
        "tax_rate": _price(view.tax_rate),
        "tax_treatment": view.tax_treatment,
        "payment_terms_days": view.terms_days,
        "due_date": view.due_date,
        "issued_before_period_end": view.issued_before_period_end,
    }
