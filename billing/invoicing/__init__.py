"""Invoices over the usage ledger: draft, finalise, void and credit notes (:mod:`.lifecycle`),
which charges a line bills and late usage (:mod:`.lines`), stored invoices by number or
customer (:mod:`.lookup`), the same lines rated in SQL (:mod:`.lines_sql`), what a rendering
reads (:mod:`.view`), the renderers (:mod:`.render`), customer and issuer profiles
(:mod:`.profiles`) and the tax line (:mod:`.tax`).

Exceptions: ``InvoiceError`` (an invoice operation that cannot be done); database errors are
SQLAlchemy's.
"""

from .errors import InvoiceError
from .lifecycle import charges_total, credit_note, invoice, void
from .lookup import customer_exists, customer_invoices, invoice_by_number
from .profiles import (
    CustomerProfile,
    IssuerProfile,
    customer_profile,
    issuer_profile,
    set_customer,
    set_issuer,
)
from .tax import tax_amount
from .view import CreditNoteView, InvoiceLineView, InvoiceView

__all__ = [
    "CreditNoteView",
    "CustomerProfile",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "IssuerProfile",
    "charges_total",
    "credit_note",
    "customer_exists",
    "customer_invoices",
    "customer_profile",
    "invoice",
    "invoice_by_number",
    "issuer_profile",
    "set_customer",
    "set_issuer",
    "tax_amount",
    "void",
]
