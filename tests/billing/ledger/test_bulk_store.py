"""The bulk store (COPY on PostgreSQL, executemany on SQLite) against the row-by-row one.

It must store exactly the same rows, and sort a batch that mixes new events, duplicates and
conflicts (against stored events and within the batch) the same way.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from billing.ledger.batch import PreparedEvent
from billing.ledger.charge_lines import stored_lines
from billing.ledger.db import make_engine
from billing.ledger.ingest import (
    Problem,
    make_pricer,
    store_batch,
    store_batch_reference,
)
from catalog import load_catalog

from .conftest import DIALECTS, new_database
from .helpers import event, line, store

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "samples" / "usage-2026-11.jsonl"

#: every column of every table ingest writes, except the times the database stamps
TABLES = {
    "customers": ("id", "code", "name"),
    "usage_events": (
        "id", "customer_id", "event_id", "payload_hash", "raw", "model", "offering", "endpoint",
        "event_time", "period", "input_tokens", "cache_read_tokens", "cache_write_tokens",
        "output_tokens", "reasoning_tokens", "request_params", "reported_cost", "status", "error",
    ),
    "usage_tool_calls": ("event_pk", "tool", "calls"),
    "charges": (
        "event_pk", "customer_id", "period", "offering", "currency", "total", "price_version",
        "tier", "invoice_id", "lines",
    ),
}  # fmt: skip


def dump(engine: Engine) -> dict[str, list[tuple[str | None, ...]]]:
    """Every stored value as the database's own text (so 0.10 and 0.1 differ)."""
    out = {}
    with engine.connect() as conn:
        for table, columns in TABLES.items():
            cols = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
            rows = conn.execute(text(f"SELECT {cols} FROM {table} ORDER BY 1, 2, 3"))
            out[table] = [tuple(row) for row in rows]
    return out


def _lines() -> list[str]:
    sample = SAMPLE.read_text().splitlines()[:300]
    extra = [
        {  # reported cost and request parameters with exact decimals
            "id": "x-1",
            "customer": "zeta",
            "timestamp": "2026-11-03T04:05:06.250+02:00",
            "model": "qwen3-5-flash",
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "cost_usd": 0.0000100},
            "request": {"temperature": 0.70, "tool_web_search": False, "note": "tab\there\\"},
        },
        {  # unpublished: stored unpriceable, with its reason
            "id": "x-2",
            "customer": "zeta",
            "timestamp": "2026-11-03T00:00:00Z",
            "model": "alibaba:qwen@3.5-397b",
            "endpoint": "runware.task",
            "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        },
        {  # no timestamp: priced, but in no period, so unpriceable
            "id": "x-3",
            "customer": "zeta",
            "model": "qwen3-5-flash",
            "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        },
        {  # not a valid record: stored with its reason, no usage columns
            "id": "x-4",
            "customer": "zeta",
            "model": "qwen3-5-flash",
            "usage": {"prompt_tokens": -1},
        },
        {  # an unknown tool is never free
            "id": "x-5",
            "customer": "yankee \u00e9\n",
            "timestamp": "2026-11-03T00:00:00Z",
            "model": "qwen3-5-flash",
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "tool_usage": {"abacus": 2}},
        },
    ]
    return sample + [json.dumps(x, ensure_ascii=False) for x in extra]


def _prepared() -> list[PreparedEvent]:
    prepare = make_pricer(load_catalog(ROOT / "data"))
    out = []
    for number, raw in enumerate(_lines(), 1):
        item = prepare(raw, number)
        assert not isinstance(item, Problem), item
        out.append(item)
    return out


def test_bulk_store_writes_exactly_the_rows_of_the_row_by_row_store(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    events = _prepared()
    assert {ev.error is None for ev in events} == {True, False}  # both kinds are covered
    dumps = []
    for store_fn in (store_batch_reference, store_batch):
        engine = make_engine(new_database(request, dialect, tmp_path))
        cache: dict[str, int] = {}
        for start in range(0, len(events), 120):  # three batches, the later ones see the first
            with engine.begin() as conn:
                store_fn(conn, events[start : start + 120], cache)
        with engine.begin() as conn:  # and everything again: all duplicates
            result = store_fn(conn, events, {})
        assert (len(result.ingested), len(result.conflicts)) == (0, 0)
        dumps.append(dump(engine))
        engine.dispose()
    reference, bulk = dumps
    assert len(reference["usage_events"]) == len(events)
    n_items = sum(len(stored_lines(row[-1])) for row in reference["charges"])
    assert n_items > len(reference["charges"])  # several line items per charge
    assert any(row[2] for row in reference["usage_tool_calls"])
    for table in TABLES:
        assert bulk[table] == reference[table], table


def test_a_batch_mixing_new_duplicate_and_conflicting_events(engine: Engine) -> None:
    inp = line("input", 100, "0.090", "0.000009")

    def ev(
        eid: str, payload: str = "", customer: str = "acme", error: str | None = None
    ) -> PreparedEvent:
        return event(customer, eid, "2026-11-20T10:00:00Z", inp, payload=payload, error=error)

    first = store(engine, ev("a"), ev("b"))
    assert [e.event_id for e in first.ingested] == ["a", "b"]
    batch = [
        ev("a"),  # stored before, same payload: duplicate
        ev("b", payload='{"changed": 1}'),  # stored before, different payload: conflict
        ev("c"),  # new
        ev("c"),  # again in the same batch: duplicate
        ev("d", customer="newco"),  # new, for a new customer
        ev("d", customer="newco", payload='{"other": 2}'),  # same id in the batch: conflict
        ev("e", error="unpublished"),  # new, stored unpriceable
    ]
    result = store(engine, *batch)
    assert sorted((e.customer, e.event_id) for e in result.ingested) == [
        ("acme", "c"),
        ("acme", "e"),
        ("newco", "d"),
    ]
    assert sorted(e.event_id for e in result.duplicates) == ["a", "c"]
    assert sorted(e.event_id for e in result.conflicts) == ["b", "d"]
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT e.event_id, e.status, e.raw, count(c.event_pk) FROM usage_events e "
                "LEFT JOIN charges c ON c.event_pk = e.id GROUP BY e.id, e.event_id, e.status, "
                "e.raw ORDER BY e.event_id"
            )
        ).all()
        n_lines = sum(
            len(stored_lines(t)) for t in conn.execute(text("SELECT lines FROM charges")).scalars()
        )
    # the conflicting payloads were not stored: b and d keep their first payloads
    assert [(r[0], r[1], r[3]) for r in stored] == [
        ("a", "priced", 1),
        ("b", "priced", 1),
        ("c", "priced", 1),
        ("d", "priced", 1),
        ("e", "unpriceable", 0),
    ]
    assert '"changed"' not in stored[1][2] and '"other"' not in stored[3][2]
    assert n_lines == 4


def test_after_a_failed_batch_no_later_batch_is_stored(dialect: str, engine: Engine) -> None:
    """The writer thread stores batch n+1 while n+2 is priced: a failure must stop it."""
    if dialect != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths, so nothing fails there")
    from billing.ledger.ingest import ingest_lines

    prepare = make_pricer(load_catalog(ROOT / "data"))

    def rec(i: int, customer: str) -> tuple[int, str]:
        body = {
            "id": f"evt-{i}",
            "customer": customer,
            "model": "qwen3-5-flash",
            "timestamp": "2026-11-20T10:00:00Z",
            "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        }
        return i, json.dumps(body)

    def failing(text_: str, line: int) -> Any:
        # records with a customer over 200 characters are rejected before the database
        # (billing.records.MAX_ID_CHARS); one slipped past that check makes the batch fail
        item = prepare(text_, line)
        return dataclasses.replace(item, customer="x" * 300) if line == 3 else item

    lines = [rec(1, "acme"), rec(2, "acme"), rec(3, "acme"), rec(4, "acme"), rec(5, "acme")]
    with pytest.raises(Exception, match="too long"):
        ingest_lines(engine, lines, failing, batch_size=2)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT event_id FROM usage_events ORDER BY 1")).scalars()
        assert list(stored) == ["evt-1", "evt-2"]


_examples = itertools.count()


@pytest.fixture(scope="module", params=DIALECTS)
def engine_pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Engine]]:
    """Two databases that see the same batches: one stored row by row, one in bulk."""
    tmp = tmp_path_factory.mktemp("pair")
    pair = tuple(make_engine(new_database(request, str(request.param), tmp)) for _ in "ab")
    yield pair  # type: ignore[misc]
    for eng in pair:
        eng.dispose()


@st.composite
def batches(draw: st.DrawFn) -> list[list[tuple[str, str, int]]]:
    """Batches of (customer, event id, payload variant): ids and payloads repeat at random."""
    key = st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["e1", "e2", "e3", "e4"]))
    item = st.tuples(key, st.integers(0, 1))
    raw = draw(st.lists(st.lists(item, min_size=1, max_size=8), min_size=1, max_size=3))
    return [[(c, e, v) for (c, e), v in batch] for batch in raw]


@given(spec=batches())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_bulk_and_row_by_row_agree_on_any_mix(
    engine_pair: tuple[Engine, Engine], spec: list[list[tuple[str, str, int]]]
) -> None:
    prefix = f"p{next(_examples)}-"
    inp = line("input", 100, "0.090", "0.000009")
    outcomes = []
    for engine, store_fn in zip(engine_pair, (store_batch_reference, store_batch), strict=True):
        seen = []
        for batch in spec:
            events = [
                event(prefix + c, e, "2026-11-20T10:00:00Z", inp, payload=f'{{"v": {v}}}')
                for c, e, v in batch
            ]
            with engine.begin() as conn:
                result = store_fn(conn, events, {})
            seen.append(
                (
                    sorted((e.customer, e.event_id) for e in result.ingested),
                    sorted((e.customer, e.event_id, e.payload_hash) for e in result.duplicates),
                    sorted((e.customer, e.event_id, e.payload_hash) for e in result.conflicts),
                )
            )
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.code, e.event_id, e.payload_hash, CAST(ch.total AS TEXT) "
                    "FROM usage_events e JOIN customers c ON c.id = e.customer_id "
                    "JOIN charges ch ON ch.event_pk = e.id WHERE c.code LIKE :p "
                    "ORDER BY 1, 2"
                ),
                {"p": prefix + "%"},
            ).all()
        outcomes.append((seen, [tuple(r) for r in rows]))
    reference, bulk = outcomes
    assert bulk == reference
    # every key is stored once, with the payload of its first appearance
    firsts: dict[tuple[str, str], int] = {}
    for batch in spec:
        for c, e, v in batch:
            firsts.setdefault((prefix + c, e), v)
    assert [(r[0], r[1]) for r in reference[1]] == sorted(firsts)


def test_worker_processes_store_what_one_process_stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """``ingest_lines(processes=2)`` (parsing, pricing and staging in forked workers) stores
    the same rows with the same ids, and reports the same problems in the same order, as
    one process: new, duplicate, conflicting, unpriceable and invalid lines, over batches
    that straddle them."""
    from billing.ledger.ingest import ingest_lines

    base = _lines()
    changed = json.loads(base[5])
    changed["usage"] = {"prompt_tokens": 7, "completion_tokens": 7}
    lines = [
        *base,
        base[3],  # a duplicate of a line stored in an earlier batch
        json.dumps(changed),  # the same id with another payload: a conflict
        "{not json",  # invalid
        json.dumps({"customer": "acme", "model": "qwen3-5-flash"}),  # no id: invalid
        json.dumps(  # no such model: stored unpriceable
            {"id": "n-1", "customer": "acme", "model": "nope", "timestamp": "2026-11-03T00:00:00Z"}
        ),
    ]
    numbered = list(enumerate(lines, 1))
    prepare = make_pricer(load_catalog(ROOT / "data"))
    outcomes = []
    for processes in (0, 2):
        engine = make_engine(new_database(request, "postgresql", tmp_path))
        try:
            summary = ingest_lines(engine, numbered, prepare, batch_size=37, processes=processes)
            outcomes.append(
                (summary.as_json(), [p.as_json() for p in summary.problems], dump(engine))
            )
        finally:
            engine.dispose()
    one, workers = outcomes
    assert one[0]["duplicates"] == 1 and one[0]["conflicts"] == 1 and one[0]["invalid"] == 2
    assert one[0]["unpriceable"] >= 1
    assert workers == one


def test_postgres_copies_new_batches_straight_in_and_merges_the_others(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """PostgreSQL stores a batch of new events by COPY straight into the tables, and a batch
    holding an event stored already through the merge (the savepoint rolls the COPY back),
    as does the batch after it; the rows equal those of the row-by-row store but for the
    ids, which follow (customer, id) order in each batch either way."""
    from billing.ledger.bulk import CopyState, flush_postgres, stage_postgres

    events = _prepared()[:90]
    assert len({(e.customer, e.event_id) for e in events}) == 90
    batches = [
        events[:30],  # new: COPY straight in
        events[20:40],  # 10 stored already: the COPY fails, the merge stores 10
        events[40:60],  # new, after a merge: merged, then COPY again
        events[60:90],  # new: COPY straight in
    ]
    ways: list[bool] = []
    engine = make_engine(new_database(request, "postgresql", tmp_path))
    reference = make_engine(new_database(request, "postgresql", tmp_path))
    try:
        cache: dict[str, int] = {}
        state = CopyState()
        results = []
        for batch in batches:
            ways.append(state.direct)
            with engine.begin() as conn:
                result = flush_postgres(conn, stage_postgres(batch), cache, state)
            results.append((len(result.ingested), len(result.duplicates), len(result.conflicts)))
            with reference.begin() as conn:
                store_batch_reference(conn, batch, {})
        assert ways == [True, True, False, True]
        assert results == [(30, 0, 0), (10, 10, 0), (20, 0, 0), (30, 0, 0)]
        got, want = dump(engine), dump(reference)
    finally:
        engine.dispose()
        reference.dispose()
    assert got["customers"] == want["customers"]
    keyed = []
    for rows in (got, want):
        pk = {row[0]: (row[1], row[2]) for row in rows["usage_events"]}  # id: (customer, event)
        keyed.append(
            (
                sorted((pk[r[0]], r[1:]) for r in rows["usage_events"]),
                sorted((pk[r[0]], r[1:]) for r in rows["charges"]),
                sorted((pk[r[0]], r[1:]) for r in rows["usage_tool_calls"]),
            )
        )
    assert keyed[0] == keyed[1]
    # within each batch, ids follow (customer id, event id), as the reference assigns them
    ids = {(r[1], r[2]): int(r[0]) for r in got["usage_events"]}
    for batch in batches:
        keys = sorted({(got_id(got, e.customer), e.event_id) for e in batch})
        stored = [ids[str(c), e] for c, e in keys if (str(c), e) in ids]
        assert stored == sorted(stored)
    assert len(ids) == 90


def got_id(dumped: dict[str, list[tuple[str | None, ...]]], code: str) -> int:
    return next(int(str(r[0])) for r in dumped["customers"] if r[1] == code)


def test_the_quick_reader_prepares_what_the_full_reader_prepares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ingest reads the common record with billing.records.read_quick and prices its counts
    (billing.rating.price_quick); every event it prepares so must equal the one the full
    reader (parse_record, price) prepares from the same line, field for field."""
    import billing.ledger.ingest as ingest_module
    from billing.records import loads, read_quick

    lines = _lines()
    # and records near the quick form that it must leave to the full reader or price alike
    lines += [
        '{"id": "q1", "customer": "c", "model": "qwen3-5-flash", "usage": '
        '{"prompt_tokens": 5, "completion_tokens": 1}}',  # no time: not priced
        '{"id": "q2", "customer": "c", "model": "nope", "timestamp": "2026-11-03T00:00:00Z", '
        '"usage": {"prompt_tokens": 5, "completion_tokens": 1}}',  # no such offering
        '{"id": "q3", "customer": "c", "model": "qwen3-5-flash", "endpoint": "completions", '
        '"timestamp": 1700000000, "usage": {"prompt_tokens": 5, "completion_tokens": 3, '
        '"total_tokens": 8, "completion_tokens_details": {"reasoning_tokens": 2}}}',
    ]
    prepare = make_pricer(load_catalog(ROOT / "data"))
    numbered = list(enumerate(lines, 1))
    quick = [prepare(raw, number) for number, raw in numbered]
    monkeypatch.setattr(ingest_module, "read_quick", lambda obj: None)  # the full reader only
    full = [prepare(raw, number) for number, raw in numbered]
    assert quick == full
    assert sum(read_quick(loads(raw)) is not None for raw in lines) > 100  # quick was taken
