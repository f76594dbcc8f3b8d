"""Tenants and API keys: the records ``ratecard serve`` authenticates with.

A key reads ``rc_<key_id>_<secret>``: ``key_id`` (12 hex digits) finds its row; the secret
(32 random bytes, URL-safe base64) never leaves the process that made it. The database keeps
only the SHA-256 of the whole key, and :func:`authenticate` compares hashes in constant time
(``hmac.compare_digest``). A 256-bit random secret needs no slow password hash: there is
nothing to guess from its digest.

A tenant's customers are stored under ``<tenant>/<customer>`` (:func:`tenant_customer`), so
every ledger query of one tenant stays inside it. Each tenant issues its own invoices: its
issuer row (its profile and its gapless invoice and credit-note numbers) has the code
``<tenant>/`` (:func:`tenant_issuer`); customers outside any tenant (the command line's) are
billed by the ``default`` issuer.

Errors: :class:`TenantError` (unknown tenant, a name that is taken or malformed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from .db import transaction
from .tables import ApiKey, Tenant

#: a tenant's name: what a URL path segment and a customer prefix can carry unescaped
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_KEY = re.compile(r"rc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


class TenantError(Exception):
    """A tenant or key operation that cannot be done; the message is a sentence."""


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: ``key`` is the whole key, shown to its owner once and never stored."""

    key_id: str
    tenant: str
    key: str  #: the whole key: shown once, never stored


def _now() -> datetime:
    return datetime.now(UTC)


def key_hash(key: str) -> str:
    """The SHA-256 (hex) of a whole key: what ``api_keys.key_hash`` holds."""
    return hashlib.sha256(key.encode()).hexdigest()


def tenant_customer(tenant: str, customer: str) -> str:
    """The ledger's customer code for a tenant's customer."""
    return f"{tenant}/{customer}"


def tenant_issuer(tenant: str) -> str:
    """The code of the tenant's issuer row (``<tenant>/``: at most 64 characters, and never
    the command line's ``default``, since a tenant name holds no ``/``)."""
    return f"{tenant}/"


def customer_tenant(customer: str) -> str | None:
    """The tenant whose name a ledger customer code starts with (``alpha`` for
    ``alpha/acme``), or None when the code has no valid tenant prefix. Whether that tenant
    exists is the database's to say."""
    tenant, slash, rest = customer.partition("/")
    if not slash or not rest or TENANT_NAME.fullmatch(tenant) is None:
        return None
    return tenant


def check_tenant_name(name: str) -> str:
    """``name`` when it is a valid tenant name (:data:`TENANT_NAME`), else TenantError."""
    if TENANT_NAME.fullmatch(name) is None:
        raise TenantError(
            f"a tenant name is 1 to 63 lower-case letters, digits, '-' or '_', starting "
            f"with a letter or digit; got {name!r}"
        )
    return name


def _tenant(engine: Engine, name: str) -> Tenant:
    with transaction(engine) as session:
        found = session.scalars(select(Tenant).where(Tenant.name == name)).one_or_none()
    if found is None:
        raise TenantError(f"no tenant named {name!r}; create it with 'ratecard tenant create'")
    return found


def _insert_key(engine: Engine, tenant_id: int, tenant: str) -> NewKey:
    key_id = secrets.token_hex(6)
    key = f"rc_{key_id}_{secrets.token_urlsafe(32)}"
    with transaction(engine) as session:
        session.add(
            ApiKey(key_id=key_id, tenant_id=tenant_id, key_hash=key_hash(key), created_at=_now())
        )
    return NewKey(key_id, tenant, key)


def create_tenant(engine: Engine, name: str) -> NewKey:
    """Create the tenant and its first key."""
    check_tenant_name(name)
    with transaction(engine) as session:
        if session.scalars(select(Tenant.id).where(Tenant.name == name)).first() is not None:
            raise TenantError(
                f"a tenant named {name!r} exists; add a key with 'ratecard key create'"
            )
        row = Tenant(name=name, created_at=_now())
        session.add(row)
        session.flush()
        tenant_id = row.id
    return _insert_key(engine, tenant_id, name)


def create_key(engine: Engine, tenant: str) -> NewKey:
    """Another key for an existing tenant."""
    return _insert_key(engine, _tenant(engine, tenant).id, tenant)


def revoke_key(engine: Engine, key_id: str) -> None:
    """Revoke a key by its id (the 12 hex digits after ``rc_``); revoking twice is harmless."""
    with transaction(engine) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one_or_none()
        if row is None:
            raise TenantError(f"no API key with id {key_id!r}")
        if row.revoked_at is None:
            row.revoked_at = _now()


def list_keys(engine: Engine, tenant: str) -> list[tuple[str, datetime, datetime | None]]:
    """(key id, created, revoked or None) of the tenant's keys, oldest first."""
    found = _tenant(engine, tenant)
    with transaction(engine) as session:
        rows = session.execute(
            select(ApiKey.key_id, ApiKey.created_at, ApiKey.revoked_at)
            .where(ApiKey.tenant_id == found.id)
            .order_by(ApiKey.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def authenticate(engine: Engine, key: str) -> str | None:
    """The tenant's name for a valid, unrevoked key; ``None`` otherwise."""
    parsed = _KEY.fullmatch(key)
    if parsed is None:
        return None
    with transaction(engine) as session:
        row = session.execute(
            select(ApiKey.key_hash, ApiKey.revoked_at, Tenant.name)
            .join(Tenant, Tenant.id == ApiKey.tenant_id)
            .where(ApiKey.key_id == parsed[1])
        ).one_or_none()
    if row is None:
        hmac.compare_digest(key_hash(key), key_hash(key))  # same work either way
        return None
    good = hmac.compare_digest(row[0], key_hash(key))
    return row[2] if good and row[1] is None else None


__all__ = [
    "TENANT_NAME",
    "NewKey",
    "TenantError",
    "authenticate",
    "check_tenant_name",
    "create_key",
    "create_tenant",
    "customer_tenant",
    "key_hash",
    "list_keys",
    "revoke_key",
    "tenant_customer",
    "tenant_issuer",
]
