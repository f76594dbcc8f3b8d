"""The exception of invoice operations."""


class InvoiceError(Exception):
    """An invoice operation that cannot be done, with a sentence saying why."""
