"""ratecard's billing: usage, money, rating, estimates, audits, the ledger and invoices."""

from .charge import Charge, Line
from .usage import Usage

__all__ = ["Charge", "Line", "Usage"]
