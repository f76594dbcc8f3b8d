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
from .lookup import customer_exists, customer_invoices, invoice_by_number
from .migrate import current_revision, ensure_schema, head_revision, upgrade
from .tenants import (
    NewKey,
    TenantError,
    authenticate,
    create_key,
    create_tenant,
    list_keys,
    revoke_key,
    tenant_customer,
)

__all__ = [
    "CreditNoteView",
    "IngestSummary",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "NewKey",
    "Problem",
    "TenantError",
    "authenticate",
    "charges_total",
    "create_key",
    "create_tenant",
    "credit_note",
    "current_revision",
    "customer_exists",
    "customer_invoices",
    "database_url",
    "ensure_schema",
    "head_revision",
    "ingest_lines",
    "invoice",
    "invoice_by_number",
    "list_keys",
    "make_engine",
    "make_pricer",
    "revoke_key",
    "tenant_customer",
    "upgrade",
    "void",
]
