"""Invoices over the usage ledger: draft, finalise, void and credit notes (:mod:`.lifecycle`),
which charges a line bills and late usage (:mod:`.lines`), stored invoices by number or
customer (:mod:`.lookup`), the same lines rated in SQL (:mod:`.lines_sql`), what a rendering
reads (:mod:`.view`) and the renderers (:mod:`.render`).

Exceptions: ``InvoiceError`` (an invoice operation that cannot be done); database errors are
SQLAlchemy's.
"""

from .errors import InvoiceError
from .lifecycle import charges_total, credit_note, invoice, void
from .lookup import customer_exists, customer_invoices, invoice_by_number
from .render.csv import invoice_csv
from .render.html import invoice_html
from .render.json import credit_note_doc, invoice_doc
from .render.text import invoice_text
from .view import CreditNoteView, InvoiceLineView, InvoiceView

__all__ = [
    "CreditNoteView",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "charges_total",
    "credit_note",
    "credit_note_doc",
    "customer_exists",
    "customer_invoices",
    "invoice",
    "invoice_by_number",
    "invoice_csv",
    "invoice_doc",
    "invoice_html",
    "invoice_text",
    "void",
]
