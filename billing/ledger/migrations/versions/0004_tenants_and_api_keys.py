"""Tenants and API keys of the HTTP service (``ratecard serve``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:40:00

Written by hand. Existing rows are untouched: customers ingested by the command line keep
their codes and belong to no tenant; the service stores a tenant's customers as
``<tenant>/<customer>``, and tenant names cannot contain ``/``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from billing.ledger.money_type import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", _ID, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_id", name="uq_api_keys_key_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_api_keys_tenant_id_tenants"
        ),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("tenants")
