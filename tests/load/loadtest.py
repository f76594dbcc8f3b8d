"""``make loadtest``: ``ratecard serve`` on 127.0.0.1 over a throwaway PostgreSQL, driven for a
bounded time (60 s by default, split evenly across three phases) by one asyncio process
(uvloop when installed) holding many keep-alive HTTP/1.1 connections over raw streams:

1. ``POST /v1/validate`` of a small chat request;
2. ``POST /v1/price`` of one usage record;
3. ``POST /v1/events`` in batches of 100 new events.

It prints requests/s, p50, p99 and errors per phase, then checks the ledger: every event of
every acknowledged batch is stored exactly once. Goals on the 2-core machine: validate at least
2,000 requests/s with p99 at most 20 ms; events at least 10,000 events/s. Each phase also
reports the CPU seconds the generator and the server (all its workers) spent: on two cores the
generator's share is taken from the server. The report is also written to build/loadtest.json.
Run alone: ``.venv/bin/python tests/load/loadtest.py [--seconds 60] [--concurrency 16]
[--workers 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from billing.ledger import create_tenant, ensure_schema, make_engine  # noqa: E402
from tests.pg_server import PostgresServer  # noqa: E402
from tests.ratecard.service.live import LiveServer  # noqa: E402

VALIDATE_BODY = json.dumps(
    {
        "model": "qwen3-5-4b",
        "messages": [{"role": "user", "content": "Hello there"}],
        "temperature": 0.7,
        "max_tokens": 256,
    }
)
RECORD = json.dumps(
    {
        "id": "price-1",
        "customer": "acme",
        "model": "qwen3-5-flash",
        "timestamp": "2026-11-20T10:00:00Z",
        "usage": {
            "prompt_tokens": 123,
            "completion_tokens": 456,
            "tool_usage": {"web_search": 3, "code_interpreter": 1},
        },
    }
)
BATCH = 100


#: one event line; the id is unique per (worker, batch, line): formatted, not json.dumps'd,
#: so that making a batch costs the generator little CPU
_EVENT = (
    '{{"id": "w{w}-b{b}-e{i}", "customer": "cust-{c}", "model": "qwen3-5-4b", '
    '"timestamp": "2026-11-20T10:00:00Z", '
    '"usage": {{"prompt_tokens": {p}, "completion_tokens": 50}}}}\n'
)


def batch_body(worker: int, number: int) -> str:
    return "".join(
        _EVENT.format(w=worker, b=number, i=i, c=i % 10, p=1000 + i) for i in range(BATCH)
    )


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and its children (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors = 0
        self.elapsed = 0.0
        self.acked_batches: list[tuple[int, int]] = []
        self.generator_cpu = 0.0  #: CPU seconds of this process during the phase
        self.server_cpu = 0.0  #: CPU seconds of the server's processes during the phase
        self.database_cpu = 0.0  #: CPU seconds of PostgreSQL's processes during the phase

    def report(self, per_request: int = 1) -> dict[str, Any]:
        n = len(self.latencies)
        ordered = sorted(self.latencies)
        p = (lambda q: ordered[min(n - 1, int(q * n))] * 1000) if n else (lambda q: 0.0)
        return {
            "phase": self.name,
            "requests": n,
            "errors": self.errors,
            "seconds": round(self.elapsed, 2),
            "requests_per_s": round(n / self.elapsed, 1) if self.elapsed else 0,
            "items_per_s": round(n * per_request / self.elapsed, 1) if self.elapsed else 0,
            "p50_ms": round(statistics.median(ordered) * 1000, 2) if n else 0,
            "p99_ms": round(p(0.99), 2),
            "generator_cpu_s": round(self.generator_cpu, 1),
            "server_cpu_s": round(self.server_cpu, 1),
            "database_cpu_s": round(self.database_cpu, 1),
        }


class Connection:
    """One keep-alive HTTP/1.1 connection over raw asyncio streams: the generator spends
    its CPU on little more than the bytes (an HTTP client library would take a large share
    of the two cores from the server it measures)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\nConnection: keep-alive\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, media: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            b"POST "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + self.head
            + f"Content-Type: {media}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def measured(
    server: LiveServer, database: int, key: str, kind: str, seconds: float, concurrency: int
) -> Phase:
    """One phase on a fresh event loop (uvloop's when installed), with the CPU seconds the
    generator, the server and the database (its postmaster's pid) spent on it."""
    assert server.process is not None
    cpu, served = time.process_time(), cpu_seconds(server.process.pid)
    stored = cpu_seconds(database)
    work = drive(server.url, key, kind, seconds, concurrency)
    try:
        import uvloop
    except ImportError:
        phase = asyncio.run(work)
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            phase = runner.run(work)
    phase.generator_cpu = time.process_time() - cpu
    phase.server_cpu = cpu_seconds(server.process.pid) - served
    phase.database_cpu = cpu_seconds(database) - stored
    return phase


async def drive(url: str, key: str, kind: str, seconds: float, concurrency: int) -> Phase:
    phase = Phase(kind)
    host, _, port = url.removeprefix("http://").partition(":")
    deadline = time.perf_counter() + seconds
    validate_body, record_body = VALIDATE_BODY.encode(), RECORD.encode()

    async def worker(number: int) -> None:
        conn = Connection(host, int(port), key)
        batch = 0
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    if kind == "validate":
                        status, body = await conn.post(
                            "/v1/validate", validate_body, "application/json"
                        )
                        ok = status == 200 and b'"valid":true' in body.replace(b" ", b"")
                    elif kind == "price":
                        status, body = await conn.post("/v1/price", record_body, "application/json")
                        ok = status == 200 and b'"error":null' in body.replace(b" ", b"")
                    else:
                        status, body = await conn.post(
                            "/v1/events",
                            batch_body(number, batch).encode(),
                            "application/x-ndjson",
                        )
                        ok = status == 200 and json.loads(body)["ingested"] == BATCH
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    conn.close()
                phase.latencies.append(time.perf_counter() - start)
                if ok:
                    if kind == "events":
                        phase.acked_batches.append((number, batch))
                else:
                    phase.errors += 1
                batch += 1
        finally:
            conn.close()

    begin = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    phase.elapsed = time.perf_counter() - begin
    return phase


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="total, split over 3 phases")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="connections for validate/price"
    )
    parser.add_argument("--event-concurrency", type=int, default=4, help="connections for events")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()
    each = args.seconds / 3
    pg = PostgresServer().start()
    server: LiveServer | None = None
    try:
        admin = make_engine(pg.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE load"))
        admin.dispose()
        db = pg.url("load")
        engine = make_engine(db)
        ensure_schema(engine)
        key = create_tenant(engine, "load").key
        postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        server = LiveServer(db, "--log-level", "warning", "--workers", str(args.workers))
        server.start()
        # a worker that starts after /readyz first answers would miss the first seconds
        time.sleep(2 if args.workers > 1 else 0)
        print(
            f"server {server.url} (uvicorn, {args.workers} worker processes) over "
            f"PostgreSQL {db}; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        phases = [
            measured(server, postmaster, key, "validate", each, args.concurrency),
            measured(server, postmaster, key, "price", each, args.concurrency),
            measured(server, postmaster, key, "events", each, args.event_concurrency),
        ]
        rows = [phases[0].report(), phases[1].report(), phases[2].report(BATCH)]
        acked = len(phases[2].acked_batches) * BATCH
        with engine.connect() as conn:
            stored, distinct = conn.execute(
                text("SELECT count(*), count(DISTINCT (customer_id, event_id)) FROM usage_events")
            ).one()
        engine.dispose()
        ledger_ok = stored == distinct == acked
        goals = {
            "validate_rps_2000": rows[0]["requests_per_s"] >= 2000,
            "validate_p99_20ms": rows[0]["p99_ms"] <= 20,
            "events_10000_per_s": rows[2]["items_per_s"] >= 10_000,
        }
        columns = (
            "phase",
            "requests",
            "errors",
            "requests_per_s",
            "items_per_s",
            "p50_ms",
            "p99_ms",
            "generator_cpu_s",
            "server_cpu_s",
            "database_cpu_s",
        )
        print(" ".join(f"{c:>15}" for c in columns))
        for row in rows:
            print(" ".join(f"{row[c]:>15}" for c in columns))
        print(
            f"ledger: {acked} events acknowledged, {stored} stored, {distinct} distinct: "
            f"{'every acknowledged event stored once' if ledger_ok else 'MISMATCH'}"
        )
        for goal, met in goals.items():
            print(f"goal {goal}: {'met' if met else 'MISSED'}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        out = ROOT / "build" / "loadtest.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps({"phases": rows, "ledger_ok": ledger_ok, "goals": goals}, indent=2)
        )
        return 0 if ledger_ok and not any(r["errors"] for r in rows) else 1
    finally:
        if server is not None:
            try:
                server.stop()  # SIGTERM: the workers finish and exit
            finally:
                server.kill()  # whatever is left of its process group
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
