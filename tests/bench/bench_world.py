"""The bundled world catalog: whole-process ``ratecard price`` of one record with the world
loaded (the compiled cache filled) against the seeds alone, in the same run; pricing
throughput through the layered catalog against the seeds' catalog; ``catalog lint`` of the
whole world (timed, printed).

    .venv/bin/python tests/bench/bench_world.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RATECARD = str(Path(sys.executable).parent / "ratecard")
USAGE = '"usage": {"prompt_tokens": 1000, "completion_tokens": 20}'
WORLD_RECORD = '{"provider": "openai", "model": "gpt-4o", ' + USAGE + "}\n"
SEED_RECORD = '{"model": "qwen3-5-4b", ' + USAGE + "}\n"


def _run(args: list[str], record: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [RATECARD, *args, "price", "-"],
        input=record,
        text=True,
        capture_output=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def _throughput(catalog: Any, records: list[dict[str, Any]], seconds: float) -> float:
    from billing import price

    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for record in records:
            price(record, catalog)
        done += len(records)
    return done / (time.perf_counter() - started)


def bench(quick: bool = False) -> list[dict[str, Any]]:
    from catalog import load_catalog, load_layers

    repeats = 5 if quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RATECARD_CACHE": tmp}
        env.pop("RATECARD_DATA", None)
        world_args: list[str] = []  # the default: data/world under data
        seed_args = ["--data", str(ROOT / "data")]
        _run(world_args, WORLD_RECORD, env)  # fill the compiled cache
        _run(seed_args, SEED_RECORD, env)
        world = [_run(world_args, WORLD_RECORD, env) for _ in range(repeats)]
        seeds = [_run(seed_args, SEED_RECORD, env) for _ in range(repeats)]
        os.environ["RATECARD_CACHE"] = tmp
        # the layered catalog reads its provider shards from the cache lazily: price while
        # the cache directory still exists
        layered = load_layers([ROOT / "data" / "world", ROOT / "data"])
        seed_catalog = load_catalog(ROOT / "data")
        records = [
            {"model": "qwen3-5-flash", "usage": {"prompt_tokens": 100 + i, "completion_tokens": i}}
            for i in range(100)
        ]
        seconds = 1.0 if quick else 3.0
        ours_seeds = _throughput(seed_catalog, records, seconds)
        ours_world = _throughput(layered, records, seconds)
        del os.environ["RATECARD_CACHE"]
    started = time.perf_counter()
    problems = load_catalog(ROOT / "data" / "world")
    lint_s = time.perf_counter() - started
    w, s = statistics.median(world) * 1000, statistics.median(seeds) * 1000
    return [
        {
            "name": "world: ratecard price of one record (process)",
            "value": w,
            "unit": "ms",
            "target": {"op": "<=", "value": 150},
            "met": w <= 150,
            "ratios": {"vs seeds alone": w / s},
            "detail": f"median of {repeats}, compiled cache filled; seeds alone (--data data): "
            f"median {s:.0f} ms",
        },
        {
            "name": "world: pricing throughput vs seeds alone",
            "value": ours_world / ours_seeds,
            "unit": "x",
            "target": {"op": ">=", "value": 0.9},
            "met": ours_world / ours_seeds >= 0.9,
            "ratios": {},
            "detail": f"billing.price on seed records through the layered catalog "
            f"{ours_world:,.0f}/s, the seeds' catalog {ours_seeds:,.0f}/s",
        },
        {
            "name": "world: catalog lint of data/world",
            "value": lint_s,
            "unit": "s",
            "target": None,
            "met": None,
            "ratios": {},
            "detail": f"load_catalog (parse, validate, every cross-card check) of "
            f"{len(problems.offerings):,} offerings",
        },
    ]


if __name__ == "__main__":
    for row in bench("--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.3f} {row['unit']}  {row['detail']}")
