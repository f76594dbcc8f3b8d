"""DuckDB as the rating engine: the same statements (billing.sqlrate.queries) through
``duckdb_engine``, SQLAlchemy's DuckDB dialect, over an in-process database.

DuckDB reads the events in one of two ways:

- a Parquet export (``ratecard export-events``, billing.sqlrate.events): views over
  ``read_parquet`` of the three datasets; nothing is copied, DuckDB scans the columns it needs
  with every core (the fast way: see the README's "Scale path" for the measured figures);
- the ledger itself: the rows in scope are streamed out of SQLite or PostgreSQL as Arrow
  record batches into DuckDB tables, read by the ADBC drivers where they may read
  (billing.sqlrate.events). DuckDB's own ``sqlite_scanner``/``postgres_scanner`` extensions
  are downloaded at run time from DuckDB's site; the one package on PyPI that ships them
  (``duckdb-ext-*``) stops at DuckDB 1.4.4 and pins it, so they are not used.

Exactness: ``SUM(BIGINT)`` is a HUGEINT in DuckDB (128 bits, exact, raises rather than
wraps) and ``COUNT`` a BIGINT; only these integers come back, Python multiplies them by the
Decimal prices.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection

from .events import MARKS_TOOLS, TOOL_ROWS, each_dataset

DATASETS = ("usage_events", "usage_tool_calls", "customers")
#: DuckDB's integer types: a ``tool_rows`` of another type is not the export's (see
#: billing.sqlrate.events.TOOL_ROWS)
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)


class EngineUnavailableError(Exception):
    """The optional engine (its Python package or Java) is not installed."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_glob(root: Path, name: str) -> str:
    """The files of one dataset of an export directory."""
    return str(root / name / "*.parquet")


@contextmanager
def duckdb_connection(
    *,
    parquet: Path | None = None,
    ledger: Connection | None = None,
    scope: Sequence[ColumnElement[bool]] = (),
    threads: int | None = None,
) -> Iterator[Connection]:
    """A SQLAlchemy connection to a fresh in-memory DuckDB holding ``usage_events``,
    ``usage_tool_calls`` and ``customers``: views over the Parquet export at ``parquet``, or
    tables loaded from the ledger connection ``ledger`` (the events matching ``scope``).

    Raises :class:`EngineUnavailableError` when ``duckdb``/``duckdb_engine`` are missing
    (``pip install 'ratecard[duckdb]'``), FileNotFoundError when a dataset is missing."""
    try:
        import duckdb  # noqa: F401  (the driver duckdb_engine loads)
        import duckdb_engine  # noqa: F401
    except ImportError:
        raise EngineUnavailableError(
            "the duckdb engine needs the duckdb extra: pip install 'ratecard[duckdb]'"
        ) from None
    # here for start-up time: only this engine path needs it
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    engine = create_engine("duckdb:///:memory:", poolclass=StaticPool)
    try:
        with engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            raw.execute("SET TimeZone = 'UTC'")
            raw.execute("SET enable_progress_bar = false")  # no bar on the user's terminal
            if threads:
                raw.execute(f"SET threads = {int(threads)}")
            if parquet is not None:
                # every statement of a rating reads the same files: their footers are read
                # once per connection, not once per statement (DuckDB checks each file
                # before using what it kept: a file rewritten meanwhile is read anew)
                raw.execute("SET parquet_metadata_cache = true")
                for name in DATASETS:
                    if not any((parquet / name).glob("*.parquet")):
                        raise FileNotFoundError(f"{parquet / name}: no Parquet files")
                    raw.execute(
                        f"CREATE VIEW {name} AS SELECT * FROM "
                        f"read_parquet({_quote(parquet_glob(parquet, name))})"
                    )
            elif ledger is not None:
                # without tool_rows: the ledger's lookups would cost more than they save
                each_dataset(ledger, scope, partial(load_batches, raw), marks=False)
            if parquet is not None or ledger is not None:
                # an integer tool_rows only: another type (an export written by another
                # pipeline) is taken as absent, and every event scanned
                types = dict(
                    raw.execute(
                        "SELECT column_name, column_type FROM (DESCRIBE usage_events)"
                    ).fetchall()
                )
                conn.info[MARKS_TOOLS] = types.get(TOOL_ROWS) in _INTEGER_TYPES
            yield conn
    finally:
        engine.dispose()


def load_batches(raw: Any, name: str, schema: Any, batches: Iterator[Any]) -> None:
    """Create (or replace) the DuckDB table ``name`` from Arrow record batches of
    ``schema``."""
    # here, not at the top: an optional dependency (the duckdb or spark extra)
    import pyarrow as pa

    reader = pa.RecordBatchReader.from_batches(schema, batches)
    raw.register("ratecard_source", reader)
    try:
        raw.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM ratecard_source")
    finally:
        raw.unregister("ratecard_source")


__all__ = [
    "DATASETS",
    "EngineUnavailableError",
    "duckdb_connection",
    "load_batches",
    "parquet_glob",
]
