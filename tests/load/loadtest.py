"""``make loadtest``: ``ratecard serve`` on 127.0.0.1 over a throwaway PostgreSQL, driven for a
bounded time (60 s by default, split evenly across three phases) by an async httpx2 client:

1. ``POST /v1/validate`` of a small chat request;
2. ``POST /v1/price`` of one usage record;
3. ``POST /v1/events`` in batches of 100 new events.

It prints requests/s, p50, p99 and errors per phase, then checks the ledger: every event of
every acknowledged batch is stored exactly once. Goals on the 2-core machine: validate at least
2,000 requests/s with p99 at most 20 ms; events at least 10,000 events/s. The report is also
written to build/loadtest.json. Run alone: ``.venv/bin/python tests/load/loadtest.py
[--seconds 60] [--concurrency 16]``.
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

import httpx2  # noqa: E402
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


def batch_body(worker: int, number: int) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"w{worker}-b{number}-e{i}",
                "customer": f"cust-{i % 10}",
                "model": "qwen3-5-4b",
                "timestamp": "2026-11-20T10:00:00Z",
                "usage": {"prompt_tokens": 1000 + i, "completion_tokens": 50},
            }
        )
        + "\n"
        for i in range(BATCH)
    )


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors = 0
        self.elapsed = 0.0
        self.acked_batches: list[tuple[int, int]] = []

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
        }


async def drive(url: str, key: str, kind: str, seconds: float, concurrency: int) -> Phase:
    phase = Phase(kind)
    headers = {"Authorization": f"Bearer {key}"}
    deadline = time.perf_counter() + seconds
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx2.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:

        async def worker(number: int) -> None:
            batch = 0
            while time.perf_counter() < deadline:
                if kind == "validate":
                    request = client.post(
                        "/v1/validate",
                        content=VALIDATE_BODY,
                        headers={"Content-Type": "application/json"},
                    )
                elif kind == "price":
                    request = client.post(
                        "/v1/price", content=RECORD, headers={"Content-Type": "application/json"}
                    )
                else:
                    request = client.post(
                        "/v1/events",
                        content=batch_body(number, batch),
                        headers={"Content-Type": "application/x-ndjson"},
                    )
                start = time.perf_counter()
                try:
                    answer = await request
                    ok = answer.status_code == 200
                    if ok and kind == "validate":
                        ok = answer.json()["valid"] is True
                    if ok and kind == "events":
                        ok = answer.json()["ingested"] == BATCH
                except httpx2.HTTPError:
                    ok = False
                phase.latencies.append(time.perf_counter() - start)
                if ok:
                    if kind == "events":
                        phase.acked_batches.append((number, batch))
                else:
                    phase.errors += 1
                batch += 1

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
        server = LiveServer(db, "--log-level", "warning").start()
        print(
            f"server {server.url} (uvicorn, 1 process) over PostgreSQL {db}; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        phases = [
            asyncio.run(drive(server.url, key, "validate", each, args.concurrency)),
            asyncio.run(drive(server.url, key, "price", each, args.concurrency)),
            asyncio.run(drive(server.url, key, "events", each, args.event_concurrency)),
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
        )
        print(" ".join(f"{c:>14}" for c in columns))
        for row in rows:
            print(" ".join(f"{row[c]:>14}" for c in columns))
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
            server.kill()
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
