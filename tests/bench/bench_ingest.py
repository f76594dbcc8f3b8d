"""Ingest throughput into SQLite and PostgreSQL (parse, price, store): events per second.

    .venv/bin/python tests/bench/bench_ingest.py [EVENTS]

Not a test: pytest does not collect it. PostgreSQL is a throwaway server started here
(see tests/pg_server.py). The target is at least 20,000 events/s into PostgreSQL.

Measured in the same run, on fresh databases:
- the ingest as ``ratecard ingest`` runs it (bulk store: COPY on PostgreSQL, executemany on
  SQLite; a writer thread stores a batch while the next is parsed and priced);
- the same with the row-by-row store (``bulk=False``), the path before, for the ratio;
- parsing and pricing alone (no database), which bounds what one process can reach.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from billing.ledger.batch import PreparedEvent  # noqa: E402
from billing.ledger.db import make_engine  # noqa: E402
from billing.ledger.ingest import (  # noqa: E402
    Pricer,
    ingest_lines,
    make_pricer,
    store_batch,
    store_batch_reference,
)
from billing.ledger.migrate import upgrade  # noqa: E402
from catalog import load_catalog  # noqa: E402
from tests.pg_server import PostgresServer  # noqa: E402

SAMPLE = ROOT / "data" / "samples" / "usage-2026-11.jsonl"
TARGET_PG = 20_000.0
BATCH = 2000


def records(n: int) -> list[tuple[int, str]]:
    """n distinct records cycling through the sample month (new ids, same usage)."""
    base = [json.loads(x) for x in SAMPLE.read_text().splitlines() if x.strip()]
    out = []
    for i in range(n):
        rec = dict(base[i % len(base)])
        rec["id"] = f"bench-{i}"
        out.append((i + 1, json.dumps(rec)))
    return out


def run(url: str, lines: list[tuple[int, str]], prepare: Pricer, *, bulk: bool = True) -> float:
    """Events per second ingesting ``lines`` into a fresh database at ``url``."""
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    summary = ingest_lines(engine, lines, prepare, batch_size=BATCH, bulk=bulk)
    elapsed = time.perf_counter() - start
    engine.dispose()
    assert summary.ingested == len(lines), summary.as_json()
    return summary.lines / elapsed


def store_rate(url: str, prepared: list[PreparedEvent], *, bulk: bool = True) -> float:
    """Events per second storing already prepared events (the database side alone)."""
    engine = make_engine(url)
    upgrade(engine)
    store = store_batch if bulk else store_batch_reference
    cache: dict[str, int] = {}
    start = time.perf_counter()
    for at in range(0, len(prepared), BATCH):
        with engine.begin() as conn:
            store(conn, prepared[at : at + BATCH], cache)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return len(prepared) / elapsed


def prepare_rate(lines: list[tuple[int, str]], prepare: Pricer) -> float:
    start = time.perf_counter()
    for number, text in lines:
        prepare(text, number)
    return len(lines) / (time.perf_counter() - start)


def _pg_database(server: PostgresServer, name: str) -> str:
    engine = make_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return server.url(name)


def bench(quick: bool = False) -> list[dict[str, Any]]:
    n = 10_000 if quick else 50_000
    n_old = n // 5  # the row-by-row path is slow; its rate does not depend on n
    lines = records(n)
    prepare = make_pricer(load_catalog(ROOT / "data"))
    prepare(lines[0][1], lines[0][0])  # build the rating tables once
    prep = prepare_rate(lines[: n // 2], prepare)
    prepared = [
        e for e in (prepare(t, i) for i, t in lines[:n_old]) if isinstance(e, PreparedEvent)
    ]
    results: list[dict[str, Any]] = []
    detail_common = (
        f"{n:,} sample records, batch {BATCH}; parse+price+hash alone {prep:,.0f}/s in this run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        lite = run(f"sqlite:///{tmp}/bulk.db", lines, prepare)
        lite_old = run(f"sqlite:///{tmp}/rows.db", lines[:n_old], prepare, bulk=False)
        lite_store = store_rate(f"sqlite:///{tmp}/s-bulk.db", prepared)
        lite_store_old = store_rate(f"sqlite:///{tmp}/s-rows.db", prepared, bulk=False)
    results.append(
        {
            "name": "ingest into SQLite",
            "value": lite,
            "unit": "events/s",
            "target": None,
            "met": None,
            "ratios": {"vs row-by-row store": lite / lite_old},
            "detail": f"{detail_common}; row-by-row {lite_old:,.0f}/s on {n_old:,}",
        }
    )
    server = PostgresServer().start()
    try:
        pg = run(_pg_database(server, "bench_bulk"), lines, prepare)
        pg_old = run(_pg_database(server, "bench_rows"), lines[:n_old], prepare, bulk=False)
        pg_store = store_rate(_pg_database(server, "store_bulk"), prepared)
        pg_store_old = store_rate(_pg_database(server, "store_rows"), prepared, bulk=False)
    finally:
        server.stop()
    results.append(
        {
            "name": "ingest into PostgreSQL",
            "value": pg,
            "unit": "events/s",
            "target": {"op": ">=", "value": TARGET_PG},
            "met": pg >= TARGET_PG,
            "ratios": {"vs row-by-row store": pg / pg_old},
            "detail": f"{detail_common}; row-by-row {pg_old:,.0f}/s on {n_old:,}",
        }
    )
    for name, bulk_rate, rows_rate in (
        ("SQLite", lite_store, lite_store_old),
        ("PostgreSQL", pg_store, pg_store_old),
    ):
        results.append(
            {
                "name": f"store only into {name}",
                "value": bulk_rate,
                "unit": "events/s",
                "target": None,
                "met": None,
                "ratios": {"vs row-by-row store": bulk_rate / rows_rate},
                "detail": f"{len(prepared):,} events already parsed and priced, one thread; "
                f"row-by-row {rows_rate:,.0f}/s",
            }
        )
    return results


def main() -> None:
    quick = len(sys.argv) > 1 and sys.argv[1] == "--quick"
    for r in bench(quick):
        target = r["target"]
        verdict = ""
        if target is not None:
            verdict = f"  target {target['op']} {target['value']:,.0f}: "
            verdict += "met" if r["met"] else "MISSED"
        ratios = ", ".join(f"{v:.1f}x {k}" for k, v in r["ratios"].items())
        print(f"{r['name']:<24} {r['value']:>9,.0f} {r['unit']}  ({ratios}){verdict}")
        print(f"{'':<24} {r['detail']}")


if __name__ == "__main__":
    main()
