"""Alembic environment: runs on the connection :func:`billing.ledger.migrate.upgrade` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from billing.ledger.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through billing.ledger.migrate
    raise RuntimeError("run migrations with 'ratecard db upgrade'")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Processes that upgrade the same database at once take turns.
        connection.execute(text("SELECT pg_advisory_xact_lock(7242023001)"))
    context.run_migrations()
