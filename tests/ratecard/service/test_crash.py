"""kill -9 the server while clients ingest, restart it, re-send every batch that was not
acknowledged: every event is stored exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from billing.ledger import create_tenant, ensure_schema, make_engine
from tests.billing.ledger.conftest import DIALECTS, blank_database

from .live import LiveServer

BATCH = 100
#: uvicorn finishes the requests in flight on SIGTERM, then exits by the same signal
GRACEFUL = (0, -15)
CLIENTS = 4


def batch_body(client: int, number: int) -> bytes:
    lines = []
    for i in range(BATCH):
        event = {
            "id": f"c{client}-b{number}-e{i}",
            "customer": f"cust-{i % 7}",
            "model": "qwen3-5-4b",
            "timestamp": "2026-11-20T10:00:00Z",
            "usage": {"prompt_tokens": 1000 + i, "completion_tokens": 10},
        }
        lines.append(json.dumps(event))
    return ("\n".join(lines) + "\n").encode()


def send(port: int, key: str, body: bytes) -> dict[str, int] | None:
    """The answer of one POST /v1/events, or None when no 2xx came back."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/v1/events",
            body=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
        )
        answer = conn.getresponse()
        data = answer.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        # closed on every path: a connection the stopping server reset is otherwise left
        # open, and its ResourceWarning fails the test under warnings-as-errors
        conn.close()
    if answer.status != 200:
        return None
    doc: dict[str, int] = json.loads(data)
    return doc


@pytest.mark.parametrize("dialect", DIALECTS)
def test_kill_9_mid_ingest(request: pytest.FixtureRequest, dialect: str, tmp_path: Path) -> None:
    db = blank_database(request, dialect, tmp_path)
    engine = make_engine(db)
    ensure_schema(engine)
    key = create_tenant(engine, "crash").key
    server = LiveServer(db).start()
    acked: dict[tuple[int, int], bytes] = {}
    pending: dict[tuple[int, int], bytes] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        batch = 0
        while not stop.is_set():
            body = batch_body(number, batch)
            with lock:
                pending[(number, batch)] = body
            answer = send(server.port, key, body)
            if answer is not None:
                assert answer["ingested"] == BATCH and answer["rejected"] == 0, answer
                with lock:
                    acked[(number, batch)] = pending.pop((number, batch))
            else:
                return  # the server is gone: this batch stays unacknowledged
            batch += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acked) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # SIGKILL, with batches in flight
        stop.set()
        for thread in threads:
            thread.join(60)
        assert len(acked) >= 8 and pending, (len(acked), len(pending))

        server = LiveServer(db, port=server.port).start()
        for body in pending.values():  # every batch without an acknowledgement, again
            answer = send(server.port, key, body)
            assert answer is not None and answer["ingested"] + answer["duplicates"] == BATCH
            assert answer["conflicts"] == 0 and answer["rejected"] == 0
        retried = next(iter(acked.values()))  # an acknowledged batch sent again stores nothing
        again = send(server.port, key, retried)
        assert again is not None and (again["ingested"], again["duplicates"]) == (0, BATCH)
        assert server.stop() in GRACEFUL
    finally:
        server.kill()
    expected = (len(acked) + len(pending)) * BATCH
    with engine.connect() as conn:
        total, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT event_id) FROM usage_events "
                "JOIN customers ON customers.id = usage_events.customer_id "
                "WHERE customers.code LIKE 'crash/%'"
            )
        ).one()
        charges = conn.execute(text("SELECT count(*) FROM charges")).scalar_one()
    engine.dispose()
    assert total == distinct == charges == expected


def _metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as answer:
        text_format = answer.read().decode()
    found = re.search(rf"^{name} (\S+)$", text_format, re.MULTILINE)
    assert found is not None, text_format[:2000]
    return float(found.group(1))


@pytest.mark.parametrize(("dialect", "workers"), [("sqlite", 1), ("sqlite", 2), ("postgresql", 2)])
def test_sigterm_keeps_every_acknowledged_event(
    request: pytest.FixtureRequest, dialect: str, workers: int, tmp_path: Path
) -> None:
    """SIGTERM while clients ingest, with one server process or ``--workers 2``: the
    server finishes what is in flight and exits; every batch it acknowledged is stored,
    once. With workers, /metrics sums the counts of every worker."""
    db = blank_database(request, dialect, tmp_path)
    engine = make_engine(db)
    ensure_schema(engine)
    key = create_tenant(engine, "term").key
    server = LiveServer(db, "--workers", str(workers)).start()
    if workers > 1:
        # four batches, one connection each: whichever workers stored them, the sum is 400
        for number in range(4):
            assert send(server.port, key, batch_body(99, number)) is not None
        assert _metric(server.port, "ratecard_events_stored_total") == 4 * BATCH
    acked: list[tuple[int, int]] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        batch = 0
        while True:
            answer = send(server.port, key, batch_body(number, batch))
            if answer is None:
                return
            assert answer["ingested"] == BATCH
            with lock:
                acked.append((number, batch))
            batch += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acked) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.stop() in GRACEFUL
        for thread in threads:
            thread.join(60)
    finally:
        server.kill()
    with engine.connect() as conn:
        stored = {
            row[0]
            for row in conn.execute(
                text(
                    "SELECT event_id FROM usage_events JOIN customers "
                    "ON customers.id = usage_events.customer_id WHERE customers.code LIKE 'term/%'"
                )
            )
        }
        total = conn.execute(text("SELECT count(*) FROM usage_events")).scalar_one()
    engine.dispose()
    assert len(stored) == total  # each once
    assert acked, "no batch was acknowledged before SIGTERM"
    for number, batch in acked:
        assert all(f"c{number}-b{batch}-e{i}" in stored for i in range(BATCH))
