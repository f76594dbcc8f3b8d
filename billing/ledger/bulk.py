"""Storing a batch of prepared events in bulk: COPY on PostgreSQL, executemany on SQLite.

The rows stored are exactly those of the row-by-row path (``ingest.store_batch_reference``,
kept as the reference the tests compare against): the same events, tool calls and charges
(with their line items, :mod:`.charge_lines`), with ids in the same order, so invoices do
not change.

The unique constraint on ``usage_events (customer_id, event_id)`` still decides what is new:

- PostgreSQL: the customers' ids are read (the missing customers inserted, in code point
  order) and cached for the ingest. Then, while the batches hold new events only (the
  first batch of an ingest, and every batch after one that was all new), the batch is
  COPied straight into ``usage_events``, ``charges`` and ``usage_tool_calls`` under a
  savepoint, with event ids taken from the table's sequence beforehand, in (customer, id)
  order. An event stored already (by an earlier batch or a concurrent writer) makes the
  unique index raise: the savepoint is rolled back, nothing of the COPY is kept, and the
  batch takes the merge, as does the batch after it. The merge COPies the batch into TEMP
  staging tables (``ON COMMIT DELETE ROWS``: empty after every batch, no WAL), then one
  statement, ``INSERT INTO usage_events ... SELECT ... ON CONFLICT DO NOTHING RETURNING``
  in (customer, id) order, stores the new events and, from what it returned, their
  charges and tool calls, and returns their staging lines. The stored payload hashes of
  the others are read only when some event was not new. Either way the rows are the
  same; the direct COPY spares the database the staging table, the second copy of each
  row and the join back (measured: docs/ingest.md). An id taken from the sequence by a
  COPY that was rolled back is not used again (a gap, as ``ON CONFLICT`` leaves too).
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

#: the columns of a staged event row after ``id`` and ``customer_id``, in its COPY order
_EVENT_TAIL = (
    "event_id, payload_hash, raw, model, offering, endpoint, event_time, period, input_tokens, "
    "cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, request_params, "
    "reported_cost, status, error, token_kinds, price_context"
)
#: the columns of a staged charge row after ``event_pk`` and ``customer_id``
_CHARGE_TAIL = "period, offering, currency, total, price_version, tier, lines"

#: COPY straight into the tables: every event of the batch is new (the unique index on
#: usage_events (customer_id, event_id) raises otherwise, and the batch takes the merge)
_COPY_DIRECT = (
    f"COPY usage_events (id, customer_id, {_EVENT_TAIL}) FROM STDIN",
    f"COPY charges (event_pk, customer_id, {_CHARGE_TAIL}) FROM STDIN",
    "COPY usage_tool_calls (event_pk, tool, calls) FROM STDIN",
)

#: n ids for new events: the first and the last of them, and all of them only when they are
#: not a run (another session took some in between); one session's nextval only increases
_PG_IDS = """
SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 <> %(n)s THEN array_agg(id) END
FROM (SELECT nextval(pg_get_serial_sequence('usage_events', 'id')) AS id
      FROM generate_series(1, %(n)s)) ids"""

_PG_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS ingest_events (
    line integer, customer_id bigint, event_id text, payload_hash text, raw text, model text,
    offering text, endpoint text, event_time timestamptz, period text,
    input_tokens bigint, cache_read_tokens bigint, cache_write_tokens bigint,
    output_tokens bigint, reasoning_tokens bigint, request_params text,
    reported_cost numeric, status text, error text, token_kinds text,
    price_context text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_charges (
    line integer, period text, offering text, currency text, total numeric,
    price_version text, tier text, lines text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_tools (
    line integer, tool text, calls bigint) ON COMMIT DELETE ROWS"""

_COPY_STAGED = (
    f"COPY ingest_events (line, customer_id, {_EVENT_TAIL}) FROM STDIN",
    f"COPY ingest_charges (line, {_CHARGE_TAIL}) FROM STDIN",
    "COPY ingest_tools (line, tool, calls) FROM STDIN",
)

_EVENT_COLUMNS = (
    "payload_hash, raw, model, offering, endpoint, event_time, period, input_tokens, "
    "cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, request_params, "
    "reported_cost, status, error, token_kinds, price_context"
)

#: the merge, when some event of the batch may be stored already: one statement inserts the
#: new events in (customer, id) order (COLLATE "C": Python's order of str, so every process
#: locks rows in the same order), then the charges and tool calls of exactly those, from
#: what the insert returned (a charge's foreign key sees the event inserted by the same
#: statement), and returns the staging lines of the new events
_PG_MERGE = f"""
WITH ins AS (
    INSERT INTO usage_events (customer_id, event_id, {_EVENT_COLUMNS})
    SELECT s.customer_id, s.event_id, s.payload_hash, s.raw, s.model, s.offering, s.endpoint,
           s.event_time, s.period, s.input_tokens, s.cache_read_tokens, s.cache_write_tokens,
           s.output_tokens, s.reasoning_tokens, s.request_params::json, s.reported_cost,
           s.status, s.error, s.token_kinds, s.price_context
    FROM ingest_events s
    ORDER BY s.customer_id, s.event_id COLLATE "C"
    ON CONFLICT (customer_id, event_id) DO NOTHING
    RETURNING id, customer_id, event_id
), new AS (
    SELECT ins.id, ins.customer_id, s.line
    FROM ins JOIN ingest_events s
    ON s.customer_id = ins.customer_id AND s.event_id = ins.event_id
), charged AS (
    INSERT INTO charges (event_pk, customer_id, {_CHARGE_TAIL})
    SELECT new.id, new.customer_id, c.period, c.offering, c.currency, c.total,
           c.price_version, c.tier, c.lines
    FROM new JOIN ingest_charges c USING (line)
    ORDER BY new.id
), tools AS (
    INSERT INTO usage_tool_calls (event_pk, tool, calls)
    SELECT new.id, t.tool, t.calls FROM ingest_tools t JOIN new USING (line)
    ORDER BY new.id, t.tool
)
SELECT line FROM new"""

#: the payload hash stored for each staged event (a subquery per row, so it reads the
#: unique index, never the whole table); asked only when some event of the batch was not new
_PG_OLD = """
SELECT s.line,
       (SELECT e.payload_hash FROM usage_events e
        WHERE e.customer_id = s.customer_id AND e.event_id = s.event_id)
FROM ingest_events s"""


_NULL = "\\N"
_NO_COUNTS = "\\N\t\\N\t\\N\t\\N\t\\N\t\\N"


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


class _Escaped(dict[str | None, str]):
    """COPY text of the few distinct strings a ledger repeats (offerings, currencies, price
    versions, tiers), escaped once."""

    def __missing__(self, key: str | None) -> str:
        value = _t(key)
        if len(self) < 4096:
            self[key] = value
        return value


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """A batch as COPY text, built without the database (so a writer thread can store one
    batch while the next is staged) and picklable (so a worker process can build it).

    The rows lack what only the database knows: an event row starts after ``id`` and
    ``customer_id``, a charge row after ``event_pk`` and ``customer_id``, a tool row after
    ``event_pk``; :func:`flush_postgres` puts them in front."""

    first: list[EventKey]  #: staged, in line order: the staging ``line`` is the index
    repeats: list[EventKey]  #: later events of a (customer, id) already in the batch
    #: each customer of the batch with the indexes of its events in event id order
    groups: list[tuple[str, list[int]]]
    #: per event of ``first``: its usage_events row (see above), UTF-8 (so the writer neither
    #: decodes nor encodes it again)
    events: list[bytes]
    charges: list[bytes | None]  #: per event: its charges row, or None when not priced
    tools: list[tuple[int, bytes]]  #: (index of the event, its usage_tool_calls row)


def stage_postgres(
    events: Sequence[PreparedEvent], encoder: LinesEncoder | None = None
) -> StagedBatch:
    """COPY text for a batch: the first event of each (customer, id), its charge and tools."""
    first_by_key, repeats = split(events)
    first = list(first_by_key.values())
    encode = (encoder or LinesEncoder()).encode
    esc = _Escaped()
    ev_rows: list[bytes] = []
    charge_rows: list[bytes | None] = []
    tool_rows: list[tuple[int, bytes]] = []
    add_event, add_charge = ev_rows.append, charge_rows.append
    for index, ev in enumerate(first):
        usage = ev.usage
        when = ev.timestamp
        period = None if when is None else period_of(when)
        head = (
            f"{_t(ev.event_id)}\t{ev.payload_hash}\t{_t(ev.raw)}\t{_t(ev.model)}\t"
            f"{esc[ev.offering]}\t"
            f"{esc[ev.endpoint]}\t{_NULL if when is None else when.isoformat()}\t"
            f"{period or _NULL}\t"
        )
        if usage is None:
            add_event(
                f"{head}{_NO_COUNTS}\t{_n(ev.reported)}\tunpriceable\t"
                f"{_t(ev.error)}\t\\N\t{esc[ev.context]}\n".encode()
            )
            add_charge(None)
            continue
        charge = ev.charge
        request = _t(request_json(ev)) if usage.request else _NULL
        kinds = _t(token_kinds_json(ev)) if usage.extra else _NULL
        add_event(
            f"{head}{usage.input}\t{usage.cache_read}\t{usage.cache_write}\t{usage.output}\t"
            f"{usage.reasoning}\t{request}\t{_n(ev.reported)}\t"
            f"{'unpriceable' if charge is None else 'priced'}\t{_t(ev.error)}\t{kinds}\t"
            f"{esc[ev.context]}\n".encode()
        )
        if charge is None:
            add_charge(None)
        else:
            add_charge(
                f"{period or _NULL}\t{esc[ev.offering]}\t{esc[charge.currency]}\t{charge.total}\t"
                f"{esc[charge.price_version or '']}\t{esc[charge.tier]}\t"
                f"{_t(encode(charge.lines))}\n".encode()
            )
        if usage.tools:
            tool_rows.extend(
                (index, f"{_t(tool)}\t{calls}\n".encode()) for tool, calls in usage.tools.items()
            )
    keys = list(first_by_key)
    groups: list[tuple[str, list[int]]] = []
    current = None
    for index in sorted(range(len(keys)), key=keys.__getitem__):
        customer = keys[index][0]
        if customer != current:
            current = customer
            members: list[int] = []
            groups.append((customer, members))
        members.append(index)
    return StagedBatch(
        [ev.key() for ev in first],
        [ev.key() for ev in repeats],
        groups,
        ev_rows,
        charge_rows,
        tool_rows,
    )


@dataclass
class CopyState:
    """What one ingest's writer remembers between batches: whether to COPY the next batch
    straight into the tables (True until a batch held an event stored already; True again
    after a batch of new events only)."""

    direct: bool = True


def flush_postgres(
    conn: Connection,
    staged: StagedBatch,
    cache: dict[str, int] | None = None,
    state: CopyState | None = None,
) -> BatchResult:
    """Store a staged batch in the caller's transaction (see the module doc).

    ``cache`` maps customer codes to ids (filled here; the caller clears it when a
    transaction is rolled back); ``state`` says whether to try the direct COPY first."""
    result = BatchResult()
    first = staged.first
    if not first:
        return _classify(result, {}, staged.repeats, set(), {})
    if cache is None:
        cache = {}
    if state is None:
        state = CopyState()
    ids = customer_ids(conn, (code for code, _ in staged.groups), cache)
    # customers in id order, each one's events in id order: the order of the unique index
    groups = sorted(((ids[code], members) for code, members in staged.groups), key=_first)
    pg: Any = conn.connection.driver_connection
    with pg.cursor() as cur:
        new_lines: set[int] | None = None
        if state.direct:
            new_lines = _copy_direct(cur, staged, groups)
        state.direct = new_lines is not None
        old: list[tuple[int, str | None]] = []
        if new_lines is None:
            new_lines = _merge(cur, staged, groups)
            if len(new_lines) < len(first):
                cur.execute(_PG_OLD)
                old = cur.fetchall()
            else:
                state.direct = True  # only new events: the next batch tries COPY again
    if not old and len(new_lines) == len(first):  # every event new: nothing to look up
        result.ingested.extend(first)
        if staged.repeats:
            hashes = {(ev.customer, ev.event_id): ev.payload_hash for ev in first}
            for ev in staged.repeats:
                same = hashes[ev.customer, ev.event_id] == ev.payload_hash
                (result.duplicates if same else result.conflicts).append(ev)
        return result
    stored_hash: dict[_Key, str] = {}
    for index, digest in old:
        ev = first[index]
        if digest is not None and index not in new_lines:
            stored_hash[ev.customer, ev.event_id] = digest
    by_key: dict[_Key, Stored] = {(ev.customer, ev.event_id): ev for ev in first}
    new = {(first[i].customer, first[i].event_id) for i in new_lines}
    return _classify(result, by_key, staged.repeats, new, stored_hash)


def _first(item: tuple[int, list[int]]) -> int:
    return item[0]


def _copy_direct(
    cur: Any, staged: StagedBatch, groups: list[tuple[int, list[int]]]
) -> set[int] | None:
    """COPY the batch straight into usage_events, charges and usage_tool_calls, under a
    savepoint; None (and nothing kept) when the unique index found an event stored already."""
    from psycopg.errors import UniqueViolation  # PostgreSQL (psycopg) is optional

    n = len(staged.first)
    cur.execute(_PG_IDS, {"n": n})
    low, high, scattered = cur.fetchone()
    pks: Sequence[int] = range(low, high + 1) if scattered is None else sorted(scattered)
    events, charges = staged.events, staged.charges
    pk_of = [0] * n
    ev_rows: list[bytes] = []  # each row after its id and customer id
    charge_rows: list[bytes] = []
    at = 0
    for cid, members in groups:
        for index in members:
            pk = pks[at]
            at += 1
            pk_of[index] = pk
            head = b"%d\t%d\t" % (pk, cid)
            ev_rows += (head, events[index])
            charge = charges[index]
            if charge is not None:
                charge_rows += (head, charge)
    tool_rows = [b"%d\t%s" % (pk_of[index], row) for index, row in staged.tools]
    cur.execute("SAVEPOINT ingest_direct")
    try:
        for sql, rows in zip(_COPY_DIRECT, (ev_rows, charge_rows, tool_rows), strict=True):
            if rows:
                with cur.copy(sql) as copy:
                    copy.write(b"".join(rows))
    except UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT ingest_direct")
        return None
    cur.execute("RELEASE SAVEPOINT ingest_direct")
    return set(range(n))


def _merge(cur: Any, staged: StagedBatch, groups: list[tuple[int, list[int]]]) -> set[int]:
    """Stage the batch in the TEMP tables and merge it (``_PG_MERGE``): the new lines."""
    events, charges = staged.events, staged.charges
    ev_rows = [b"%d\t%d\t%s" % (i, cid, events[i]) for cid, members in groups for i in members]
    charge_rows = [b"%d\t%s" % (i, row) for i, row in enumerate(charges) if row is not None]
    tool_rows = [b"%d\t%s" % (index, row) for index, row in staged.tools]
    cur.execute(_PG_STAGING)
    for sql, rows in zip(_COPY_STAGED, (ev_rows, charge_rows, tool_rows), strict=True):
        if rows:
            with cur.copy(sql) as copy:
                copy.write(b"".join(rows))
    cur.execute(_PG_MERGE)
    return {line for (line,) in cur.fetchall()}


def store_postgres(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """Store a batch on PostgreSQL with COPY (see the module doc)."""
    return flush_postgres(conn, stage_postgres(events), cache)


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
