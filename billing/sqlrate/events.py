"""The rating columns of the ledger as Arrow record batches and Parquet files, the form in
which DuckDB and Spark read them (billing.sqlrate.duck, billing.sqlrate.spark).

An export directory holds three Parquet datasets: ``usage_events/`` (the columns the rating
statements read, and ``tool_rows``), ``usage_tool_calls/`` (``event_pk, tool, calls``) and
``customers/`` (``id, code``). Counts are INT64, ``event_time`` a UTC timestamp
(microseconds), ``request_params`` the JSON text as stored. No money column is exported: the
engines only count and sum integers.

``tool_rows`` is the number of the event's rows in ``usage_tool_calls``, read in the same
statement as the events (one snapshot of the ledger: an ingest is in the export whole or not
at all). The export writes the events without tool calls first, then those with them,
each kind from a row group of its own on (row groups of :data:`BATCH_ROWS` events). So
only the last row groups have ``tool_rows`` statistics above 0, and the tool
statement (``tool_rows > 0``: billing.sqlrate.rate) reads only them instead of every event of
the period. The column is optional to a reader: an export without it is rated by a scan of
every event, and one whose ``tool_rows`` do not add up to the rows of ``usage_tool_calls`` is
rated so too (:func:`billing.sqlrate.rate.rate_scope`). DuckDB's tables loaded from the ledger
have no ``tool_rows`` (:func:`ledger_batches` ``marks=False``).

The rows are read in one of two ways, the same rows either way:

- **ADBC** (Apache Arrow's database connectivity drivers, ``adbc-driver-sqlite`` and
  ``adbc-driver-postgresql``, in the duckdb and spark extras): the database's rows become
  Arrow columns in C, with no Python object per value: 2.5 times as fast as the second way
  on SQLite, 4 times on PostgreSQL (docs/scale-path.md). ADBC opens its own connection to
  the same database, so it is used only when that connection sees exactly what the caller's
  does: a SQLite file (not ``:memory:``) whose connection is outside a transaction, or in
  one begun with the write lock (``BEGIN IMMEDIATE``: no one else commits meanwhile) that
  has written nothing, not in a read-only ledger's plain ``BEGIN`` (others may commit after
  its snapshot); or a PostgreSQL database whose transaction has written nothing
  (``txid_current_if_assigned()`` is NULL) at READ COMMITTED or in autocommit. A read ADBC
  cannot start (no connection, a scope it cannot be given as SQL) or that fails part way (a
  value of another type than the first rows of its column, which SQLite's driver takes as
  the column's type) is done again the second way; :func:`ledger_batches` ``adbc=False``
  asks for the second way.
- **SQLAlchemy**: the driver's rows, converted a column at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from sqlalchemy import ColumnElement, Connection, Text, cast, func, select, text

from ..ledger.db import CHANGES_AT_BEGIN
from ..ledger.tables import Customer, UsageEvent, UsageToolCall
from .queries import _fixed

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
#: the export's column of each event's rows in usage_tool_calls (see the module docstring)
TOOL_ROWS = "tool_rows"
#: the key of ``Connection.info`` that says the connection's ``usage_events`` has
#: :data:`TOOL_ROWS` (set by billing.sqlrate.duck and billing.sqlrate.spark)
MARKS_TOOLS = "ratecard.tool_rows"


def schemas(*, marks: bool = True) -> dict[str, pa.Schema]:
    """The Arrow schema of each dataset; ``marks``: usage_events with :data:`TOOL_ROWS`."""
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
                *([(TOOL_ROWS, pa.int64())] if marks else []),
            ]
        ),
        "usage_tool_calls": pa.schema(
            [("event_pk", pa.int64()), ("tool", pa.string()), ("calls", pa.int64())]
        ),
        "customers": pa.schema([("id", pa.int64()), ("code", pa.string())]),
    }


class AdbcReadError(Exception):
    """The ADBC read failed after it started; the caller reads again without ADBC."""


def _adbc_uri(conn: Connection) -> tuple[str, str] | None:
    """(dialect, what the ADBC driver connects to) when ADBC may read for ``conn``, else
    None: the driver is not installed, the database is not a file, or the caller's
    connection holds a write another connection would not see."""
    url = conn.engine.url
    name = conn.dialect.name
    raw: Any = conn.connection.driver_connection
    try:
        if name == "sqlite":
            # here, not at the top: an optional dependency (the duckdb or spark extra)
            import adbc_driver_sqlite.dbapi  # noqa: F401

            database = url.database or ""
            if database in ("", ":memory:"):
                return None
            # in a transaction only when it began with the write lock (billing.ledger.db
            # records total_changes then) and has written nothing since
            at_begin = conn.info.get(CHANGES_AT_BEGIN)
            if raw.in_transaction and (at_begin is None or raw.total_changes != at_begin):
                return None
            if database.startswith("file:"):
                if url.query.get("uri") not in ("true", "1"):
                    return None  # a file whose name starts with "file:", not a URI
                query = "&".join(f"{k}={v}" for k, v in url.query.items() if k != "uri")
                return name, f"{database}?{query}" if query else database
            # read-only, and by a URI so that a file that is not there is not created
            return name, f"file:{quote(str(Path(database).absolute()))}?mode=ro"
        if name == "postgresql":
            # here, not at the top: an optional dependency (the duckdb or spark extra)
            import adbc_driver_postgresql.dbapi  # noqa: F401

            wrote = conn.execute(text("SELECT txid_current_if_assigned()")).scalar()
            level = conn.get_isolation_level()
            if wrote is not None or level not in ("READ COMMITTED", "AUTOCOMMIT"):
                return None
            return name, _libpq_uri(url)
    except ImportError:
        return None
    return None


def _libpq_uri(url: Any) -> str:
    """``url`` (SQLAlchemy's) as the URI libpq reads, every part percent-encoded."""
    auth = ""
    if url.username:
        auth = quote(url.username, safe="")
        if url.password is not None:
            auth += ":" + quote(str(url.password), safe="")
        auth += "@"
    host = url.host or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{url.port}" if url.port else ""
    database = quote(url.database or "", safe="")
    query = urlencode(
        [(k, v) for k, vs in url.query.items() for v in (vs if isinstance(vs, tuple) else [vs])]
    )
    return f"postgresql://{auth}{host}{port}/{database}" + (f"?{query}" if query else "")


def _adbc_batches(
    where: tuple[str, str], conn: Connection, stmt: Any, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """The rows of ``stmt`` read by the ADBC driver, as batches of ``schema``; raises
    AdbcReadError when the read fails."""
    # here, not at the top: optional dependencies (the duckdb or spark extra)
    import pyarrow as pa

    name, target = where
    try:
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    except Exception as exc:  # a value SQLAlchemy cannot write as a literal (a datetime)
        raise AdbcReadError(str(exc)) from exc
    if name == "sqlite":
        # SQLite's driver takes a column's type from the first rows it reads: a first row of
        # the right types (taken off below) keeps a column that starts with NULLs typed
        first = ", ".join(
            ("''" if pa.types.is_string(f.type) or pa.types.is_timestamp(f.type) else "0")
            + f" AS {f.name}"
            for f in schema
        )
        sql = f"SELECT 1 AS ratecard_first, {first} UNION ALL SELECT 0, * FROM ({sql})"
    try:
        yield from _adbc_read(name, target, sql, schema)
    except AdbcReadError:
        raise
    except Exception as exc:  # the driver's own errors (connection, type mismatch)
        raise AdbcReadError(str(exc)) from exc


def _adbc_read(name: str, target: str, sql: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    # here, not at the top: optional dependencies (the duckdb or spark extra)
    import pyarrow as pa

    if name == "sqlite":
        # here, not at the top: an optional dependency (the duckdb or spark extra)
        import adbc_driver_sqlite.dbapi as driver
    else:
        # here, not at the top: an optional dependency (the duckdb or spark extra)
        import adbc_driver_postgresql.dbapi as driver  # type: ignore[no-redef]
    adbc = driver.connect(target)
    try:
        cur = adbc.cursor()
        try:
            cur.execute(sql)
            reader = cur.fetch_record_batch()
            first_row = name == "sqlite"
            for batch in reader:
                if name == "sqlite":
                    if first_row:
                        marks = batch.column(0)
                        if not batch.num_rows or marks[0].as_py() != 1:
                            raise AdbcReadError("the typed first row did not come first")
                        batch = batch.slice(1)
                        first_row = False
                    batch = batch.drop_columns(["ratecard_first"])
                arrays = []
                for i, field in enumerate(schema):
                    col = batch.column(i)
                    if pa.types.is_timestamp(field.type) and pa.types.is_string(col.type):
                        col = col.cast(pa.timestamp("us")).cast(field.type)
                    elif col.type != field.type:
                        col = col.cast(field.type)
                    arrays.append(col)
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)
        finally:
            cur.close()
    finally:
        adbc.close()


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
        # caller's connection for good); a server-side cursor needs a transaction, so a
        # connection in autocommit reads the rows whole
        streamed = not getattr(conn.connection.driver_connection, "autocommit", False)
        options = {"yield_per": BATCH_ROWS} if streamed else {}
        result = conn.execute(stmt, execution_options=options)
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
    conn: Connection,
    scope: Sequence[ColumnElement[bool]],
    *,
    adbc: bool = True,
    marks: bool = True,
) -> dict[str, Iterator[pa.RecordBatch]]:
    """Record batches of the events matching ``scope`` (conditions on usage_events, evaluated
    by the ledger's database), their tool calls, and the customers (the one customer the
    scope pins, if it pins one). With ``adbc`` (and when
    ADBC may read: see the module docstring) the batches come from the ADBC driver, and an
    iterator raises AdbcReadError when the read fails part way; :func:`each_dataset` reads
    again without ADBC then. With ``marks`` the events carry :data:`TOOL_ROWS` (what the
    export writes); without, they do not (what an in-memory DuckDB loads: a lookup of each
    event's tool calls in the ledger costs more than DuckDB's whole rating then, about 0.5 s
    per million events on SQLite)."""
    e = UsageEvent.__table__.c
    t = UsageToolCall.__table__.c
    sch = schemas(marks=marks)
    columns = [
        cast(e[name], Text).label(name) if name == "request_params" else e[name]
        for name in EVENT_COLUMNS
    ]
    if marks:
        # one statement, so one snapshot of the ledger (an ingest is in the export whole or
        # not at all); export_events writes the events with tool calls last
        rows_of = select(func.count()).where(t.event_pk == e.id).scalar_subquery()
        columns.append(rows_of.label(TOOL_ROWS))
    events = select(*columns).where(*scope)
    in_scope = select(e.id).where(*scope)
    tools = select(t.event_pk, t.tool, t.calls).where(t.event_pk.in_(in_scope))
    # every customer, but for a scope of one customer (``export-events --customer``): the
    # export then holds that customer alone, and a rating of it compares that customer's
    # stored charges only
    customers = select(Customer.id, Customer.code)
    pinned, _ = _fixed(list(scope))
    if pinned is not None:
        customers = customers.where(Customer.id == pinned)
    where = _adbc_uri(conn) if adbc else None
    read: Callable[[Any, pa.Schema], Iterator[pa.RecordBatch]] = (
        partial(_adbc_batches, where, conn) if where is not None else partial(_batches, conn)
    )
    statements = {"usage_events": events, "usage_tool_calls": tools, "customers": customers}
    return {name: read(stmt, sch[name]) for name, stmt in statements.items()}


def each_dataset(
    conn: Connection,
    scope: Sequence[ColumnElement[bool]],
    consume: Callable[[str, pa.Schema, Iterator[pa.RecordBatch]], None],
    *,
    marks: bool = True,
) -> None:
    """``consume(name, schema, batches)`` for each dataset of :func:`ledger_batches` (with
    ``marks``); when an ADBC read fails part way, ``consume`` is called again for that
    dataset with batches read by SQLAlchemy (so it must start the dataset over)."""
    sch = schemas(marks=marks)
    for name, batches in ledger_batches(conn, scope, marks=marks).items():
        try:
            consume(name, sch[name], batches)
        except Exception as exc:
            # the error reaches here as raised, or wrapped by Arrow or DuckDB on the way
            if not _caused_by_adbc(exc):
                raise
            again = ledger_batches(conn, scope, adbc=False, marks=marks)
            consume(name, sch[name], again[name])


def _caused_by_adbc(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, AdbcReadError) or "AdbcReadError" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def export_events(
    conn: Connection, scope: Sequence[ColumnElement[bool]], out: Path
) -> dict[str, int]:
    """Write the events in ``scope`` as Parquet under ``out`` (see the module docstring);
    returns the rows written per dataset. Existing files of a dataset are replaced."""
    # here, not at the top: an optional dependency (the duckdb or spark extra)
    import pyarrow.parquet as pq

    written: dict[str, int] = {}

    def write(name: str, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        rows = 0
        # row groups of BATCH_ROWS rows, whatever the driver's batches (ADBC's SQLite driver
        # gives 1,024 rows at a time): an engine reads a file a row group per thread, and
        # skips one by its statistics
        with pq.ParquetWriter(folder / "part-0.parquet", schema, compression="zstd") as w:
            groups = _RowGroups(w, schema)
            if TOOL_ROWS in schema.names:
                rows = _tool_events_last(batches, groups, folder / ".events-with-tools.arrow")
            else:
                for batch in batches:
                    rows += batch.num_rows
                    groups.add(batch)
            groups.flush()
        written[name] = rows

    each_dataset(conn, scope, write)
    return written


def _tool_events_last(batches: Iterator[pa.RecordBatch], groups: _RowGroups, held: Path) -> int:
    """Write the events without tool calls to ``groups``, then those with them, from a row
    group of their own on (one file: DuckDB reads one Parquet file faster than two); the
    latter wait meanwhile in the Arrow file ``held``, removed after. Returns the events."""
    # here, not at the top: optional dependencies (the duckdb or spark extra)
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = 0
    try:
        with pa.ipc.new_file(held, groups.schema) as later:
            for batch in batches:
                rows += batch.num_rows
                marked = pc.greater(batch.column(TOOL_ROWS), 0)
                groups.add(batch.filter(pc.invert(marked)))
                later.write_batch(batch.filter(marked))
        groups.flush()
        with pa.memory_map(str(held)) as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                groups.add(reader.get_batch(i))
    finally:
        held.unlink(missing_ok=True)
    return rows


class _RowGroups:
    """Batches written to a ParquetWriter as row groups of BATCH_ROWS rows; :meth:`flush`
    writes what is held as a shorter one."""

    def __init__(self, writer: Any, schema: pa.Schema) -> None:
        self.writer, self.schema = writer, schema
        self.held: list[pa.RecordBatch] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        self.held.append(batch)
        self.rows += batch.num_rows
        if self.rows >= BATCH_ROWS:
            whole = self.rows - self.rows % BATCH_ROWS
            table = self._take()
            self.writer.write_table(table.slice(0, whole), row_group_size=BATCH_ROWS)
            rest = table.slice(whole)
            self.held = rest.to_batches() if rest.num_rows else []
            self.rows = rest.num_rows

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(self._take(), row_group_size=BATCH_ROWS)
        self.held, self.rows = [], 0

    def _take(self) -> pa.Table:
        # here, not at the top: an optional dependency (the duckdb or spark extra)
        import pyarrow as pa

        return pa.Table.from_batches(self.held, schema=self.schema)


__all__ = [
    "EVENT_COLUMNS",
    "MARKS_TOOLS",
    "TOOL_ROWS",
    "AdbcReadError",
    "each_dataset",
    "export_events",
    "ledger_batches",
    "schemas",
]
