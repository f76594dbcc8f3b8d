"""Ingest throughput into SQLite and PostgreSQL (parse, price, store): events per second.

    .venv/bin/python tests/bench/bench_ingest.py [EVENTS]

Not a test: pytest does not collect it. PostgreSQL is a throwaway server started here
(see tests/pg_server.py). The target is at least 20,000 events/s into PostgreSQL.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from billing.ledger.db import make_engine  # noqa: E402
from billing.ledger.ingest import ingest_lines, make_pricer  # noqa: E402
from billing.ledger.migrate import upgrade  # noqa: E402
from catalog import load_catalog  # noqa: E402
from tests.pg_server import PostgresServer  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "usage-2026-11.jsonl"


def records(n: int) -> list[tuple[int, str]]:
    """n distinct records cycling through the sample month (new ids, same usage)."""
    base = [json.loads(x) for x in SAMPLE.read_text().splitlines() if x.strip()]
    out = []
    for i in range(n):
        rec = dict(base[i % len(base)])
        rec["id"] = f"bench-{i}"
        out.append((i + 1, json.dumps(rec)))
    return out


def run(label: str, url: str, lines: list[tuple[int, str]], batch: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    prepare = make_pricer(load_catalog(ROOT / "data"))
    start = time.perf_counter()
    summary = ingest_lines(engine, lines, prepare, batch_size=batch)
    elapsed = time.perf_counter() - start
    engine.dispose()
    print(
        f"ingest into {label:<10} {summary.lines:>8,} events in {elapsed:6.2f} s"
        f"  = {summary.lines / elapsed:>9,.0f} events/s"
        f"  (stored {summary.ingested:,}, rejected {summary.rejected:,}, batch {batch})"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    lines = records(n)
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/bench.db", lines, 5000)
    server = PostgresServer().start()
    try:
        run("PostgreSQL", server.url(), lines, 5000)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
