"""Every token kind and the price context of an event (issue 10).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:20:00

``usage_events`` gains two nullable columns, so events stored before keep their meaning
(NULL: no other kind, the default context):

- ``token_kinds``: the counts of the kinds beyond the five count columns (``catalog.kinds``:
  ``cache_write_1h``, ``cache_audio_read``, ``output_audio``, ``input_tool``…) as a JSON
  object of exact integers with sorted keys (text, not a float in sight);
- ``price_context``: ``flex``, ``priority``, ``batch``… as the record's ``service_tier`` or
  ``batch`` said.

billing.sqlrate refuses events with either set (their charge is exact in the stored charge
lines; the SQL statements rate only the five columns and the default context), so
``invoice --engine auto`` rates such a period in Python.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_events") as batch_op:
        batch_op.add_column(sa.Column("token_kinds", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("price_context", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("usage_events") as batch_op:
        batch_op.drop_column("price_context")
        batch_op.drop_column("token_kinds")
