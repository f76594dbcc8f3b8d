"""Storing a batch of prepared events in bulk: COPY on PostgreSQL, executemany on SQLite.

The rows stored are exactly those of the row-by-row path (``ingest.store_batch_reference``,
kept as the reference the tests compare against): the same events, tool calls and charges
(with their line items, :mod:`.charge_lines`), with the same ids in the same order, so
invoices do not change.

The unique constraint on ``usage_events (customer_id, event_id)`` still decides what is new:

- PostgreSQL: the batch is COPied into a TEMP staging table, one row per event with its
  charge (``ON COMMIT DELETE ROWS``, so it is empty again after every batch and costs no
  WAL), and its tool calls into a second one. Then one statement stores it:
  ``INSERT INTO usage_events ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` in
  (customer, id) order, and, from what it returned (the new events only), the charges and
  the tool calls, and the staging lines of the new events come back. The stored payload
  hashes of the others are read only when some event was not new.
- SQLite: the batch runs under the write lock (``BEGIN IMMEDIATE``), so the events inserted by
  ``INSERT ... ON CONFLICT DO NOTHING`` are those with an id above the largest one before it.

Both run in the caller's transaction: a batch is stored whole or not at all. The COPY text
of a PostgreSQL batch (:func:`stage_postgres`) is built without the database, so it can be
built in another thread or process (``ingest_lines(processes=...)``) while one is stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from ..period import period_of
from .batch import (
    BatchResult,
    EventKey,
    PreparedEvent,
    Stored,
    customer_ids,
    jsonable,
    split,
    token_kinds_json,
)
from .charge_lines import LinesEncoder

_Key = tuple[str, str]  # (customer code, event id)


def request_json(ev: PreparedEvent) -> str | None:
    """The ``request_params`` column's text, as SQLAlchemy's JSON type writes it."""
    usage = ev.usage
    if usage is None or not usage.request:
        return None
    return json.dumps(jsonable(dict(usage.request)))


def _classify(
    result: BatchResult,
    first: Mapping[_Key, Stored],
    repeats: Sequence[Stored],
    new: set[_Key],
    stored_hash: dict[_Key, str],
) -> BatchResult:
    """Sort the batch into new, duplicate (same payload) and conflicting events."""
    for key, ev in first.items():
        if key in new:
            result.ingested.append(ev)
            stored_hash[key] = ev.payload_hash
        elif stored_hash.get(key) == ev.payload_hash:
            result.duplicates.append(ev)
        else:
            result.conflicts.append(ev)
    for ev in repeats:
        same = stored_hash.get((ev.customer, ev.event_id)) == ev.payload_hash
        (result.duplicates if same else result.conflicts).append(ev)
    return result


# -- PostgreSQL --------------------------------------------------------------------------------

_PG_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    line integer, customer text, event_id text, payload_hash text, raw text, model text,
    offering text, endpoint text, event_time timestamptz, period text,
    input_tokens bigint, cache_read_tokens bigint, cache_write_tokens bigint,
    output_tokens bigint, reasoning_tokens bigint, request_params text,
    reported_cost numeric, status text, error text, token_kinds text,
    price_context text, currency text, total numeric, price_version text, tier text,
    lines text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_tools (
    line integer, tool text, calls bigint) ON COMMIT DELETE ROWS"""

_EVENT_COLUMNS = (
    "payload_hash, raw, model, offering, endpoint, event_time, period, input_tokens, "
    "cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, request_params, "
    "reported_cost, status, error, token_kinds, price_context"
)

# Customers, then events, in code point order (COLLATE "C": Python's order of str), as the
# row-by-row path inserts them: the same ids, and every process locks rows in the same order.
_PG_CUSTOMERS = """
INSERT INTO customers (code)
SELECT d.code FROM (SELECT DISTINCT customer AS code FROM ingest_stage) d
WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = d.code)
ORDER BY d.code COLLATE "C"
ON CONFLICT (code) DO NOTHING"""

#: one statement: the new events, then their charges and tool calls from what the insert
#: returned (a charge's foreign key sees the event inserted by the same statement)
_PG_STORE = f"""
WITH ins AS (
    INSERT INTO usage_events (customer_id, event_id, {_EVENT_COLUMNS})
    SELECT c.id, s.event_id, s.payload_hash, s.raw, s.model, s.offering, s.endpoint,
           s.event_time, s.period, s.input_tokens, s.cache_read_tokens, s.cache_write_tokens,
           s.output_tokens, s.reasoning_tokens, s.request_params::json, s.reported_cost,
           s.status, s.error, s.token_kinds, s.price_context
    FROM ingest_stage s JOIN customers c ON c.code = s.customer
    ORDER BY c.id, s.event_id COLLATE "C"
    ON CONFLICT (customer_id, event_id) DO NOTHING
    RETURNING id, customer_id, event_id
), new AS (
    SELECT ins.id, ins.customer_id, s.line, s.period, s.offering, s.currency, s.total,
           s.price_version, s.tier, s.lines
    FROM ins JOIN customers c ON c.id = ins.customer_id
    JOIN ingest_stage s ON s.customer = c.code AND s.event_id = ins.event_id
), charged AS (
    INSERT INTO charges (event_pk, customer_id, period, offering, currency, total,
                         price_version, tier, lines)
    SELECT id, customer_id, period, offering, currency, total, price_version, tier, lines
    FROM new WHERE currency IS NOT NULL
    ORDER BY id
), tools AS (
    INSERT INTO usage_tool_calls (event_pk, tool, calls)
    SELECT new.id, t.tool, t.calls FROM ingest_stage_tools t JOIN new USING (line)
    ORDER BY new.id, t.tool
)
SELECT line FROM new"""

#: the payload hash stored for each staged event (a subquery per row, so it reads the
#: unique index, never the whole table); asked only when some event of the batch was not new
_PG_OLD = """
SELECT s.line,
       (SELECT e.payload_hash FROM usage_events e
        WHERE e.customer_id = c.id AND e.event_id = s.event_id)
FROM ingest_stage s JOIN customers c ON c.code = s.customer"""

_COPY = (
    "COPY ingest_stage (line, customer, event_id, payload_hash, raw, model, offering, "
    "endpoint, event_time, period, input_tokens, cache_read_tokens, cache_write_tokens, "
    "output_tokens, reasoning_tokens, request_params, reported_cost, status, error, "
    "token_kinds, price_context, currency, total, price_version, tier, lines) FROM STDIN",
    "COPY ingest_stage_tools (line, tool, calls) FROM STDIN",
)


_NULL = "\\N"
_NO_CHARGE = "\\N\t\\N\t\\N\t\\N\t\\N"


def _t(value: str | None) -> str:
    """A text field of COPY's text format: NULL is \\N; backslash, tab, newline, CR escaped."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def _n(value: int | Decimal | None) -> str:
    """A number field: str(Decimal) is its exact text (1.2E-7 included), as the driver sends it."""
    return "\\N" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """A batch as COPY text for the staging tables: built without the database, so a writer
    thread can store one batch while the next is staged, and picklable, so a worker
    process can build it."""

    first: list[EventKey]  #: staged, in line order: the staging ``line`` is the index
    repeats: list[EventKey]  #: later events of a (customer, id) already in the batch
    copies: tuple[bytes, bytes]  #: events with their charges, tool calls


def stage_postgres(
    events: Sequence[PreparedEvent], encoder: LinesEncoder | None = None
) -> StagedBatch:
    """COPY text for a batch: the first event of each (customer, id), its charge and tools."""
    first_by_key, repeats = split(events)
    first = list(first_by_key.values())
    encode = (encoder or LinesEncoder()).encode
    ev_rows: list[str] = []
    tool_rows: list[str] = []
    for index, ev in enumerate(first):
        usage = ev.usage
        when = ev.timestamp
        period = _period(when)
        at = str(index)
        head = (
            f"{at}\t{_t(ev.customer)}\t{_t(ev.event_id)}\t{ev.payload_hash}\t{_t(ev.raw)}\t"
            f"{_t(ev.model)}\t{_t(ev.offering)}\t{_t(ev.endpoint)}\t"
            f"{_NULL if when is None else when.isoformat()}\t{_t(period)}\t"
        )
        if usage is None:
            ev_rows.append(
                f"{head}\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t{_n(ev.reported)}\tunpriceable\t"
                f"{_t(ev.error)}\t\\N\t{_t(ev.context)}\t{_NO_CHARGE}\n"
            )
            continue
        charge = ev.charge
        request = _t(request_json(ev)) if usage.request else "\\N"
        if charge is None:
            tail = f"unpriceable\t{_t(ev.error)}\t{_t(token_kinds_json(ev))}\t{_t(ev.context)}\t"
            tail += _NO_CHARGE
        else:
            tail = (
                f"priced\t{_t(ev.error)}\t{_t(token_kinds_json(ev))}\t{_t(ev.context)}\t"
                f"{_t(charge.currency)}\t{charge.total}\t{_t(charge.price_version or '')}\t"
                f"{_t(charge.tier)}\t{_t(encode(charge.lines))}"
            )
        ev_rows.append(
            f"{head}{usage.input}\t{usage.cache_read}\t{usage.cache_write}\t{usage.output}\t"
            f"{usage.reasoning}\t{request}\t{_n(ev.reported)}\t{tail}\n"
        )
        if usage.tools:
            tool_rows.extend(f"{at}\t{_t(tool)}\t{calls}\n" for tool, calls in usage.tools.items())
    return StagedBatch(
        [ev.key() for ev in first],
        [ev.key() for ev in repeats],
        ("".join(ev_rows).encode(), "".join(tool_rows).encode()),
    )


def flush_postgres(conn: Connection, staged: StagedBatch) -> BatchResult:
    """Store a staged batch in the caller's transaction: a few round trips, no Python loop
    over rows but the classification of the events that were not new."""
    result = BatchResult()
    first = staged.first
    if not first:
        return _classify(result, {}, staged.repeats, set(), {})
    pg: Any = conn.connection.driver_connection
    with pg.cursor() as cur:
        cur.execute(_PG_STAGING)
        for sql, data in zip(_COPY, staged.copies, strict=True):
            if data:
                with cur.copy(sql) as copy:
                    copy.write(data)
        cur.execute(_PG_CUSTOMERS)
        cur.execute(_PG_STORE)
        new_lines = {line for (line,) in cur.fetchall()}
        old = []
        if len(new_lines) < len(first):
            cur.execute(_PG_OLD)
            old = cur.fetchall()
    stored_hash: dict[_Key, str] = {}
    for index, digest in old:
        ev = first[index]
        if digest is not None and index not in new_lines:
            stored_hash[ev.customer, ev.event_id] = digest
    by_key: dict[_Key, Stored] = {(ev.customer, ev.event_id): ev for ev in first}
    new = {(first[i].customer, first[i].event_id) for i in new_lines}
    return _classify(result, by_key, staged.repeats, new, stored_hash)


def store_postgres(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """Store a batch on PostgreSQL with COPY into staging tables (see the module doc).
    Customer ids are resolved in SQL; ``cache`` is not needed."""
    return flush_postgres(conn, stage_postgres(events))


def _period(when: datetime | None) -> str | None:
    return None if when is None else period_of(when)


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_time(when: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it (naive, microseconds)."""
    if when is None:
        return None
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    # sqlalchemy.dialects.sqlite.DATETIME's storage format
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}.{when.microsecond:06d}"
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def store_sqlite(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """Store a batch on SQLite with executemany of plain tuples (see the module doc)."""
    result = BatchResult()
    first, repeats = split(events)
    if not first:
        return result
    db: Any = conn.connection.driver_connection
    customer_ids(conn, (c for c, _ in first), cache)
    ordered = sorted(first.values(), key=lambda ev: (cache[ev.customer], ev.event_id))
    (before,) = db.execute("SELECT coalesce(max(id), 0) FROM usage_events").fetchone()
    rows: list[tuple[Any, ...]] = []
    for ev in ordered:
        usage = ev.usage
        when = ev.timestamp
        if usage is None:
            rows.append(
                (cache[ev.customer], ev.event_id, ev.payload_hash, ev.raw, ev.model, ev.offering,
                 ev.endpoint, _sqlite_time(when), _period(when), None, None, None, None, None,
                 None, _text(ev.reported), "unpriceable", ev.error, None, ev.context)
            )  # fmt: skip
        else:
            rows.append(
                (cache[ev.customer], ev.event_id, ev.payload_hash, ev.raw, ev.model, ev.offering,
                 ev.endpoint, _sqlite_time(when), _period(when), usage.input, usage.cache_read,
                 usage.cache_write, usage.output, usage.reasoning,
                 request_json(ev) if usage.request else None, _text(ev.reported),
                 "priced" if ev.charge is not None else "unpriceable", ev.error,
                 token_kinds_json(ev), ev.context)
            )  # fmt: skip
    db.executemany(
        f"INSERT INTO usage_events (customer_id, event_id, {_EVENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (customer_id, event_id) DO NOTHING",
        rows,
    )
    # the write lock is ours since BEGIN IMMEDIATE: the new rows are those above ``before``
    code_of = {pk: code for code, pk in cache.items()}
    pks: dict[_Key, int] = {
        (code_of[cid], eid): pk
        for pk, cid, eid in db.execute(
            "SELECT id, customer_id, event_id FROM usage_events WHERE id > ?", (before,)
        )
    }
    stored_hash: dict[_Key, str] = {}
    for ev in ordered:
        key = (ev.customer, ev.event_id)
        if key not in pks:
            row = db.execute(
                "SELECT payload_hash FROM usage_events WHERE customer_id = ? AND event_id = ?",
                (cache[ev.customer], ev.event_id),
            ).fetchone()
            if row is not None:
                stored_hash[key] = row[0]
    tool_rows: list[tuple[Any, ...]] = []
    charge_rows: list[tuple[Any, ...]] = []
    encode = LinesEncoder().encode
    for ev in ordered:
        pk = pks.get((ev.customer, ev.event_id))
        if pk is None:
            continue
        if ev.usage is not None and ev.usage.tools:
            tool_rows.extend((pk, tool, calls) for tool, calls in ev.usage.tools.items())
        charge = ev.charge
        if charge is not None:
            charge_rows.append(
                (pk, cache[ev.customer], _period(ev.timestamp), ev.offering, charge.currency,
                 str(charge.total), charge.price_version or "", charge.tier,
                 encode(charge.lines))
            )  # fmt: skip
    if tool_rows:
        db.executemany(
            "INSERT INTO usage_tool_calls (event_pk, tool, calls) VALUES (?, ?, ?)", tool_rows
        )
    if charge_rows:
        db.executemany(
            "INSERT INTO charges (event_pk, customer_id, period, offering, currency, total, "
            "price_version, tier, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            charge_rows,
        )
    return _classify(result, first, repeats, set(pks), stored_hash)
