"""Charge lines folded into the charge row: ``charges.lines`` (exact JSON), no ``charge_lines``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:40:00

Written by hand. Ingest stored each line item of a charge as a row of its own (about three
per event), so storing one event on PostgreSQL cost about 6 foreign-key checks and 8 index
insertions; the lines were most of the store's time. They now live in the charge row as a
JSON array (:mod:`billing.ledger.charge_lines`: quantities as JSON integers, prices and
amounts as decimal strings, so nothing is rounded), written by the same ``INSERT``.

``ix_charges_invoice_id`` becomes partial (``WHERE invoice_id IS NOT NULL``): a charge is
stored before any invoice bills it, so ingest no longer adds an index entry for it; the
lookups by invoice (``invoice_id = ?``) use it as before, and the unbilled charges of a
customer are found through ``ix_charges_customer_period`` as before.

Upgrade, on a database that holds data: the column is added (``'[]'`` for now), every
charge's rows of ``charge_lines`` are written into it in ``position`` order, in batches of
charges, by the same Python code ingest uses (so old and new charges are one format), then
``charge_lines`` is dropped. Finalised and voided invoices, their lines and credit notes are
not touched (they never referred to ``charge_lines``). Downgrade rebuilds the table from the
column.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from billing.ledger.charge_lines import lines_of_rows, stored_lines
from billing.ledger.money_type import Money

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_BATCH = 2000

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _charge_lines_table(metadata: sa.MetaData) -> sa.Table:
    """``charge_lines`` as revisions 0001 to 0006 had it."""
    sa.Table("charges", metadata, sa.Column("event_pk", _BigId, primary_key=True))  # its FK
    return sa.Table(
        "charge_lines",
        metadata,
        sa.Column("charge_id", _BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("charge", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_price", Money(), nullable=False),
        sa.Column("list_price", Money(), nullable=True),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("price_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["charges.event_pk"],
            name="fk_charge_lines_charge_id_charges",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("charge_id", "position", name="pk_charge_lines"),
    )


def upgrade() -> None:
    op.add_column(
        "charges", sa.Column("lines", sa.Text(), nullable=False, server_default=sa.text("'[]'"))
    )
    conn = op.get_bind()
    metadata = sa.MetaData()
    old = _charge_lines_table(metadata)
    charges = sa.table("charges", sa.column("event_pk", _BigId), sa.column("lines", sa.Text()))
    update = (
        charges.update()
        .where(charges.c.event_pk == sa.bindparam("pk"))
        .values(lines=sa.bindparam("text"))
    )
    after: Any = None
    while True:
        # a batch of charges, then their lines: memory stays bounded on a large ledger
        ids_query = sa.select(old.c.charge_id).distinct().order_by(old.c.charge_id).limit(_BATCH)
        if after is not None:
            ids_query = ids_query.where(old.c.charge_id > after)
        ids = list(conn.execute(ids_query).scalars())
        if not ids:
            break
        rows = conn.execute(
            sa.select(old)
            .where(old.c.charge_id >= ids[0], old.c.charge_id <= ids[-1])
            .order_by(old.c.charge_id, old.c.position)
        ).all()
        by_charge: dict[Any, list[Any]] = {}
        for row in rows:
            by_charge.setdefault(row.charge_id, []).append(row)
        conn.execute(
            update, [{"pk": pk, "text": lines_of_rows(items)} for pk, items in by_charge.items()]
        )
        after = ids[-1]
    op.drop_table("charge_lines")
    op.drop_index("ix_charges_invoice_id", table_name="charges")
    op.create_index(
        "ix_charges_invoice_id",
        "charges",
        ["invoice_id"],
        sqlite_where=sa.text("invoice_id IS NOT NULL"),
        postgresql_where=sa.text("invoice_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_charges_invoice_id", table_name="charges")
    op.create_index("ix_charges_invoice_id", "charges", ["invoice_id"])
    conn = op.get_bind()
    metadata = sa.MetaData()
    old = _charge_lines_table(metadata)
    old.create(conn)
    charges = sa.table("charges", sa.column("event_pk", _BigId), sa.column("lines", sa.Text()))
    after: Any = None
    while True:
        query = sa.select(charges.c.event_pk, charges.c.lines).order_by(charges.c.event_pk)
        if after is not None:
            query = query.where(charges.c.event_pk > after)
        batch = conn.execute(query.limit(_BATCH)).all()
        if not batch:
            break
        rows = [
            {
                "charge_id": pk,
                "position": position,
                "charge": li.charge,
                "quantity": li.quantity,
                "unit": li.unit,
                "unit_price": li.unit_price,
                "list_price": li.list_price,
                "amount": li.amount,
                "tier": li.tier,
                "price_version": li.price_version,
            }
            for pk, text in batch
            for position, li in enumerate(stored_lines(text))
        ]
        if rows:
            conn.execute(old.insert(), rows)
        after = batch[-1][0]
    # a plain DROP COLUMN (SQLite >= 3.35): a batch copy of ``charges`` would cascade its
    # deletes to the lines just rebuilt while foreign keys are on
    op.execute("ALTER TABLE charges DROP COLUMN lines")
