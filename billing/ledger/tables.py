"""The ledger's tables (SQLAlchemy 2.0 typed ORM).

One type map for money (``Decimal`` → :class:`Money`) and time (``datetime`` →
:class:`UTCDateTime`), and a naming convention so that every constraint has a stable name
the migrations can refer to. Column names in ``usage_events`` are a contract: bulk queries
elsewhere are compiled against them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .money_type import Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL; SQLite's autoincrementing rowid must be declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

EVENT_STATUSES = ("priced", "unpriceable")
INVOICE_STATUSES = ("draft", "finalized", "void")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: Money(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(none_as_null=True),
    }


class Issuer(Base):
    """Who issues invoices. Invoice and credit-note numbers are gapless per issuer."""

    __tablename__ = "issuers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    invoice_prefix: Mapped[str] = mapped_column(String(16), default="INV-")
    credit_note_prefix: Mapped[str] = mapped_column(String(16), default="CN-")
    #: the number the next finalised invoice gets; read and bumped under a row lock
    next_invoice_number: Mapped[int] = mapped_column(Integer, default=1)
    next_credit_note_number: Mapped[int] = mapped_column(Integer, default=1)
    email: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    #: true once ``ratecard issuer set`` stored the profile; the placeholder is not issued
    profile_set: Mapped[bool | None] = mapped_column(Boolean)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)  #: the id usage records carry
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)  #: payment terms; None is 30
    #: "rate" (``tax_rate`` applies), "reverse_charge", "not_applicable", or None (no tax line)
    tax_treatment: Mapped[str | None] = mapped_column(String(16))
    tax_rate: Mapped[Decimal | None]  #: exact fraction, 0.20 for 20 %


class UsageEvent(Base):
    """One usage record as received, stored once per (customer, id)."""

    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("customer_id", "event_id"),
        Index("ix_usage_events_customer_period_offering", "customer_id", "period", "offering"),
        CheckConstraint("status IN ('priced', 'unpriceable')", name="status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    event_id: Mapped[str] = mapped_column(String(200))  #: the record's id: its idempotency key
    payload_hash: Mapped[str] = mapped_column(String(64))  #: sha256 of the canonical JSON
    raw: Mapped[str] = mapped_column(Text)  #: the line exactly as received
    model: Mapped[str | None] = mapped_column(String(200))  #: the model the record names
    offering: Mapped[str | None] = mapped_column(String(200))  #: resolved provider/id
    endpoint: Mapped[str | None] = mapped_column(String(64))
    event_time: Mapped[datetime | None]
    period: Mapped[str | None] = mapped_column(String(7))  #: 'YYYY-MM', UTC calendar month
    input_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_read_tokens: Mapped[int | None] = mapped_column(BigInteger)
    cache_write_tokens: Mapped[int | None] = mapped_column(BigInteger)
    output_tokens: Mapped[int | None] = mapped_column(BigInteger)
    reasoning_tokens: Mapped[int | None] = mapped_column(BigInteger)
    request_params: Mapped[dict[str, Any] | None]
    #: the counts of the token kinds beyond the five columns above (catalog.kinds:
    #: cache_write_1h, output_audio, input_tool…) as a JSON object of exact integers, keys
    #: sorted; NULL when there are none (migration 0005)
    token_kinds: Mapped[str | None] = mapped_column(Text)
    #: the record's price context (flex, priority, batch…); NULL for the default context
    price_context: Mapped[str | None] = mapped_column(String(32))
    reported_cost: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))


class UsageToolCall(Base):
    __tablename__ = "usage_tool_calls"
    event_pk: Mapped[int] = mapped_column(
        ForeignKey("usage_events.id", ondelete="CASCADE"), primary_key=True
    )
    tool: Mapped[str] = mapped_column(String(100), primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger)


class ChargeRow(Base):
    """The priced event: one per priced usage event, keyed by it, with its line items."""

    __tablename__ = "charges"
    __table_args__ = (
        Index("ix_charges_customer_period", "customer_id", "period"),
        # partial (revision 0007): a charge is stored unbilled, so ingest adds no entry
        Index(
            "ix_charges_invoice_id",
            "invoice_id",
            sqlite_where=text("invoice_id IS NOT NULL"),
            postgresql_where=text("invoice_id IS NOT NULL"),
        ),
    )
    event_pk: Mapped[int] = mapped_column(
        ForeignKey("usage_events.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    period: Mapped[str] = mapped_column(String(7))
    offering: Mapped[str] = mapped_column(String(200))  #: provider/id
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]  #: exact: the sum of its lines
    price_version: Mapped[str] = mapped_column(String(64), default="")
    tier: Mapped[str | None] = mapped_column(String(64))
    #: the invoice that bills this charge (a draft may still release it)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    #: the line items, exact JSON (billing.ledger.charge_lines; a table of their own,
    #: ``charge_lines``, before revision 0007)
    lines: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))


class Invoice(Base):
    """A customer's invoice for a period. ``kind`` is "standard" (the period's invoice).

    At most one invoice that is not void per (customer, period, kind): a partial unique
    index, so two concurrent runs end with one invoice and a voided one can be reissued.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        Index(
            "uq_invoices_customer_period_kind",
            "customer_id",
            "period",
            "kind",
            unique=True,
            sqlite_where=text("status <> 'void'"),
            postgresql_where=text("status <> 'void'"),
        ),
        UniqueConstraint("issuer_id", "number"),
        CheckConstraint("status IN ('draft', 'finalized', 'void')", name="status"),
        CheckConstraint("(status = 'draft') = (number IS NULL)", name="number_when_issued"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(16), default="standard")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    number: Mapped[int | None] = mapped_column(Integer)  #: gapless per issuer; None while draft
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total: Mapped[Decimal]  #: subtotal + tax (before revision 0006: the sum of the lines)
    precise_total: Mapped[Decimal]  #: the exact sum of the lines' precise amounts
    subtotal: Mapped[Decimal | None]  #: the sum of the rounded lines; None reads as total
    tax: Mapped[Decimal | None]  #: rounded once on the subtotal; None: no tax line
    tax_rate: Mapped[Decimal | None]
    tax_treatment: Mapped[str | None] = mapped_column(String(16))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    due_date: Mapped[str | None] = mapped_column(String(10))  #: YYYY-MM-DD, once finalised
    #: both parties' profiles as they were at finalisation ({"issuer": {...}, "customer":
    #: {...}}); None on drafts and on invoices issued before revision 0006
    parties: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finalized_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]


class InvoiceLine(Base):
    """Charges of one offering and charge kind at one unit price, summed and rounded once."""

    __tablename__ = "invoice_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    offering: Mapped[str] = mapped_column(String(200))  #: provider/id
    model: Mapped[str] = mapped_column(String(200))  #: the offering's id
    charge: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price: Mapped[Decimal]
    list_price: Mapped[Decimal | None]
    precise_amount: Mapped[Decimal]  #: exact sum of the charge lines behind it
    amount: Mapped[Decimal]  #: precise_amount rounded by billing.rounding
    #: for late usage: the already-final period this adjustment belongs to
    adjustment_period: Mapped[str | None] = mapped_column(String(7))
    events: Mapped[int] = mapped_column(Integer)  #: how many usage events are behind it


class InvoiceLineCharge(Base):
    """Which charges an invoice line sums (the event ids behind it, on request)."""

    __tablename__ = "invoice_line_charges"
    __table_args__ = (Index("ix_invoice_line_charges_charge_id", "charge_id"),)
    invoice_line_id: Mapped[int] = mapped_column(
        ForeignKey("invoice_lines.id", ondelete="CASCADE"), primary_key=True
    )
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.event_pk"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))


class CreditNote(Base):
    """A correction to a finalised invoice. All credit notes together never exceed it."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("issuer_id", "number"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    number: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Tenant(Base):
    """An account of the HTTP service. Its customers are stored as ``<tenant>/<customer>``
    (a tenant's name never contains ``/``), so no query of one tenant can reach another's."""

    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class ApiKey(Base):
    """A tenant's API key: only its SHA-256 is kept; ``key_id`` finds the row to compare."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)  #: public part of the key
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    key_hash: Mapped[str] = mapped_column(String(64))  #: sha256 hex of the whole key
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
