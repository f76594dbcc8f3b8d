"""Storing a batch of prepared events in bulk: COPY on PostgreSQL, executemany on SQLite.

The rows stored are exactly those of the row-by-row path (``ingest.store_batch_reference``,
kept as the reference the tests compare against): the same events, tool calls, charges and
charge lines, with the same ids in the same order, so invoices do not change.

The unique constraint on ``usage_events (customer_id, event_id)`` still decides what is new:

- PostgreSQL: the batch is COPied into TEMP staging tables (``ON COMMIT DELETE ROWS``, so they
  are empty again after every batch and cost no WAL), then one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` stores the new events in
  (customer, id) order and records their ids in a staging table, and three
  ``INSERT ... SELECT`` join the tool calls, charges and charge lines of the new events only.
- SQLite: the batch runs under the write lock (``BEGIN IMMEDIATE``), so the events inserted by
  ``INSERT ... ON CONFLICT DO NOTHING`` are those with an id above the largest one before it.

Both run in the caller's transaction: a batch is stored whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from .ingest import BatchResult, PreparedEvent, customer_ids

_Key = tuple[str, str]  # (customer code, event id)


def _jsonable(value: Any) -> Any:
    """Request parameters as JSON: decimals keep their exact text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def request_json(ev: PreparedEvent) -> str | None:
    """The ``request_params`` column's text, as SQLAlchemy's JSON type writes it."""
    usage = ev.usage
    if usage is None or not usage.request:
        return None
    return json.dumps(_jsonable(dict(usage.request)))


def split(events: Sequence[PreparedEvent]) -> tuple[dict[_Key, PreparedEvent], list[PreparedEvent]]:
    """The first event of each (customer, id) in the batch, and the repeats after it."""
    first: dict[_Key, PreparedEvent] = {}
    repeats: list[PreparedEvent] = []
    for ev in events:
        key = (ev.customer, ev.event_id)
        if key in first:
            repeats.append(ev)
        else:
            first[key] = ev
    return first, repeats


def _classify(
    result: BatchResult,
    first: dict[_Key, PreparedEvent],
    repeats: list[PreparedEvent],
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

_PG_STAGING = (
    """CREATE TEMP TABLE IF NOT EXISTS ingest_stage_events (
        line integer, customer_id bigint, event_id text, payload_hash text, raw text, model text,
        offering text, endpoint text, event_time timestamptz, period text,
        input_tokens bigint, cache_read_tokens bigint, cache_write_tokens bigint,
        output_tokens bigint, reasoning_tokens bigint, request_params text,
        reported_cost numeric, status text, error text) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE IF NOT EXISTS ingest_stage_tools (
        line integer, tool text, calls bigint) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE IF NOT EXISTS ingest_stage_charges (
        line integer, period text, offering text, currency text, total numeric,
        price_version text, tier text) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE IF NOT EXISTS ingest_stage_lines (
        line integer, position integer, charge text, quantity bigint, unit text,
        unit_price numeric, list_price numeric, amount numeric, tier text,
        price_version text) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE IF NOT EXISTS ingest_stage_new (
        line integer, id bigint, customer_id bigint) ON COMMIT DELETE ROWS""",
)

_EVENT_COLUMNS = (
    "payload_hash, raw, model, offering, endpoint, event_time, period, input_tokens, "
    "cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, request_params, "
    "reported_cost, status, error"
)

_PG_EVENTS = f"""
WITH ins AS (
    INSERT INTO usage_events (customer_id, event_id, {_EVENT_COLUMNS})
    SELECT s.customer_id, s.event_id, s.payload_hash, s.raw, s.model, s.offering, s.endpoint,
           s.event_time, s.period, s.input_tokens, s.cache_read_tokens, s.cache_write_tokens,
           s.output_tokens, s.reasoning_tokens, s.request_params::json, s.reported_cost,
           s.status, s.error
    FROM ingest_stage_events s
    ORDER BY s.line
    ON CONFLICT (customer_id, event_id) DO NOTHING
    RETURNING id, customer_id, event_id
)
INSERT INTO ingest_stage_new (line, id, customer_id)
SELECT s.line, ins.id, ins.customer_id
FROM ins JOIN ingest_stage_events s
ON s.customer_id = ins.customer_id AND s.event_id = ins.event_id
RETURNING line"""

_PG_TOOLS = """
INSERT INTO usage_tool_calls (event_pk, tool, calls)
SELECT n.id, t.tool, t.calls FROM ingest_stage_tools t JOIN ingest_stage_new n USING (line)
ORDER BY n.id, t.tool"""

_PG_CHARGES = """
INSERT INTO charges (event_pk, customer_id, period, offering, currency, total, price_version,
                     tier)
SELECT n.id, n.customer_id, ch.period, ch.offering, ch.currency, ch.total, ch.price_version,
       ch.tier
FROM ingest_stage_charges ch JOIN ingest_stage_new n USING (line)
ORDER BY n.id"""

_PG_LINES = """
INSERT INTO charge_lines (charge_id, position, charge, quantity, unit, unit_price, list_price,
                          amount, tier, price_version)
SELECT n.id, l.position, l.charge, l.quantity, l.unit, l.unit_price, l.list_price, l.amount,
       l.tier, l.price_version
FROM ingest_stage_lines l JOIN ingest_stage_new n USING (line)
ORDER BY n.id, l.position"""

_PG_OLD = """
SELECT s.line, e.payload_hash
FROM ingest_stage_events s
JOIN usage_events e ON e.customer_id = s.customer_id AND e.event_id = s.event_id
WHERE NOT EXISTS (SELECT 1 FROM ingest_stage_new n WHERE n.line = s.line)"""


def store_postgres(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """Store a batch on PostgreSQL with COPY into staging tables (see the module doc)."""
    result = BatchResult()
    first, repeats = split(events)
    if not first:
        return result
    ids = customer_ids(conn, (c for c, _ in first), cache)
    ordered = sorted(first.values(), key=lambda ev: (ids[ev.customer], ev.event_id))
    pg: Any = conn.connection.driver_connection
    with pg.cursor() as cur:
        for ddl in _PG_STAGING:
            cur.execute(ddl)
        with cur.copy(
            "COPY ingest_stage_events (line, customer_id, event_id, payload_hash, raw, model, "
            "offering, endpoint, event_time, period, input_tokens, cache_read_tokens, "
            "cache_write_tokens, output_tokens, reasoning_tokens, request_params, "
            "reported_cost, status, error) FROM STDIN"
        ) as copy:
            write = copy.write_row
            for position, ev in enumerate(ordered):
                usage = ev.usage
                when = ev.timestamp
                if usage is None:
                    write(
                        (position, ids[ev.customer], ev.event_id, ev.payload_hash, ev.raw, ev.model,
                         ev.offering, ev.endpoint, when, _period(when), None, None, None, None,
                         None, None, ev.reported, "unpriceable", ev.error)
                    )  # fmt: skip
                else:
                    write(
                        (position, ids[ev.customer], ev.event_id, ev.payload_hash, ev.raw, ev.model,
                         ev.offering, ev.endpoint, when, _period(when), usage.input,
                         usage.cache_read, usage.cache_write, usage.output, usage.reasoning,
                         request_json(ev) if usage.request else None, ev.reported,
                         "priced" if ev.charge is not None else "unpriceable", ev.error)
                    )  # fmt: skip
        with cur.copy("COPY ingest_stage_tools (line, tool, calls) FROM STDIN") as copy:
            write = copy.write_row
            for position, ev in enumerate(ordered):
                if ev.usage is not None and ev.usage.tools:
                    for tool, calls in ev.usage.tools.items():
                        write((position, tool, calls))
        with cur.copy(
            "COPY ingest_stage_charges (line, period, offering, currency, total, "
            "price_version, tier) FROM STDIN"
        ) as copy:
            write = copy.write_row
            for position, ev in enumerate(ordered):
                charge = ev.charge
                if charge is not None:
                    write(
                        (position, _period(ev.timestamp), ev.offering, charge.currency,
                         charge.total, charge.price_version or "", charge.tier)
                    )  # fmt: skip
        with cur.copy(
            "COPY ingest_stage_lines (line, position, charge, quantity, unit, unit_price, "
            "list_price, amount, tier, price_version) FROM STDIN"
        ) as copy:
            write = copy.write_row
            for position, ev in enumerate(ordered):
                charge = ev.charge
                if charge is not None:
                    for index, item in enumerate(charge.lines):
                        write(
                            (position, index, item.charge, item.quantity, item.unit,
                             item.unit_price, item.list_price, item.amount, item.tier,
                             item.price_version or "")
                        )  # fmt: skip
        cur.execute(_PG_EVENTS)
        new = {(ordered[pos].customer, ordered[pos].event_id) for (pos,) in cur.fetchall()}
        cur.execute(_PG_TOOLS)
        cur.execute(_PG_CHARGES)
        cur.execute(_PG_LINES)
        stored_hash: dict[_Key, str] = {}
        if len(new) < len(ordered):
            cur.execute(_PG_OLD)
            for pos, digest in cur.fetchall():
                ev = ordered[pos]
                stored_hash[ev.customer, ev.event_id] = digest
    return _classify(result, first, repeats, new, stored_hash)


def _period(when: datetime | None) -> str | None:
    """The UTC calendar month, as ``ingest.period_of`` (without strftime, which is slow)."""
    if when is None:
        return None
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    return f"{when.year}-{when.month:02d}"  # as strftime("%Y-%m") on glibc: 999-01


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_time(when: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy's SQLite DATETIME stores it (naive, microseconds)."""
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


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
                 None, _text(ev.reported), "unpriceable", ev.error)
            )  # fmt: skip
        else:
            rows.append(
                (cache[ev.customer], ev.event_id, ev.payload_hash, ev.raw, ev.model, ev.offering,
                 ev.endpoint, _sqlite_time(when), _period(when), usage.input, usage.cache_read,
                 usage.cache_write, usage.output, usage.reasoning,
                 request_json(ev) if usage.request else None, _text(ev.reported),
                 "priced" if ev.charge is not None else "unpriceable", ev.error)
            )  # fmt: skip
    db.executemany(
        f"INSERT INTO usage_events (customer_id, event_id, {_EVENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
    line_rows: list[tuple[Any, ...]] = []
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
                 str(charge.total), charge.price_version or "", charge.tier)
            )  # fmt: skip
            line_rows.extend(
                (pk, index, item.charge, item.quantity, item.unit, str(item.unit_price),
                 _text(item.list_price), str(item.amount), item.tier, item.price_version or "")
                for index, item in enumerate(charge.lines)
            )  # fmt: skip
    if tool_rows:
        db.executemany(
            "INSERT INTO usage_tool_calls (event_pk, tool, calls) VALUES (?, ?, ?)", tool_rows
        )
    if charge_rows:
        db.executemany(
            "INSERT INTO charges (event_pk, customer_id, period, offering, currency, total, "
            "price_version, tier) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            charge_rows,
        )
    if line_rows:
        db.executemany(
            "INSERT INTO charge_lines (charge_id, position, charge, quantity, unit, unit_price, "
            "list_price, amount, tier, price_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            line_rows,
        )
    return _classify(result, first, repeats, set(pks), stored_hash)
