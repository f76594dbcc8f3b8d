"""Ledger tables: customers, usage events, charges, invoices and their lines.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:29:50.985394
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.ledger.money_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            billing.ledger.money_type.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
    )
    op.create_table(
        "issuers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("invoice_prefix", sa.String(length=16), nullable=False),
        sa.Column("credit_note_prefix", sa.String(length=16), nullable=False),
        sa.Column("next_invoice_number", sa.Integer(), nullable=False),
        sa.Column("next_credit_note_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuers")),
        sa.UniqueConstraint("code", name=op.f("uq_issuers_code")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "issuer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("precise_total", billing.ledger.money_type.Money(), nullable=False),
        sa.Column(
            "created_at", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finalized_at", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("voided_at", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'draft') = (number IS NULL)", name=op.f("ck_invoices_number_when_issued")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'finalized', 'void')", name=op.f("ck_invoices_status")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_invoices_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("issuer_id", "number", name=op.f("uq_invoices_issuer_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "uq_invoices_customer_period_kind",
            ["customer_id", "period", "kind"],
            unique=True,
            sqlite_where=sa.text("status <> 'void'"),
            postgresql_where=sa.text("status <> 'void'"),
        )

    op.create_table(
        "usage_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("offering", sa.String(length=200), nullable=True),
        sa.Column("endpoint", sa.String(length=64), nullable=True),
        sa.Column(
            "event_time", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=True),
        sa.Column("output_tokens", sa.BigInteger(), nullable=True),
        sa.Column("reasoning_tokens", sa.BigInteger(), nullable=True),
        sa.Column("request_params", sa.JSON(), nullable=True),
        sa.Column("reported_cost", billing.ledger.money_type.Money(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "ingested_at",
            billing.ledger.money_type.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('priced', 'unpriceable')", name=op.f("ck_usage_events_status")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_usage_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
        sa.UniqueConstraint(
            "customer_id", "event_id", name=op.f("uq_usage_events_customer_id_event_id")
        ),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_usage_events_customer_period", ["customer_id", "period"], unique=False
        )

    op.create_table(
        "charges",
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("offering", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("price_version", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_charges_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["usage_events.id"],
            name=op.f("fk_charges_event_pk_usage_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_charges_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("event_pk", name=op.f("pk_charges")),
    )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.create_index("ix_charges_customer_period", ["customer_id", "period"], unique=False)
        batch_op.create_index("ix_charges_invoice_id", ["invoice_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("offering", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("charge", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("list_price", billing.ledger.money_type.Money(), nullable=True),
        sa.Column("precise_amount", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("amount", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("adjustment_period", sa.String(length=7), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_table(
        "usage_tool_calls",
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tool", sa.String(length=100), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["usage_events.id"],
            name=op.f("fk_usage_tool_calls_event_pk_usage_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_pk", "tool", name=op.f("pk_usage_tool_calls")),
    )
    op.create_table(
        "charge_lines",
        sa.Column(
            "charge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("charge", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_price", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("list_price", billing.ledger.money_type.Money(), nullable=True),
        sa.Column("amount", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("price_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["charges.event_pk"],
            name=op.f("fk_charge_lines_charge_id_charges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("charge_id", "position", name=op.f("pk_charge_lines")),
    )
    op.create_table(
        "invoice_line_charges",
        sa.Column(
            "invoice_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "charge_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["charges.event_pk"],
            name=op.f("fk_invoice_line_charges_charge_id_charges"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_line_charges_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_invoice_line_charges_invoice_line_id_invoice_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "invoice_line_id", "charge_id", name=op.f("pk_invoice_line_charges")
        ),
    )
    with op.batch_alter_table("invoice_line_charges", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_line_charges_charge_id", ["charge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice_line_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_line_charges_charge_id")

    op.drop_table("invoice_line_charges")
    op.drop_table("charge_lines")
    op.drop_table("usage_tool_calls")
    op.drop_table("invoice_lines")
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index("ix_charges_invoice_id")
        batch_op.drop_index("ix_charges_customer_period")

    op.drop_table("charges")
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_events_customer_period")

    op.drop_table("usage_events")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoices_customer_period_kind",
            sqlite_where=sa.text("status <> 'void'"),
            postgresql_where=sa.text("status <> 'void'"),
        )

    op.drop_table("invoices")
    op.drop_table("issuers")
    op.drop_table("customers")
