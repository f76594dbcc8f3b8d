"""Credit notes, and the database refusing changes to issued invoices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:40:00

Triggers on both dialects: once an invoice is no longer a draft, its lines and their links to
charges cannot be inserted, updated or deleted, and the invoice itself may only move from
finalized to void. The application never tries; the triggers make sure nothing else does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import billing.ledger.money_type

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FROZEN = "invoice is no longer a draft: it cannot change"

#: invoice columns that never change once an invoice is issued
FROZEN_COLUMNS = (
    "issuer_id",
    "customer_id",
    "period",
    "kind",
    "number",
    "currency",
    "total",
    "precise_total",
    "finalized_at",
)

PG_FUNCTIONS = f"""
CREATE FUNCTION ratecard_refuse_issued_lines() RETURNS trigger AS $$
DECLARE
    parent_status text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO parent_status FROM invoices WHERE id = OLD.invoice_id;
        IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
            RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status INTO parent_status FROM invoices WHERE id = NEW.invoice_id;
        IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
            RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION ratecard_refuse_issued_invoice() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       OR OLD.status = 'void'
       OR NEW.status NOT IN ('finalized', 'void')
       OR {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)} THEN
        RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

PG_TRIGGERS = """
CREATE TRIGGER ratecard_freeze_invoice_lines BEFORE INSERT OR UPDATE OR DELETE
    ON invoice_lines FOR EACH ROW EXECUTE FUNCTION ratecard_refuse_issued_lines();
CREATE TRIGGER ratecard_freeze_invoice_line_charges BEFORE INSERT OR UPDATE OR DELETE
    ON invoice_line_charges FOR EACH ROW EXECUTE FUNCTION ratecard_refuse_issued_lines();
CREATE TRIGGER ratecard_freeze_invoices BEFORE UPDATE OR DELETE
    ON invoices FOR EACH ROW EXECUTE FUNCTION ratecard_refuse_issued_invoice();
"""


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in ("invoice_lines", "invoice_line_charges"):
        for op_name, rows in (
            ("INSERT", ("NEW",)),
            ("UPDATE", ("OLD", "NEW")),
            ("DELETE", ("OLD",)),
        ):
            issued = " OR ".join(
                f"(SELECT status FROM invoices WHERE id = {row}.invoice_id) <> 'draft'"
                for row in rows
            )
            statements.append(
                f"CREATE TRIGGER ratecard_freeze_{table}_{op_name.lower()} "
                f"BEFORE {op_name} ON {table} WHEN {issued} "
                f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
            )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)
    statements.append(
        "CREATE TRIGGER ratecard_freeze_invoices_update BEFORE UPDATE ON invoices "
        "WHEN OLD.status <> 'draft' AND (OLD.status = 'void' "
        f"OR NEW.status NOT IN ('finalized', 'void') OR {changed}) "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
    )
    statements.append(
        "CREATE TRIGGER ratecard_freeze_invoices_delete BEFORE DELETE ON invoices "
        f"WHEN OLD.status <> 'draft' BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
    )
    return statements


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "issuer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("amount", billing.ledger.money_type.Money(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", billing.ledger.money_type.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuers.id"], name=op.f("fk_credit_notes_issuer_id_issuers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("issuer_id", "number", name=op.f("uq_credit_notes_issuer_id_number")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        op.execute(PG_TRIGGERS)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ratecard_freeze_invoices ON invoices")
        op.execute("DROP TRIGGER ratecard_freeze_invoice_line_charges ON invoice_line_charges")
        op.execute("DROP TRIGGER ratecard_freeze_invoice_lines ON invoice_lines")
        op.execute("DROP FUNCTION ratecard_refuse_issued_invoice()")
        op.execute("DROP FUNCTION ratecard_refuse_issued_lines()")
    else:
        for statement in _sqlite_triggers():
            name = statement.split()[2]
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("credit_notes")
