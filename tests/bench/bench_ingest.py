"""Ingest throughput into SQLite and PostgreSQL (parse, price, store): events per second.

    .venv/bin/python tests/bench/bench_ingest.py [EVENTS]

Not a test: pytest does not collect it. PostgreSQL is a throwaway server started here
(see tests/pg_server.py). The target is at least 20,000 events/s into PostgreSQL.

Measured in the same run, on fresh databases:
- the ingest as ``ratecard ingest`` runs it (bulk store: COPY on PostgreSQL, executemany on
  SQLite; on PostgreSQL, worker processes, one per CPU, parse, price and stage batches while
  a writer thread stores them);
- on PostgreSQL the same in one process (``--jobs 0``: this thread parses and prices while
  the writer thread stores), for the ratio;
- the same with the row-by-row store (``bulk=False``), the first path, for the ratio;
- parsing and pricing alone (no database), which bounds what one process can reach.

The machine is shared, so events/s move with its load. What the run cost does not: the CPU
time per event of this process, of its worker processes and of the PostgreSQL server
(/proc), printed beside the figure with the rate they allow on this machine's idle cores.
"""

from __future__ import annotations

import gc
import json
import os
import resource
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
    default_processes,
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


def run(
    url: str,
    lines: list[tuple[int, str]],
    prepare: Pricer,
    *,
    bulk: bool = True,
    processes: int = 0,
    server: PostgresServer | None = None,
) -> tuple[float, dict[str, float]]:
    """Events per second ingesting ``lines`` into a fresh database at ``url``, and the CPU
    microseconds per event of this process, its workers and the PostgreSQL server."""
    engine = make_engine(url)
    upgrade(engine)
    # the migrations' connection closes (and the server reaps it) before the CPU is read,
    # so its time is not counted as the ingest's
    engine.dispose()
    time.sleep(0.2)
    engine = make_engine(url)
    before = _cpu(server)
    start = time.perf_counter()
    summary = ingest_lines(engine, lines, prepare, batch_size=BATCH, bulk=bulk, processes=processes)
    elapsed = time.perf_counter() - start
    engine.dispose()
    time.sleep(0.2)  # the server reaps the closed backends (their CPU counts from then)
    after = _cpu(server)
    assert summary.ingested == len(lines), summary.as_json()
    cpu = {k: (after[k] - before[k]) / len(lines) * 1e6 for k in before}
    return summary.lines / elapsed, cpu


def _cpu(server: PostgresServer | None) -> dict[str, float]:
    """CPU seconds so far: this process, its reaped children, the PostgreSQL server."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"main": me.ru_utime + me.ru_stime, "workers": kids.ru_utime + kids.ru_stime}
    if server is not None:
        pid = (server.data / "postmaster.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime (the backends it reaped) in clock ticks
        out["postgres"] = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return out


def _cpu_text(cpu: dict[str, float]) -> str:
    """The CPU per event and the rate it allows: every core busy, and the main process's
    own share done one event after another (a process uses one core at a time)."""
    total = sum(cpu.values())
    cores = len(os.sched_getaffinity(0))
    parts = ", ".join(f"{k} {v:,.0f}" for k, v in cpu.items() if v >= 0.5)
    bound = min(cores * 1e6 / total, 1e6 / cpu["main"])
    return f"CPU per event {total:,.0f} us ({parts}): at most {bound:,.0f}/s on {cores} idle cores"


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
    gc.freeze()  # as ratecard ingest does once the catalog is loaded
    prep = prepare_rate(lines[: n // 2], prepare)
    prepared = [
        e for e in (prepare(t, i) for i, t in lines[:n_old]) if isinstance(e, PreparedEvent)
    ]
    results: list[dict[str, Any]] = []
    detail_common = (
        f"{n:,} sample records, batch {BATCH}; parse+price+hash alone {prep:,.0f}/s in this run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        lite, lite_cpu = run(f"sqlite:///{tmp}/bulk.db", lines, prepare)
        lite_old, _ = run(f"sqlite:///{tmp}/rows.db", lines[:n_old], prepare, bulk=False)
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
            "detail": f"{detail_common}; row-by-row {lite_old:,.0f}/s on {n_old:,}; "
            + _cpu_text(lite_cpu),
        }
    )
    jobs = default_processes()
    workers = jobs or 2  # the other way, for the ratio: worker processes, or one process
    server = PostgresServer().start()
    try:
        pg, pg_cpu = run(_pg_database(server, "bench_bulk"), lines, prepare, processes=jobs,
                         server=server)  # fmt: skip
        pg_other, other_cpu = run(_pg_database(server, "bench_other"), lines, prepare,
                                  processes=0 if jobs else workers, server=server)  # fmt: skip
        pg_old, _ = run(_pg_database(server, "bench_rows"), lines[:n_old], prepare, bulk=False)
        pg_store = store_rate(_pg_database(server, "store_bulk"), prepared)
        pg_store_old = store_rate(_pg_database(server, "store_rows"), prepared, bulk=False)
    finally:
        server.stop()
    how = f"{jobs} worker processes" if jobs else "one process (one CPU)"
    other = "one process" if jobs else f"{workers} worker processes"
    results.append(
        {
            "name": "ingest into PostgreSQL",
            "value": pg,
            "unit": "events/s",
            "target": {"op": ">=", "value": TARGET_PG},
            "met": pg >= TARGET_PG,
            "ratios": {f"vs {other}": pg / pg_other, "vs row-by-row store": pg / pg_old},
            "detail": f"{detail_common}; {how} (ratecard ingest's default here); "
            f"{other} {pg_other:,.0f}/s; row-by-row {pg_old:,.0f}/s on {n_old:,}. "
            f"{_cpu_text(pg_cpu)}. {other.capitalize()}: {_cpu_text(other_cpu)}",
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
