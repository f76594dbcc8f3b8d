"""The usage ledger's storage, on SQLite (default) or PostgreSQL: tables, the exact money
type, migrations, ingest and the bulk stores, and the HTTP service's tenants and API keys
(:mod:`.tenants`). Invoices are :mod:`billing.invoicing`.

Database errors are SQLAlchemy's. Problems with single usage records are not exceptions:
ingest reports them; tenant and key operations raise ``TenantError``.
"""

from .db import database_url, make_engine
from .ingest import (
    IngestSummary,
    Problem,
    default_processes,
    ingest_lines,
    make_pricer,
    write_reject,
)
from .migrate import current_revision, ensure_schema, head_revision, upgrade
from .tenants import (
    NewKey,
    TenantError,
    authenticate,
    create_key,
    create_tenant,
    customer_tenant,
    list_keys,
    revoke_key,
    tenant_customer,
    tenant_issuer,
)

__all__ = [
    "IngestSummary",
    "NewKey",
    "Problem",
    "TenantError",
    "authenticate",
    "create_key",
    "create_tenant",
    "current_revision",
    "customer_tenant",
    "database_url",
    "default_processes",
    "ensure_schema",
    "head_revision",
    "ingest_lines",
    "list_keys",
    "make_engine",
    "make_pricer",
    "revoke_key",
    "tenant_customer",
    "tenant_issuer",
    "upgrade",
    "write_reject",
]
