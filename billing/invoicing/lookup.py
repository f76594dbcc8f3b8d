"""Finding stored invoices: by document number, or every invoice of a customer.

Read only: a draft is returned as last generated (``invoices.invoice`` regenerates it).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, select

from ..ledger.db import transaction
from ..ledger.tables import Customer, Invoice, Issuer
from .profiles import DEFAULT_ISSUER
from .view import InvoiceView, _view

_NUMBER = re.compile(r"(.*?)(\d+)")


def invoice_by_number(
    engine: Engine,
    document_number: str,
    *,
    with_events: bool = False,
    issuer: str = DEFAULT_ISSUER,
) -> InvoiceView | None:
    """The invoice numbered ``document_number`` (``INV-000001``) by the issuer ``issuer``
    (a code: ``default``, or a tenant's :func:`billing.ledger.tenant_issuer`; each issuer
    numbers its own invoices), or ``None``."""
    parsed = _NUMBER.fullmatch(document_number)
    if parsed is None or len(parsed[2]) > 18:
        return None
    with transaction(engine) as session:
        found = session.scalars(
            select(Invoice)
            .join(Issuer, Issuer.id == Invoice.issuer_id)
            .where(
                Issuer.code == issuer,
                Issuer.invoice_prefix == parsed[1],
                Invoice.number == int(parsed[2]),
            )
        ).one_or_none()
        if found is None:
            return None
        view = _view(session, found, with_events=with_events)
    return view if view.document_number == document_number else None


def customer_invoices(
    engine: Engine, customer: str, period: str | None = None
) -> list[InvoiceView]:
    """The customer's stored invoices (void ones included), by period then creation."""
    with transaction(engine) as session:
        stmt = (
            select(Invoice)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Customer.code == customer)
            .order_by(Invoice.period, Invoice.id)
        )
        if period is not None:
            stmt = stmt.where(Invoice.period == period)
        return [_view(session, inv, with_events=False) for inv in session.scalars(stmt)]


def customer_exists(engine: Engine, customer: str) -> bool:
    """Whether the ledger has the customer (any usage was ever ingested for it)."""
    with transaction(engine) as session:
        return session.scalar(select(Customer.id).where(Customer.code == customer)) is not None


__all__ = ["customer_exists", "customer_invoices", "invoice_by_number"]
