"""Rating compiled to SQL: each offering's price plans become SQLAlchemy Core expressions over
``usage_events`` and ``usage_tool_calls``; the database sums integer quantities per
(customer, period, offering, version, tier, charge) and Python multiplies the sums by the
Decimal prices, exactly. Results equal billing.rating's to the last digit (a differential
test with hypothesis checks it on SQLite and PostgreSQL).
"""

from __future__ import annotations

from .params import NotCompilableError
from .plan import ERRORS, CompiledOffering, compile_offering
from .rate import RatedLine, RateError, RateResult, period_scope, rate_scope, show_sql
from .rerate import customer_codes, unread_events

__all__ = [
    "ERRORS",
    "CompiledOffering",
    "NotCompilableError",
    "RateError",
    "RateResult",
    "RatedLine",
    "compile_offering",
    "customer_codes",
    "period_scope",
    "rate_scope",
    "show_sql",
    "unread_events",
]
