"""The exception of invoice operations (defined in billing.errors, the one tree)."""

from ..errors import InvoiceError

__all__ = ["InvoiceError"]
