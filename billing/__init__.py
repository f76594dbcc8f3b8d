"""ratecard's billing: usage, money, rating, estimates, audits, the ledger and invoices."""

from .charge import Charge, Line
from .rating import PricingError, price
from .records import RecordError, UsageRecord, parse_json_line, parse_record
from .usage import Usage

__all__ = [
    "Charge",
    "Line",
    "PricingError",
    "RecordError",
    "Usage",
    "UsageRecord",
    "parse_json_line",
    "parse_record",
    "price",
]
