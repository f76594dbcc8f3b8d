"""Invoices over the usage ledger: draft, finalise, void, credit notes and late usage
(:mod:`.lifecycle`), the same lines rated in SQL (:mod:`.lines_sql`), and the renderers
(:mod:`.render`).

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

__all__ = [
    "CreditNoteView",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "charges_total",
    "credit_note",
    "invoice",
    "void",
]
