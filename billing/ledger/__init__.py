"""The usage ledger's storage, on SQLite (default) or PostgreSQL: tables, the exact money
type, migrations, ingest and the bulk stores. Invoices are :mod:`billing.invoicing`.

Database errors are SQLAlchemy's. Problems with single usage records are not exceptions:
ingest reports them.
"""

from .db import database_url, make_engine
from .ingest import IngestSummary, Problem, ingest_lines, make_pricer
from .migrate import ensure_schema, upgrade

__all__ = [
    "IngestSummary",
    "Problem",
    "database_url",
    "ensure_schema",
    "ingest_lines",
    "make_engine",
    "make_pricer",
    "upgrade",
]
