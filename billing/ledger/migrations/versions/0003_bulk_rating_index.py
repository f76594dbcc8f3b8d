"""An index for rating a customer's period in bulk: (customer_id, period, offering).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:20:00

billing.sqlrate runs one statement per offering over a customer's period
(``WHERE customer_id = ? AND period = ? AND offering = ?``). The new index serves those and,
being a prefix-compatible superset of ``ix_usage_events_customer_period``, every query that
one served; so it replaces it (one index to maintain at ingest, not two).

Partitioning ``usage_events`` by month on PostgreSQL was considered and not done: a unique
constraint on a partitioned table must include the partition key, so the idempotency key
``(customer_id, event_id)`` would become ``(customer_id, event_id, event_time)`` and no longer
stop a record re-sent with another timestamp (README "Scale path").
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_events") as batch_op:
        batch_op.create_index(
            "ix_usage_events_customer_period_offering",
            ["customer_id", "period", "offering"],
            unique=False,
        )
        batch_op.drop_index("ix_usage_events_customer_period")


def downgrade() -> None:
    with op.batch_alter_table("usage_events") as batch_op:
        batch_op.create_index(
            "ix_usage_events_customer_period", ["customer_id", "period"], unique=False
        )
        batch_op.drop_index("ix_usage_events_customer_period_offering")
