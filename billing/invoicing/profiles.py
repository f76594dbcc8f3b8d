"""Customer and issuer profiles: who is billed and who bills, stored in the ledger.

A customer's profile holds its name, address, email, tax id, currency, payment terms (days
after the issue date; 30 when unset) and tax treatment: a rate (an exact fraction, ``0.20``
for 20 %), reverse charge, or not applicable. The issuer's profile holds its name, address,
email and tax id. ``ratecard customer set`` and ``ratecard issuer set`` write them; a draft
reads them every time it is regenerated and finalisation freezes the tax and the due date.

Each tenant of ``ratecard serve`` has its own issuer (``ratecard issuer set --tenant T``):
its own profile and its own gapless invoice and credit-note numbers
(:func:`billing.ledger.tenant_issuer`); a customer outside any tenant is billed by the
``default`` issuer (:func:`issuer_code_for`).

Errors: :class:`~billing.errors.InvoiceError` with a sentence (an unknown customer to show,
a rate out of range, a currency that does not match the customer's charges).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..ledger.db import transaction
from ..ledger.tables import Customer, Issuer, Tenant
from ..ledger.tenants import customer_tenant, tenant_issuer
from .errors import InvoiceError

#: payment terms when a customer has none: due 30 days after the issue date
DEFAULT_TERMS_DAYS = 30
TAX_TREATMENTS = ("rate", "reverse_charge", "not_applicable")
#: what an invoice says for a tax treatment without a rate (customer-facing)
TAX_NOTES = {
    "reverse_charge": "Reverse charge: VAT to be accounted for by the recipient.",
    "not_applicable": "Tax not applicable.",
}
_UNSET: Any = object()
DEFAULT_ISSUER = "default"
#: the name an issuer row gets before any profile is stored; never printed on an issued invoice
PLACEHOLDER_ISSUER = "ratecard"


def insert_stmt(session: Session, table: Any) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support for the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def issuer(session: Session, code: str = DEFAULT_ISSUER) -> Issuer:
    """The issuer row, created on first use. Until ``ratecard issuer set`` stores a profile
    it is a placeholder (``profile_set`` false), named from ``$RATECARD_ISSUER_NAME`` and
    ``$RATECARD_ISSUER_ADDRESS`` if set (and then counted as set), else ``ratecard``."""
    found = session.scalars(select(Issuer).where(Issuer.code == code)).one_or_none()
    if found is not None:  # read first: showing a profile writes nothing (a read-only ledger)
        return found
    env_name = os.environ.get("RATECARD_ISSUER_NAME", "").strip()
    session.execute(
        insert_stmt(session, Issuer.__table__)
        .values(
            code=code,
            name=env_name or PLACEHOLDER_ISSUER,
            address=os.environ.get("RATECARD_ISSUER_ADDRESS", ""),
            invoice_prefix="INV-",
            credit_note_prefix="CN-",
            next_invoice_number=1,
            next_credit_note_number=1,
            profile_set=bool(env_name),
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    return session.scalars(select(Issuer).where(Issuer.code == code)).one()


def issuer_code_for(session: Session, customer: str) -> str:
    """The code of the issuer that bills the ledger customer ``customer``: its tenant's
    (``<tenant>/``) when the code is ``<tenant>/<id>`` of an existing tenant, else the
    ``default`` issuer."""
    tenant = customer_tenant(customer)
    if tenant is not None and session.scalar(select(Tenant.id).where(Tenant.name == tenant)):
        return tenant_issuer(tenant)
    return DEFAULT_ISSUER


def _issuer_code(session: Session, tenant: str | None) -> str:
    if tenant is None:
        return DEFAULT_ISSUER
    if session.scalar(select(Tenant.id).where(Tenant.name == tenant)) is None:
        raise InvoiceError(f"no tenant named {tenant!r}; create it with 'ratecard tenant create'")
    return tenant_issuer(tenant)


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    code: str
    name: str | None
    address: str | None
    email: str | None
    tax_id: str | None
    currency: str | None
    terms_days: int | None
    tax_treatment: str | None
    tax_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class IssuerProfile:
    code: str
    name: str
    address: str
    email: str | None
    tax_id: str | None
    profile_set: bool


def _customer_profile(row: Customer) -> CustomerProfile:
    return CustomerProfile(
        code=row.code,
        name=row.name,
        address=row.address,
        email=row.email,
        tax_id=row.tax_id,
        currency=row.currency,
        terms_days=row.terms_days,
        tax_treatment=row.tax_treatment,
        tax_rate=row.tax_rate,
    )


def check_tax_rate(rate: Decimal) -> None:
    """A tax rate is a finite fraction from 0 to 1 with at most 6 decimal places (0.20)."""
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise InvoiceError(f"a tax rate is a fraction from 0 to 1 (0.20 for 20 %), got {rate}")
    if (rate.as_tuple().exponent or 0) < -6:  # type: ignore[operator]
        raise InvoiceError(f"a tax rate has at most 6 decimal places, got {rate}")


def set_customer(
    engine: Engine,
    code: str,
    *,
    name: str | None = _UNSET,
    address: str | None = _UNSET,
    email: str | None = _UNSET,
    tax_id: str | None = _UNSET,
    currency: str | None = _UNSET,
    terms_days: int | None = _UNSET,
    tax_treatment: str | None = _UNSET,
    tax_rate: Decimal | None = _UNSET,
) -> CustomerProfile:
    """Create or update the customer ``code``; fields not given keep their value.

    ``tax_treatment`` "rate" needs ``tax_rate``; the other treatments clear the rate.
    """
    given: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("address", address),
            ("email", email),
            ("tax_id", tax_id),
            ("currency", currency),
            ("terms_days", terms_days),
            ("tax_treatment", tax_treatment),
            ("tax_rate", tax_rate),
        )
        if value is not _UNSET
    }
    if "currency" in given and given["currency"] is not None:
        cur = str(given["currency"])
        if len(cur) != 3 or not cur.isascii() or not cur.isalpha():
            raise InvoiceError(f"a currency is an ISO 4217 code like USD, got {cur[:20]!r}")
        given["currency"] = cur.upper()
    if "terms_days" in given and given["terms_days"] is not None:
        if not 0 <= int(given["terms_days"]) <= 365:
            raise InvoiceError(f"payment terms are 0 to 365 days, got {given['terms_days']} days")
    treatment = given.get("tax_treatment")
    if treatment is not None and treatment not in TAX_TREATMENTS:
        raise InvoiceError(
            f"tax treatment must be one of {', '.join(TAX_TREATMENTS)}, got {treatment!r}"
        )
    if given.get("tax_rate") is not None:
        check_tax_rate(given["tax_rate"])
        given["tax_treatment"] = "rate"
    elif treatment in ("reverse_charge", "not_applicable"):
        given["tax_rate"] = None
    elif treatment == "rate":
        raise InvoiceError("a tax treatment 'rate' needs the rate (--tax-rate 0.20)")
    with transaction(engine) as session:
        row = session.scalars(select(Customer).where(Customer.code == code)).one_or_none()
        if row is None:
            row = Customer(code=code)
            session.add(row)
        for key, value in given.items():
            setattr(row, key, value)
        session.flush()
        return _customer_profile(row)


def customer_profile(engine: Engine, code: str) -> CustomerProfile:
    """The stored profile of customer ``code``; :class:`InvoiceError` if there is none."""
    with transaction(engine) as session:
        row = session.scalars(select(Customer).where(Customer.code == code)).one_or_none()
        if row is None:
            raise InvoiceError(
                f"unknown customer {code!r}: 'ratecard customer set {code} --name ...' adds it"
            )
        return _customer_profile(row)


def set_issuer(
    engine: Engine,
    *,
    name: str | None = None,
    address: str | None = None,
    email: str | None = None,
    tax_id: str | None = None,
    tenant: str | None = None,
) -> IssuerProfile:
    """Store the issuer's profile (fields not given keep their value): the ``default``
    issuer's, or the tenant's own with ``tenant``. Its name is needed the first time: an
    invoice cannot be issued by a placeholder. An unknown tenant is an InvoiceError."""
    with transaction(engine) as session:
        row = issuer(session, _issuer_code(session, tenant))
        if name is not None:
            if not name.strip():
                raise InvoiceError("the issuer's --name cannot be empty")
            row.name = name
        elif not row.profile_set:
            raise InvoiceError("the issuer has no name yet: give --name (the legal name)")
        if address is not None:
            row.address = address
        if email is not None:
            row.email = email
        if tax_id is not None:
            row.tax_id = tax_id
        row.profile_set = True
        session.flush()
        return _issuer_profile(row)


def _issuer_profile(row: Issuer) -> IssuerProfile:
    return IssuerProfile(
        code=row.code,
        name=row.name,
        address=row.address,
        email=row.email,
        tax_id=row.tax_id,
        profile_set=bool(row.profile_set),
    )


def issuer_profile(engine: Engine, tenant: str | None = None) -> IssuerProfile:
    """The issuer's stored profile, the tenant's with ``tenant`` (``profile_set`` False: the
    placeholder, never issued). An unknown tenant is an InvoiceError."""
    with transaction(engine) as session:
        return _issuer_profile(issuer(session, _issuer_code(session, tenant)))


__all__ = [
    "DEFAULT_ISSUER",
    "DEFAULT_TERMS_DAYS",
    "PLACEHOLDER_ISSUER",
    "TAX_NOTES",
    "TAX_TREATMENTS",
    "CustomerProfile",
    "IssuerProfile",
    "check_tax_rate",
    "customer_profile",
    "insert_stmt",
    "issuer",
    "issuer_code_for",
    "issuer_profile",
    "set_customer",
    "set_issuer",
]
