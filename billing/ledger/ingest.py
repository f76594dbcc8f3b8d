"""Ingest usage records: price each one and store the event and its charge, in batches.

Each record's ``id`` is its idempotency key per customer. The unique constraint on
``usage_events (customer_id, event_id)`` decides, with ``INSERT ... ON CONFLICT DO NOTHING``
on both databases: a record already stored with the same payload is a duplicate, one with a
different payload is a conflict. A record that cannot be priced is stored as unpriceable with
its reason (never charged 0) and reported. A batch is one transaction: a crash leaves whole
batches or nothing, and running the same file again completes it without doubling anything.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import IO, Any

from sqlalchemy import Connection, Engine, Table, select, tuple_
from sqlalchemy.exc import OperationalError

from catalog import Catalog
from catalog.jsontext import json_problem

from ..charge import Charge
from ..errors import PricingError, RecordError, ShapeError
from ..rating import price, price_quick
from ..records import (
    DEFAULT_ENDPOINT,
    loads,
    parse_record,
    read_quick,
    readable_fields,
    stored_text_problem,
)
from ..usage import Usage
from . import bulk
from .batch import (
    BatchResult,
    PreparedEvent,
    customer_ids,
    insert_for,
    jsonable,
    split,
    token_kinds_json,
)
from .bulk import CopyState, StagedBatch, flush_postgres, stage_postgres
from .charge_lines import LinesEncoder, lines_json
from .tables import ChargeRow, Customer, UsageEvent, UsageToolCall

DEFAULT_BATCH = 1000
_RETRIES = 8

events_t: Table = UsageEvent.__table__  # type: ignore[assignment]
tools_t: Table = UsageToolCall.__table__  # type: ignore[assignment]
charges_t: Table = ChargeRow.__table__  # type: ignore[assignment]
customers_t: Table = Customer.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that was not ingested as priced: why, and where."""

    line: int
    kind: str  #: "invalid" (not storable), "unpriceable" (stored, not charged), "conflict"
    message: str
    event_id: str | None = None
    customer: str | None = None
    raw: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.event_id is not None:
            where += f": id {self.event_id}"
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "id": self.event_id,
            "customer": self.customer,
            "kind": self.kind,
            "error": self.message,
            "raw": self.raw,
        }


@dataclass
class IngestSummary:
    """What an ingest did. Every non-blank line read is exactly one of ``ingested``,
    ``duplicates``, ``conflicts`` and ``invalid`` (they add up to ``lines``);
    ``unpriceable`` counts the ingested events stored without a charge."""

    lines: int = 0
    ingested: int = 0  #: new events stored, priced or not
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0  #: unpriceable (stored) plus invalid (not storable)
    unpriceable: int = 0  #: stored, never charged (counted in ingested too)
    invalid: int = 0  #: not storable (not JSON, no id or customer, text no column keeps)
    chars: int = 0  #: characters of the lines read so far (for progress)
    interrupted: bool = False  #: stopped early on request; the batches before are stored
    problems: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "invalid": self.invalid,
            "unpriceable": self.unpriceable,
            "rejected": self.rejected,
            "interrupted": self.interrupted,
        }


def _decimal_marker(value: Any) -> Any:
    if isinstance(value, Decimal):
        return "\x00" + str(value)  # distinct from any JSON string a record could hold
    raise TypeError(f"cannot hash {type(value).__name__}")


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_decimal_marker
).encode  # built once: json.dumps with options builds an encoder per call


def payload_hash(obj: Any, _encode: Any = _CANONICAL, _sha256: Any = hashlib.sha256) -> str:
    """sha256 of the record's canonical JSON: key order and whitespace do not matter."""
    return str(_sha256(_encode(obj).encode()).hexdigest())


Pricer = Callable[[str, int], "PreparedEvent | Problem"]
_NONE: Mapping[str, Any] = MappingProxyType({})


def make_pricer(catalog: Catalog) -> Pricer:
    """Parse and price one line with billing.records and billing.rating."""

    def prepare(text: str, line: int) -> PreparedEvent | Problem:
        raw = text.rstrip("\r\n")
        try:
            obj = loads(raw)
        except (ValueError, RecursionError) as exc:
            return Problem(line, "invalid", json_problem(exc), raw=raw)
        if not isinstance(obj, dict):
            return Problem(line, "invalid", "a usage record must be a JSON object", raw=raw)
        event_id, customer = obj.get("id"), obj.get("customer")
        if not isinstance(event_id, str) or not event_id:
            return _text_problem(obj, line, raw) or Problem(
                line, "invalid", "the record has no id, so it cannot be stored once", raw=raw
            )
        if not isinstance(customer, str) or not customer:
            return _text_problem(obj, line, raw) or Problem(
                line, "invalid", "the record has no customer", event_id=event_id, raw=raw
            )
        digest = payload_hash(obj)
        quick = read_quick(obj)
        if quick is not None and quick[2] is not None:
            # the common record (billing.records.read_quick: every check parse_record makes)
            # with a time; one that cannot be priced takes the full path below, which words it
            try:
                quick_charge = price_quick(quick, catalog)
            except PricingError:
                pass
            else:
                _, quick_model, when, n_in, n_read, n_write, n_out, n_think = quick
                return PreparedEvent(
                    line,
                    customer,
                    event_id,
                    digest,
                    raw,
                    quick_model,
                    f"{quick_charge.provider}/{quick_charge.offering}",
                    obj.get("endpoint") or DEFAULT_ENDPOINT,
                    when,
                    Usage(n_in, n_read, n_write, n_out, n_think, _NONE, _NONE, _NONE),
                    None,
                    quick_charge,
                )
        model = obj.get("model") if isinstance(obj.get("model"), str) else None
        try:
            # checks the stored text first (billing.records.stored_text_problem): checked
            # once, and a record refused there is invalid, not unpriceable
            record = parse_record(obj, line)
        except RecordError as exc:
            problem = _text_problem(obj, line, raw)
            if problem is not None:
                return problem
            # keep every field that could be read: above all the time, so the event still
            # counts as unpriceable in its period (invoices, ratecard rate)
            offering = _find(catalog, model)
            readable = readable_fields(obj)
            return PreparedEvent(
                line,
                customer,
                event_id,
                digest,
                raw,
                model=model,
                offering=offering,
                endpoint=readable["endpoint"],
                timestamp=readable["timestamp"],
                reported=readable["reported"],
                error=_reason(exc),
            )
        timestamp = record.timestamp if isinstance(record.timestamp, datetime) else None
        charge: Charge | None = None
        error: str | None
        try:
            charge = price(record, catalog)
        except PricingError as exc:
            offering, error = _find(catalog, record.model), _reason(exc)
        else:
            offering = f"{charge.provider}/{charge.offering}"
            error = None
            if timestamp is None:
                charge = None
                error = "the record has no timestamp, so it belongs to no billing period"
        return PreparedEvent(
            line,
            customer,
            event_id,
            digest,
            raw,
            record.model,
            offering,
            record.endpoint,
            timestamp,
            record.usage,
            record.reported,
            charge,
            error,
            None if record.context == "default" else record.context,
        )

    return prepare


def _text_problem(obj: dict[str, Any], line: int, raw: str) -> Problem | None:
    """The record as invalid when a text of it cannot be stored (too long, NUL)."""
    try:
        stored_text_problem(obj)
    except ShapeError as exc:
        return Problem(line, "invalid", f"{exc.message}; this line was not stored", raw=raw)
    return None


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "message", None)
    return str(reason) if reason else str(exc)


def _find(catalog: Catalog, model: str | None) -> str | None:
    if not model:
        return None
    try:
        offering = catalog.find(model)
    except Exception:  # an ambiguous id: the error says so elsewhere
        return None
    return offering.key if offering else None


# -- storing ---------------------------------------------------------------------------------


def _event_row(ev: PreparedEvent, customer_id: int) -> dict[str, Any]:
    usage = ev.usage
    return {
        "customer_id": customer_id,
        "event_id": ev.event_id,
        "payload_hash": ev.payload_hash,
        "raw": ev.raw,
        "model": ev.model,
        "offering": ev.offering,
        "endpoint": ev.endpoint,
        "event_time": ev.timestamp,
        "period": ev.period,
        "input_tokens": usage.input if usage else None,
        "cache_read_tokens": usage.cache_read if usage else None,
        "cache_write_tokens": usage.cache_write if usage else None,
        "output_tokens": usage.output if usage else None,
        "reasoning_tokens": usage.reasoning if usage else None,
        "request_params": jsonable(dict(usage.request)) if usage and usage.request else None,
        "token_kinds": token_kinds_json(ev),
        "price_context": ev.context,
        "reported_cost": ev.reported,
        "status": "priced" if ev.charge is not None else "unpriceable",
        "error": ev.error,
    }


def store_batch(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """Store events in the caller's transaction; say which were new, duplicates, conflicts.

    In bulk (billing.ledger.bulk): COPY on PostgreSQL, executemany on SQLite; any other
    database takes the row-by-row path.
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        return bulk.store_postgres(conn, events, cache)
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        return bulk.store_sqlite(conn, events, cache)
    return store_batch_reference(conn, events, cache)


def store_batch_reference(
    conn: Connection, events: Sequence[PreparedEvent], cache: dict[str, int]
) -> BatchResult:
    """The row-by-row path through SQLAlchemy Core: what the bulk path must store exactly."""
    result = BatchResult()
    first, repeats = split(events)
    if not first:
        return result
    ids = customer_ids(conn, (c for c, _ in first), cache)
    ordered = sorted(first.values(), key=lambda ev: (ids[ev.customer], ev.event_id))
    stmt = (
        insert_for(conn, events_t)
        .on_conflict_do_nothing(index_elements=["customer_id", "event_id"])
        .returning(events_t.c.id, events_t.c.customer_id, events_t.c.event_id)
    )
    inserted: dict[tuple[int, str], int] = {
        (cid, eid): pk
        for pk, cid, eid in conn.execute(stmt, [_event_row(ev, ids[ev.customer]) for ev in ordered])
    }
    stored_hash: dict[tuple[int, str], str] = {}
    missing = [
        (ids[ev.customer], ev.event_id)
        for ev in ordered
        if (ids[ev.customer], ev.event_id) not in inserted
    ]
    if missing:
        rows = conn.execute(
            select(events_t.c.customer_id, events_t.c.event_id, events_t.c.payload_hash).where(
                tuple_(events_t.c.customer_id, events_t.c.event_id).in_(missing)
            )
        )
        stored_hash = {(cid, eid): digest for cid, eid, digest in rows}
    tool_rows: list[dict[str, Any]] = []
    charge_rows: list[dict[str, Any]] = []
    for ev in ordered:
        ckey = (ids[ev.customer], ev.event_id)
        pk = inserted.get(ckey)
        if pk is None:
            same = stored_hash.get(ckey) == ev.payload_hash
            (result.duplicates if same else result.conflicts).append(ev)
            continue
        stored_hash[ckey] = ev.payload_hash
        result.ingested.append(ev)
        if ev.usage is not None:
            tool_rows.extend(
                {"event_pk": pk, "tool": tool, "calls": calls}
                for tool, calls in ev.usage.tools.items()
            )
        charge = ev.charge
        if charge is not None:
            charge_rows.append(
                {
                    "event_pk": pk,
                    "customer_id": ckey[0],
                    "period": ev.period,
                    "offering": ev.offering,
                    "currency": charge.currency,
                    "total": charge.total,
                    "price_version": charge.price_version or "",
                    "tier": charge.tier,
                    "lines": lines_json(charge.lines),
                }
            )
    for ev in repeats:
        same = stored_hash.get((ids[ev.customer], ev.event_id)) == ev.payload_hash
        (result.duplicates if same else result.conflicts).append(ev)
    if tool_rows:
        conn.execute(tools_t.insert(), tool_rows)
    if charge_rows:
        conn.execute(charges_t.insert(), charge_rows)
    return result


def _batches(items: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _retryable() -> tuple[type[Exception], ...]:
    """Errors after which nothing of the batch was kept and trying again can succeed: the
    bulk path talks to the driver directly, so its own errors come unwrapped."""
    kinds: list[type[Exception]] = [OperationalError, sqlite3.OperationalError]
    try:
        import psycopg  # here, not at the top: PostgreSQL (psycopg) is optional
    except ImportError:  # pragma: no cover - PostgreSQL is optional
        pass
    else:
        kinds.append(psycopg.OperationalError)
    return tuple(kinds)


def _commit_batch(
    engine: Engine, store: Callable[[Connection], BatchResult], cache: dict[str, int]
) -> BatchResult:
    for attempt in range(_RETRIES):
        try:
            with engine.begin() as conn:
                return store(conn)
        except _retryable() as exc:
            # deadlock or lock timeout: nothing of the batch was kept; try again
            cache.clear()
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
            last = exc
    raise last  # pragma: no cover


# -- worker processes (PostgreSQL) ------------------------------------------------------------

_worker_prepare: Pricer | None = None
_worker_encoder: LinesEncoder | None = None


def _worker_init(prepare: Pricer, parent: int) -> None:
    """In a worker process (forked: ``prepare`` is inherited, never pickled): die with the
    parent (a ``kill -9`` of ``ratecard ingest`` leaves no orphans) and leave Ctrl-C to it
    (the parent decides what an interrupt means; a worker prints nothing)."""
    global _worker_prepare, _worker_encoder
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before prctl: nothing to work for
        os._exit(1)
    _worker_prepare = prepare
    _worker_encoder = LinesEncoder()
    # what the worker inherited (the catalog, the rating tables) lives as long as it does:
    # out of the collector's way, so its collections scan only the batch being prepared
    # (about a sixth of a worker's time otherwise; docs/ingest.md)
    gc.freeze()


def _prepare_and_stage(batch: list[tuple[int, str]]) -> tuple[StagedBatch, list[Problem]]:
    """In a worker process: parse, price and stage one batch as COPY text."""
    prepare = _worker_prepare
    assert prepare is not None
    prepared, invalid = _prepare_batch(prepare, batch)
    return stage_postgres(prepared, _worker_encoder), invalid


def _prepare_batch(
    prepare: Pricer, batch: list[tuple[int, str]]
) -> tuple[list[PreparedEvent], list[Problem]]:
    """Each line of ``batch`` (line number, text) prepared: the events, and the lines that
    are not valid records."""
    prepared: list[PreparedEvent] = []
    invalid: list[Problem] = []
    for number, text in batch:
        item = prepare(text, number)
        if isinstance(item, Problem):
            invalid.append(item)
        else:
            prepared.append(item)
    return prepared, invalid


def default_processes() -> int:
    """Worker processes ``ratecard ingest`` parses and prices in on PostgreSQL: one per CPU
    this process may use but one (left to the server and the writer), at least 2 and at
    most 8; none on one CPU, where they could only take turns with the writer and the
    server, and none where processes cannot be forked. On 2 CPUs two workers share the
    cores with the writer and the server: parsing and pricing, 60% of the CPU time per
    event, is then no longer done one batch after another (measured: docs/ingest.md)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0  # pragma: no cover - not POSIX
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return 0 if cpus < 2 else min(max(cpus - 1, 2), 8)


def ingest_lines(
    engine: Engine,
    lines: Iterable[tuple[int, str]],
    prepare: Pricer,
    *,
    batch_size: int = DEFAULT_BATCH,
    on_problem: Callable[[Problem], None] | None = None,
    on_progress: Callable[[IngestSummary], None] | None = None,
    bulk: bool = True,
    should_stop: Callable[[], bool] | None = None,
    processes: int = 0,
) -> IngestSummary:
    """Ingest (line number, text) pairs; each batch of ``batch_size`` lines is one transaction.

    ``bulk=False`` stores row by row (:func:`store_batch_reference`; the benchmark's baseline).

    On PostgreSQL (psycopg) one writer thread stores a batch while the next ones are parsed,
    priced and staged as COPY text: in this thread, or with ``processes=N`` (N > 0, where
    processes can be forked) in N worker processes, each taking whole batches, so parsing
    and pricing use every CPU while the database stores. Batches are stored one at a time,
    in input order, whoever prepared them: the same rows, ids and results either way. After
    a failed batch no later one is stored. Problems and progress are reported here, in line
    order. SQLite runs in this process and takes the GIL for every row, so there a thread
    would only make both wait: batches are stored in turn (``processes`` is ignored).

    ``should_stop`` is asked before each batch is submitted (a signal handler sets it): when
    it answers True, the batch being stored is finished, nothing more is read (batches
    already prepared but not stored are dropped), and the summary comes back with
    ``interrupted`` set; running the same input again stores the rest, the stored lines
    counting as duplicates. A ``KeyboardInterrupt`` raised by ``lines`` (a handler may raise
    one while input is being read) ends the same way; one raised while a batch is written
    rolls that batch back (its transaction) and the batch before it is finished.
    """

    summary = IngestSummary()
    cache: dict[str, int] = {}
    failed = threading.Event()
    dialect = engine.dialect
    pipelined = bulk and dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not pipelined or "fork" not in multiprocessing.get_all_start_methods():
        processes = 0

    def report(problem: Problem) -> None:
        summary.problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    def write(store: Callable[[Connection], BatchResult]) -> BatchResult:
        if failed.is_set():
            raise _Skipped
        try:
            return _commit_batch(engine, store, cache)
        except BaseException:
            failed.set()
            raise

    encoder = LinesEncoder()
    copy_state = CopyState()  # the writer's: COPY straight into the tables while it can

    def job(prepared: list[PreparedEvent]) -> Callable[[Connection], BatchResult]:
        if pipelined:
            staged = stage_postgres(prepared, encoder)
            return lambda conn: flush_postgres(conn, staged, cache, copy_state)
        store = store_batch if bulk else store_batch_reference
        return lambda conn: store(conn, prepared, cache)

    Outcome = tuple[BatchResult, list[Problem]]  # what was stored, the invalid lines

    def now(store: Callable[[Connection], BatchResult], invalid: list[Problem]) -> Future[Outcome]:
        done: Future[Outcome] = Future()
        try:
            done.set_result((write(store), invalid))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def finish(future: Future[Outcome], size: int, chars: int) -> None:
        try:
            result, invalid = future.result()
        except _Skipped:
            if stopped.is_set():
                return  # prepared, then dropped by an interrupt: never stored, not counted
            raise
        summary.lines += size
        summary.chars += chars
        summary.ingested += len(result.ingested)
        summary.duplicates += len(result.duplicates)
        summary.conflicts += len(result.conflicts)
        summary.rejected += len(invalid)
        summary.invalid += len(invalid)
        problems = list(invalid)
        for ev in result.ingested:
            if not ev.priced:
                summary.rejected += 1
                summary.unpriceable += 1
                problems.append(
                    Problem(
                        ev.line, "unpriceable", ev.error or "", ev.event_id, ev.customer, ev.raw
                    )
                )
        problems.extend(
            Problem(
                ev.line,
                "conflict",
                f"conflict: customer {ev.customer} already has an event with this id "
                "and a different payload; this line was not stored",
                ev.event_id,
                ev.customer,
                ev.raw,
            )
            for ev in result.conflicts
        )
        for problem in sorted(problems, key=lambda p: p.line):
            report(problem)
        if on_progress is not None:
            on_progress(summary)

    def store_when_staged(staging: Future[tuple[StagedBatch, list[Problem]]]) -> Outcome:
        """In the writer thread: wait for a worker's batch, then store it (unless an
        interrupt came first), without the main thread, which may be waiting for input."""
        staged, invalid = staging.result()
        if stopped.is_set():
            raise _Skipped
        return write(lambda conn: flush_postgres(conn, staged, cache, copy_state)), invalid

    stopped = threading.Event()  # an interrupt: batches not yet being stored are dropped
    #: batches submitted, in input order, not yet reported: (outcome, lines, characters)
    pending: deque[tuple[Future[Outcome], int, int]] = deque()
    # the writer works ahead of the reports by one batch, or by one per worker process
    ahead = 1 + processes

    with ExitStack() as stack:
        workers: ProcessPoolExecutor | None = None
        if processes > 0:
            # forked before the writer thread starts (a fork copies no running thread)
            workers = stack.enter_context(
                ProcessPoolExecutor(
                    processes,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_worker_init,
                    initargs=(prepare, os.getpid()),
                )
            )
            stack.callback(workers.shutdown, wait=True, cancel_futures=True)
        writer = stack.enter_context(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        )

        def drain() -> None:
            while pending:
                finish(*pending.popleft())

        try:
            for batch in _batches(lines, batch_size):
                if should_stop is not None and should_stop():
                    summary.interrupted = True
                    stopped.set()
                    break
                chars = sum(len(t) for _, t in batch)
                outcome: Future[Outcome]
                if workers is not None:
                    staging = workers.submit(_prepare_and_stage, batch)
                    outcome = writer.submit(store_when_staged, staging)
                else:
                    prepared, invalid = _prepare_batch(prepare, batch)
                    store = job(prepared)
                    if pipelined:
                        outcome = writer.submit(lambda s, i: (write(s), i), store, invalid)
                    else:
                        outcome = now(store, invalid)
                pending.append((outcome, len(batch), chars))
                while len(pending) > ahead:
                    finish(*pending.popleft())
            drain()
        except KeyboardInterrupt:
            # raised while reading input (the caller's signal handler decides when): the
            # batches being read or prepared are dropped, the one being stored is finished
            summary.interrupted = True
            stopped.set()
            try:
                drain()
            except BaseException:
                failed.set()
                raise
        except BaseException:
            failed.set()  # the batches waiting, if any, are not stored
            raise
    return summary


class _Skipped(Exception):
    """A batch not stored because an earlier one failed."""


def write_reject(stream: IO[str], problem: Problem) -> None:
    stream.write(json.dumps(problem.as_json(), ensure_ascii=False) + "\n")
