"""The rating columns of the ledger as Arrow record batches and Parquet files, the form in
which DuckDB and Spark read them (billing.sqlrate.duck, billing.sqlrate.spark).

An export directory holds three Parquet datasets: ``usage_events/`` (the columns the rating
statements read, plus ``customer``, the customer's code), ``usage_tool_calls/`` (``event_pk,
tool, calls``) and ``customers/`` (``id, code``). Counts are INT64, ``event_time`` a UTC
timestamp (microseconds), ``request_params`` the JSON text as stored. No money column is
exported: the engines only count and sum integers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Text, cast, select

from ..ledger.tables import Customer, UsageEvent, UsageToolCall

if TYPE_CHECKING:  # pyarrow is imported where it is used: the optional duckdb/spark extra
    import pyarrow as pa

#: usage_events columns exported, in order, with their Arrow types (see :func:`schemas`)
EVENT_COLUMNS = (
    "id",
    "customer_id",
    "period",
    "offering",
    "event_time",
    "status",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "request_params",
    "token_kinds",  # issue 10: the statements refuse events that set either (reason 9)
    "price_context",
)
BATCH_ROWS = 200_000


def schemas() -> dict[str, pa.Schema]:
    # here, not at the top: an optional dependency (the duckdb or spark extra)
    import pyarrow as pa

    counts = [
        (name, pa.int64())
        for name in (
            "input_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "output_tokens",
            "reasoning_tokens",
        )
    ]
    return {
        "usage_events": pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("period", pa.string()),
                ("offering", pa.string()),
                ("event_time", pa.timestamp("us", tz="UTC")),
                ("status", pa.string()),
                *counts,
                ("request_params", pa.string()),
                ("token_kinds", pa.string()),
                ("price_context", pa.string()),
            ]
        ),
        "usage_tool_calls": pa.schema(
            [("event_pk", pa.int64()), ("tool", pa.string()), ("calls", pa.int64())]
        ),
        "customers": pa.schema([("id", pa.int64()), ("code", pa.string())]),
    }


def _batches(conn: Connection, stmt: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    # here, not at the top: an optional dependency (the duckdb or spark extra)
    import pyarrow as pa

    names = schema.names
    if conn.dialect.name == "sqlite":
        # the driver's rows as stored, without SQLAlchemy's per-value result processing:
        # timestamps are SQLite's UTC text, which Arrow's cast parses a column at a time
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        result = conn.exec_driver_sql(str(compiled), params)
    else:
        # options for this statement only (Connection.execution_options would change the
        # caller's connection for good)
        result = conn.execute(stmt, execution_options={"yield_per": BATCH_ROWS})
    for rows in result.partitions(BATCH_ROWS):
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        arrays = []
        for i, col in enumerate(columns):
            kind = schema.field(i).type
            if pa.types.is_timestamp(kind) and conn.dialect.name == "sqlite":
                text = pa.array(col, type=pa.string())
                arrays.append(text.cast(pa.timestamp("us")).cast(kind))
            else:
                arrays.append(pa.array(col, type=kind))
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def ledger_batches(
    conn: Connection, scope: Sequence[ColumnElement[bool]]
) -> dict[str, Iterator[pa.RecordBatch]]:
    """Record batches of the events matching ``scope`` (conditions on usage_events, evaluated
    by the ledger's database), their tool calls, and the customers."""
    e = UsageEvent.__table__.c
    sch = schemas()
    columns = [
        cast(e[name], Text).label(name) if name == "request_params" else e[name]
        for name in EVENT_COLUMNS
    ]
    events = select(*columns).where(*scope)
    t = UsageToolCall.__table__.c
    in_scope = select(e.id).where(*scope)
    tools = select(t.event_pk, t.tool, t.calls).where(t.event_pk.in_(in_scope))
    customers = select(Customer.id, Customer.code)
    return {
        "usage_events": _batches(conn, events, sch["usage_events"]),
        "usage_tool_calls": _batches(conn, tools, sch["usage_tool_calls"]),
        "customers": _batches(conn, customers, sch["customers"]),
    }


def export_events(
    conn: Connection, scope: Sequence[ColumnElement[bool]], out: Path
) -> dict[str, int]:
    """Write the events in ``scope`` as Parquet under ``out`` (see the module docstring);
    returns the rows written per dataset. Existing files of a dataset are replaced."""
    # here, not at the top: an optional dependency (the duckdb or spark extra)
    import pyarrow.parquet as pq

    written: dict[str, int] = {}
    sch = schemas()
    for name, batches in ledger_batches(conn, scope).items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        rows = 0
        with pq.ParquetWriter(folder / "part-0.parquet", sch[name], compression="zstd") as w:
            for batch in batches:
                rows += batch.num_rows
                w.write_batch(batch)
        written[name] = rows
    return written


__all__ = ["EVENT_COLUMNS", "export_events", "ledger_batches", "schemas"]
