"""The usage ledger and invoices, on SQLite (default) or PostgreSQL.

Exceptions: ``InvoiceError`` (an invoice operation that cannot be done); database errors are
SQLAlchemy's. Problems with single usage records are not exceptions: ingest reports them.
"""

from .db import database_url, make_engine
from .ingest import IngestSummary, Problem, ingest_lines, make_pricer
from .invoices import (
    CreditNoteView,
    InvoiceError,
    InvoiceLineView,
    InvoiceView,
    charges_total,
    credit_note,
    invoice,
    void,
)
from .migrate import ensure_schema, upgrade

__all__ = [
    "CreditNoteView",
    "IngestSummary",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "Problem",
    "charges_total",
    "credit_note",
    "database_url",
    "ensure_schema",
    "ingest_lines",
    "invoice",
    "make_engine",
    "make_pricer",
    "upgrade",
    "void",
]
