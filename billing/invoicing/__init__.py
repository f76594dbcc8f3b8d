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
    DEFAULT_TERMS_DAYS,
    CustomerProfile,
    IssuerProfile,
    customer_profile,
    issuer_profile,
    set_customer,
    set_issuer,
)
from .render.csv import invoice_csv
from .render.html import invoice_html
from .render.json import credit_note_doc, invoice_doc
from .render.pdf import PdfError, chromium_path, invoice_pdf
from .render.text import invoice_text
from .tax import tax_amount
from .view import CreditNoteView, EventChargeView, InvoiceLineView, InvoiceView

__all__ = [
    "DEFAULT_TERMS_DAYS",
    "CreditNoteView",
    "CustomerProfile",
    "EventChargeView",
    "InvoiceError",
    "InvoiceLineView",
    "InvoiceView",
    "IssuerProfile",
    "PdfError",
    "charges_total",
    "chromium_path",
    "credit_note",
    "credit_note_doc",
    "customer_exists",
    "customer_invoices",
    "customer_profile",
    "invoice",
    "invoice_by_number",
    "invoice_csv",
    "invoice_doc",
    "invoice_html",
    "invoice_pdf",
    "invoice_text",
    "issuer_profile",
    "set_customer",
    "set_issuer",
    "tax_amount",
    "void",
]
