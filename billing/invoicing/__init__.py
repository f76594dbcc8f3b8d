"""Invoices over the usage ledger: draft, finalise, void, credit notes and late usage
(:mod:`.lifecycle`), stored invoices by number or customer (:mod:`.lookup`), the same lines
rated in SQL (:mod:`.lines_sql`), and the renderers (:mod:`.render`).

Exceptions: ``InvoiceError`` (an invoice operation that cannot be done); database errors are
SQLAlchemy's.
"""

from .lifecycle import (
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

__all__ = [
    "CreditNoteView",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "charges_total",
    "credit_note",
    "customer_exists",
    "customer_invoices",
    "invoice",
    "invoice_by_number",
    "void",
]
