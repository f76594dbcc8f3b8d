"""Customer and issuer profiles; tax, payment terms and due dates on invoices.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 11:10:00

Written by hand. Only nullable columns are added, so existing rows keep their data:

- ``issuers``: ``email``, ``tax_id`` and ``profile_set`` (true once ``ratecard issuer set``
  stored it; an issuer named by ``$RATECARD_ISSUER_NAME`` before this revision counts as set,
  the placeholder ``ratecard`` does not).
- ``customers``: ``address``, ``email``, ``tax_id``, ``currency``, ``terms_days``,
  ``tax_treatment`` (``rate``, ``reverse_charge``, ``not_applicable`` or NULL) and
  ``tax_rate`` (exact, e.g. 0.20).
- ``invoices``: ``subtotal`` (the sum of the rounded lines), ``tax``, ``tax_rate``,
  ``tax_treatment``, ``terms_days``, ``due_date`` (``YYYY-MM-DD``) and ``parties`` (the
  issuer's and customer's names and addresses as they were when it was finalised). They stay NULL on
  existing invoices (issued ones are frozen, and void ones refuse any update): a NULL
  ``subtotal`` reads as ``total`` and a NULL ``tax`` as none, what they were issued with.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from billing.ledger.money_type import Money

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("issuers", sa.Column("email", sa.String(200), nullable=True))
    op.add_column("issuers", sa.Column("tax_id", sa.String(64), nullable=True))
    op.add_column("issuers", sa.Column("profile_set", sa.Boolean(), nullable=True))
    op.execute("UPDATE issuers SET profile_set = (name <> 'ratecard')")
    customer_columns: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
        ("address", sa.Text()),
        ("email", sa.String(200)),
        ("tax_id", sa.String(64)),
        ("currency", sa.String(3)),
        ("terms_days", sa.Integer()),
        ("tax_treatment", sa.String(16)),
        ("tax_rate", Money()),
    )
    for name, kind in customer_columns:
        op.add_column("customers", sa.Column(name, kind, nullable=True))
    invoice_columns: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
        ("subtotal", Money()),
        ("tax", Money()),
        ("tax_rate", Money()),
        ("tax_treatment", sa.String(16)),
        ("terms_days", sa.Integer()),
        ("due_date", sa.String(10)),
        ("parties", sa.JSON()),
    )
    for name, kind in invoice_columns:
        op.add_column("invoices", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name in (
        "parties",
        "due_date",
        "terms_days",
        "tax_treatment",
        "tax_rate",
        "tax",
        "subtotal",
    ):
        op.drop_column("invoices", name)
    for name in (
        "tax_rate",
        "tax_treatment",
        "terms_days",
        "currency",
        "tax_id",
        "email",
        "address",
    ):
        op.drop_column("customers", name)
    for name in ("profile_set", "tax_id", "email"):
        op.drop_column("issuers", name)
