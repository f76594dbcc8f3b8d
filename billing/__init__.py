"""ratecard's billing: usage, money, rating, estimates, audits, the ledger and invoices.

Names are imported on first use (PEP 562) so that ``ratecard validate`` does not pay for
rating on start-up; add new public names to ``_LAZY`` (name → module) and ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .charge import Charge, Line
    from .rating import PricingError, price
    from .records import RecordError, UsageRecord, parse_json_line, parse_record
    from .responses import price_response, record_from_response
    from .usage import Usage

_LAZY = {
    "Charge": "charge",
    "Line": "charge",
    "PricingError": "rating",
    "RecordError": "records",
    "Usage": "usage",
    "UsageRecord": "records",
    "parse_json_line": "records",
    "parse_record": "records",
    "price": "rating",
    "price_response": "responses",
    "record_from_response": "responses",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'billing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
    "price_response",
    "record_from_response",
]
