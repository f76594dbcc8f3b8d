"""ratecard's billing: usage, money, rating, estimates, audits, the ledger and invoices.

Names are imported on first use (PEP 562) so that ``ratecard validate`` does not pay for
rating on start-up; add new public names to ``_LAZY`` (name → module), ``__all__`` and the
``TYPE_CHECKING`` imports (tests/test_public_api.py keeps the three in step).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .audit import Finding, audit_stream
    from .charge import Charge, Line
    from .errors import (
        BillingError,
        EstimateError,
        InvoiceError,
        PeriodError,
        PricingCode,
        PricingError,
        RecordError,
        ShapeError,
    )
    from .estimating import Estimate, TaskEstimate, estimate, estimate_doc
    from .money import decimal_text
    from .period import period_of, period_problem
    from .priced import Priced, price_one, price_stream, priced_doc
    from .rating import bundled_catalog, price
    from .records import UsageRecord, loads, parse_json_line, parse_record
    from .responses import price_response, record_from_response
    from .text import explain_line
    from .usage import Usage

_LAZY = {
    "BillingError": "errors",
    "Charge": "charge",
    "Estimate": "estimating",
    "EstimateError": "errors",
    "Finding": "audit",
    "InvoiceError": "errors",
    "Line": "charge",
    "PeriodError": "errors",
    "Priced": "priced",
    "PricingCode": "errors",
    "PricingError": "errors",
    "RecordError": "errors",
    "ShapeError": "errors",
    "TaskEstimate": "estimating",
    "Usage": "usage",
    "UsageRecord": "records",
    "audit_stream": "audit",
    "bundled_catalog": "rating",
    "estimate": "estimating",
    "explain_line": "text",
    "parse_json_line": "records",
    "parse_record": "records",
    "price": "rating",
    "price_response": "responses",
    "price_stream": "priced",
    "record_from_response": "responses",
    "decimal_text": "money",
    "estimate_doc": "estimating",
    "loads": "records",
    "period_of": "period",
    "period_problem": "period",
    "price_one": "priced",
    "priced_doc": "priced",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'billing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BillingError",
    "Charge",
    "Estimate",
    "EstimateError",
    "Finding",
    "InvoiceError",
    "Line",
    "PeriodError",
    "Priced",
    "PricingCode",
    "PricingError",
    "RecordError",
    "ShapeError",
    "TaskEstimate",
    "Usage",
    "UsageRecord",
    "audit_stream",
    "bundled_catalog",
    "decimal_text",
    "estimate",
    "estimate_doc",
    "explain_line",
    "loads",
    "parse_json_line",
    "parse_record",
    "period_of",
    "period_problem",
    "price",
    "price_one",
    "price_response",
    "price_stream",
    "priced_doc",
    "record_from_response",
]
