"""What a rendering of an invoice reads: the view types and how they are assembled from the
stored invoice (and, on demand, the events behind each line)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..ledger.charge_lines import stored_lines
from ..ledger.tables import (
    ChargeRow,
    CreditNote,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceLineCharge,
    Issuer,
    UsageEvent,
)
from ..money import round_money
from ..period import period_end
from .lines import line_key


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    position: int
    model: str
    offering: str
    charge: str
    tier: str | None
    unit: str
    quantity: int
    unit_price: Decimal
    list_price: Decimal | None
    precise_amount: Decimal
    amount: Decimal
    adjustment_period: str | None
    events: int
    event_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class EventChargeView:
    """One usage event behind an invoice (``--with-events``): its exact charge on the invoice,
    or, for an event of the invoice's period that could not be priced, no amount and the
    reason it is held back."""

    event_id: str
    event_time: datetime | None
    model: str | None  #: the model the record names
    offering: str | None  #: provider/id it resolved to (None when it did not resolve)
    period: str | None  #: the event's month; differs from the invoice's for late usage
    #: "billed" (its whole charge is on this invoice) or "unpriceable" (not billed, under review)
    status: str
    #: the exact, unrounded charge (the sum of its charge lines); None when not billed
    amount: Decimal | None
    reason: str | None = None  #: why an unpriceable event could not be priced


@dataclass(frozen=True, slots=True)
class CreditNoteView:
    document_number: str
    number: int
    invoice_number: str | None
    customer: str
    period: str
    amount: Decimal
    currency: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """Everything a rendering needs, read in one transaction."""

    issuer: str
    issuer_address: str
    customer: str
    customer_name: str | None
    period: str
    kind: str
    status: str
    number: int | None
    document_number: str | None
    currency: str
    lines: tuple[InvoiceLineView, ...]
    total: Decimal
    precise_total: Decimal
    created_at: datetime
    finalized_at: datetime | None
    voided_at: datetime | None
    credit_notes: tuple[CreditNoteView, ...]
    unpriceable_events: int
    #: how this view's lines were computed: "python", "sql" or "duckdb" when :func:`invoice`
    #: regenerated a draft just now, None when the lines were read as stored (a final invoice).
    #: It says how the view was made, not what the invoice says, so it takes no part in ==.
    rating: str | None = field(default=None, compare=False)
    #: the sum of the rounded lines (total = subtotal + tax)
    subtotal: Decimal | None = None
    #: the tax line, rounded once on the subtotal; None: the customer has no tax treatment
    tax: Decimal | None = None
    tax_rate: Decimal | None = None
    #: "rate", "reverse_charge", "not_applicable" or None
    tax_treatment: str | None = None
    terms_days: int | None = None
    due_date: str | None = None  #: YYYY-MM-DD: issue date + terms_days, once finalised
    customer_address: str | None = None
    customer_email: str | None = None
    customer_tax_id: str | None = None
    issuer_email: str | None = None
    issuer_tax_id: str | None = None
    #: the first instant after the period (UTC)
    period_ends_at: datetime | None = None
    #: with ``with_events``: every event billed on the invoice (by time, then id), then the
    #: period's unpriceable events; the billed amounts sum to ``precise_total``. None without.
    events: tuple[EventChargeView, ...] | None = None

    @property
    def events_total(self) -> Decimal | None:
        """The exact sum of the billed events' charges (None without ``with_events``); it
        equals ``precise_total``, the sum of the lines before rounding."""
        if self.events is None:
            return None
        return sum((e.amount for e in self.events if e.amount is not None), Decimal(0))

    @property
    def issued_before_period_end(self) -> bool:
        """Finalised (with --force) before its period ended: it may not bill the whole month."""
        return (
            self.finalized_at is not None
            and self.period_ends_at is not None
            and self.finalized_at < self.period_ends_at
        )

    @property
    def credited(self) -> Decimal:
        # starts at 0.00 (the currency's minor unit): no credit shows as 0.00, not 0
        zero = round_money(Decimal(0), self.currency)
        return sum((note.amount for note in self.credit_notes), zero)

    @property
    def balance(self) -> Decimal:
        return self.total - self.credited


def _minor(amount: Decimal, currency: str) -> Decimal:
    """A stored rounded amount with the currency's minor-unit digits (0 -> 0.00 in USD).

    The database may hand back ``Decimal('0')`` for a stored 0.00; the value is the same, but
    an invoice shows what the customer pays with its cents. The amount is already whole minor
    units (rounded before it was stored), so this never changes its value."""
    return round_money(amount, currency)


def _view(session: Session, invoice: Invoice, *, with_events: bool) -> InvoiceView:
    who = session.get(Issuer, invoice.issuer_id)
    customer = session.get(Customer, invoice.customer_id)
    assert who is not None and customer is not None
    lines = session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.position)
    ).all()
    events: dict[int, list[str]] = defaultdict(list)
    if with_events:
        for line_id, event_id in session.execute(
            select(InvoiceLineCharge.invoice_line_id, UsageEvent.event_id)
            .join(UsageEvent, UsageEvent.id == InvoiceLineCharge.charge_id)
            .where(InvoiceLineCharge.invoice_id == invoice.id)
        ):
            events[line_id].append(event_id)
        if not events and lines:
            events = _events_on_demand(session, invoice, lines)
    notes = session.scalars(
        select(CreditNote).where(CreditNote.invoice_id == invoice.id).order_by(CreditNote.number)
    ).all()
    unpriceable = session.scalar(
        select(func.count())
        .select_from(UsageEvent)
        .where(
            UsageEvent.customer_id == invoice.customer_id,
            UsageEvent.period == invoice.period,
            UsageEvent.status == "unpriceable",
        )
    )
    doc_number = f"{who.invoice_prefix}{invoice.number:06d}" if invoice.number else None
    # an issued invoice shows the parties as they were when it was issued
    parties = invoice.parties or {}
    issuer_as = parties.get("issuer") or {
        "name": who.name,
        "address": who.address,
        "email": who.email,
        "tax_id": who.tax_id,
    }
    customer_as = parties.get("customer") or {
        "name": customer.name,
        "address": customer.address,
        "email": customer.email,
        "tax_id": customer.tax_id,
    }
    return InvoiceView(
        issuer=issuer_as["name"],
        issuer_address=issuer_as["address"] or "",
        customer=customer.code,
        customer_name=customer_as["name"],
        period=invoice.period,
        kind=invoice.kind,
        status=invoice.status,
        number=invoice.number,
        document_number=doc_number,
        currency=invoice.currency,
        lines=tuple(
            InvoiceLineView(
                position=line.position,
                model=line.model,
                offering=line.offering,
                charge=line.charge,
                tier=line.tier,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                list_price=line.list_price,
                precise_amount=line.precise_amount,
                amount=_minor(line.amount, invoice.currency),
                adjustment_period=line.adjustment_period,
                events=line.events,
                event_ids=tuple(sorted(events[line.id])) if with_events else None,
            )
            for line in lines
        ),
        total=_minor(invoice.total, invoice.currency),
        precise_total=invoice.precise_total,
        created_at=invoice.created_at,
        finalized_at=invoice.finalized_at,
        voided_at=invoice.voided_at,
        credit_notes=tuple(
            CreditNoteView(
                document_number=f"{who.credit_note_prefix}{note.number:06d}",
                number=note.number,
                invoice_number=doc_number,
                customer=customer.code,
                period=invoice.period,
                amount=_minor(note.amount, invoice.currency),
                currency=invoice.currency,
                reason=note.reason,
                created_at=note.created_at,
            )
            for note in notes
        ),
        unpriceable_events=int(unpriceable or 0),
        subtotal=_minor(
            invoice.subtotal if invoice.subtotal is not None else invoice.total, invoice.currency
        ),
        tax=None if invoice.tax is None else _minor(invoice.tax, invoice.currency),
        tax_rate=invoice.tax_rate,
        tax_treatment=invoice.tax_treatment,
        terms_days=invoice.terms_days,
        due_date=invoice.due_date,
        customer_address=customer_as["address"],
        customer_email=customer_as["email"],
        customer_tax_id=customer_as["tax_id"],
        issuer_email=issuer_as["email"],
        issuer_tax_id=issuer_as["tax_id"],
        period_ends_at=period_end(invoice.period),
        events=_event_charges(session, invoice) if with_events else None,
    )


def _event_charges(session: Session, invoice: Invoice) -> tuple[EventChargeView, ...]:
    """The events behind ``invoice`` with their exact charges, then the unpriceable events of
    its period. A void invoice has released its charges; its events are those its lines were
    linked to (an invoice rated in SQL stores no links, so a void one lists none)."""
    billed_pks = select(ChargeRow.event_pk).where(ChargeRow.invoice_id == invoice.id)
    if invoice.status == "void":
        billed_pks = select(InvoiceLineCharge.charge_id).where(
            InvoiceLineCharge.invoice_id == invoice.id
        )
    billed = session.execute(
        select(
            UsageEvent.event_id,
            UsageEvent.event_time,
            UsageEvent.model,
            ChargeRow.offering,
            ChargeRow.period,
            ChargeRow.total,
        )
        .join(ChargeRow, ChargeRow.event_pk == UsageEvent.id)
        .where(UsageEvent.id.in_(billed_pks))
        .order_by(UsageEvent.event_time, UsageEvent.event_id)
    )
    out = [
        EventChargeView(
            event_id=row.event_id,
            event_time=row.event_time,
            model=row.model,
            offering=row.offering,
            period=row.period,
            status="billed",
            amount=row.total,
        )
        for row in billed
    ]
    held = session.execute(
        select(
            UsageEvent.event_id,
            UsageEvent.event_time,
            UsageEvent.model,
            UsageEvent.offering,
            UsageEvent.period,
            UsageEvent.error,
        )
        .where(
            UsageEvent.customer_id == invoice.customer_id,
            UsageEvent.period == invoice.period,
            UsageEvent.status == "unpriceable",
        )
        .order_by(UsageEvent.event_time, UsageEvent.event_id)
    )
    out.extend(
        EventChargeView(
            event_id=row.event_id,
            event_time=row.event_time,
            model=row.model,
            offering=row.offering,
            period=row.period,
            status="unpriceable",
            amount=None,
            reason=row.error,
        )
        for row in held
    )
    return tuple(out)


def _events_on_demand(
    session: Session, invoice: Invoice, lines: Sequence[InvoiceLine]
) -> dict[int, list[str]]:
    """The event ids behind each line of an invoice built in SQL (which stores no links):
    the stored charge lines of the invoice's charges, matched to its lines by key."""
    by_key: dict[tuple[Any, ...], int] = {}
    for line in lines:
        key = line_key(line.adjustment_period, line)
        by_key[key] = line.id
    events: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(UsageEvent.event_id, ChargeRow.period, ChargeRow.offering, ChargeRow.lines)
        .select_from(ChargeRow)
        .join(UsageEvent, UsageEvent.id == ChargeRow.event_pk)
        .where(ChargeRow.invoice_id == invoice.id)
    )
    for row in rows:
        adjustment = row.period if row.period != invoice.period else None
        for item in stored_lines(row.lines, row.offering):
            line_id = by_key.get(line_key(adjustment, item))
            if line_id is not None:
                events[line_id].append(row.event_id)
    return events
