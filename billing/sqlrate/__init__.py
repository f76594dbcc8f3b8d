"""Rating compiled to SQL: each offering's price plans become SQLAlchemy Core expressions over
``usage_events`` and ``usage_tool_calls``; the database sums integer quantities per
(customer, period, offering, version, tier, charge) and Python multiplies the sums by the
Decimal prices, exactly. Results equal billing.rating's to the last digit (a differential
test with hypothesis checks it on SQLite, PostgreSQL, DuckDB and Spark, line for line).

Engines: the ledger's own database (SQLite, PostgreSQL), DuckDB in process over the ledger or
a Parquet export (:mod:`.duck`, :mod:`.events`), Spark SQL (:mod:`.spark`); usage files are
priced in bulk by :func:`price_files` (:mod:`.files`).
"""

from __future__ import annotations

from ..errors import NotCompilableError
from .duck import EngineUnavailableError, duckdb_connection
from .events import export_events
from .files import (
    BulkResult,
    FileTextError,
    by_offering_and_charge,
    price_files,
    records_in_order,
)
from .plan import ERRORS, CompiledOffering, compile_offering
from .rate import (
    RatedLine,
    RateError,
    RateResult,
    offerings_in_scope,
    period_scope,
    rate_scope,
    show_sql,
)
from .rerate import customer_codes, unread_events
from .spark import SparkConnection, SparkUsageError, check_master, register_events, spark_session
from .stored import compare, stored_sums

__all__ = [
    "ERRORS",
    "BulkResult",
    "CompiledOffering",
    "EngineUnavailableError",
    "FileTextError",
    "NotCompilableError",
    "RateError",
    "RateResult",
    "RatedLine",
    "SparkConnection",
    "SparkUsageError",
    "by_offering_and_charge",
    "check_master",
    "compare",
    "compile_offering",
    "customer_codes",
    "duckdb_connection",
    "export_events",
    "offerings_in_scope",
    "period_scope",
    "price_files",
    "rate_scope",
    "records_in_order",
    "register_events",
    "show_sql",
    "spark_session",
    "stored_sums",
    "unread_events",
]
