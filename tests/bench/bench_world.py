"""The bundled world catalog: whole-process ``ratecard price`` of one record and
``ratecard validate`` of one request with the world loaded (the compiled caches filled)
against the seeds alone and against a bare ``python -c pass``, interleaved in the same run;
pricing throughput through the layered catalog against the seeds' catalog (alternating
rounds, the median ratio); ``catalog lint`` of the whole world (timed, printed).

    .venv/bin/python tests/bench/bench_world.py [--quick]
"""

from __future__ import annotations

import os
import resource
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


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(argv: list[str], stdin: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process, in seconds: on a busy machine
    the CPU time says what the process itself cost."""
    cpu, started = _cpu(), time.perf_counter()
    subprocess.run(argv, input=stdin, text=True, capture_output=True, env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started, _cpu() - cpu


def _import_hook() -> str:
    """Whether this environment's ``ratecard`` starts through setuptools' editable import
    hook (a finder module every process imports; ``make`` installs a plain path instead)."""
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    hooked = any(site.glob("__editable___ratecard*_finder.py"))
    return "; started through setuptools' editable finder (not a plain path)" if hooked else ""


def _processes(repeats: int, env: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    """Wall time of each whole process, the kinds interleaved so that a busy machine
    weighs on all of them alike (the first run of each fills the compiled caches and
    writes the bytecode, and is not counted)."""
    seeds = ["--data", str(ROOT / "data")]
    request = (ROOT / "data" / "samples" / "requests" / "qwen3-5-4b.json").read_text()
    kinds = {
        "python": ([sys.executable, "-c", "pass"], ""),
        "world price": ([RATECARD, "price", "-"], WORLD_RECORD),
        "seeds price": ([RATECARD, *seeds, "price", "-"], SEED_RECORD),
        "world validate": ([RATECARD, "validate", "-"], request),
        "seeds validate": ([RATECARD, *seeds, "validate", "-"], request),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in kinds}
    for argv, stdin in kinds.values():
        _run(argv, stdin, env)
    for _ in range(repeats):
        for name, (argv, stdin) in kinds.items():
            times[name].append(_run(argv, stdin, env))
    return times


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
        env.pop("RATECARD_DATA", None)  # the default layers: data/world under data
        # an installed wheel has its bytecode compiled; a checkout writes it on first run
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        times = _processes(repeats, env)
        os.environ["RATECARD_CACHE"] = tmp
        # the layered catalog reads its offerings from the cache lazily: price while the
        # cache directory still exists
        layered = load_layers([ROOT / "data" / "world", ROOT / "data"])
        seed_catalog = load_catalog(ROOT / "data")
        records = [
            {"model": "qwen3-5-flash", "usage": {"prompt_tokens": 100 + i, "completion_tokens": i}}
            for i in range(100)
        ]
        # short alternating rounds: the median of the per-round ratios is what a busy
        # machine disturbs least
        seconds, count = (0.2, 5) if quick else (0.5, 9)
        rounds = [
            (_throughput(seed_catalog, records, seconds), _throughput(layered, records, seconds))
            for _ in range(count)
        ]
        ratio = statistics.median(world / seeds for seeds, world in rounds)
        ours_seeds = statistics.median(seeds for seeds, _ in rounds)
        ours_world = statistics.median(world for _, world in rounds)
        del os.environ["RATECARD_CACHE"]
    started = time.perf_counter()
    problems = load_catalog(ROOT / "data" / "world")
    lint_s = time.perf_counter() - started
    ms = {name: statistics.median(wall for wall, _ in v) * 1000 for name, v in times.items()}
    cpu = {name: statistics.median(c for _, c in v) * 1000 for name, v in times.items()}
    rows = []
    for command in ("price", "validate"):
        w, s = ms[f"world {command}"], ms[f"seeds {command}"]
        rows.append(
            {
                "name": f"world: ratecard {command} of one "
                f"{'record' if command == 'price' else 'request'} (process)",
                "value": w,
                "unit": "ms",
                "target": {"op": "<=", "value": 150},
                "met": w <= 150,
                "ratios": {"vs seeds alone": w / s},
                "detail": f"median of {repeats}, compiled caches filled, bytecode written; "
                f"seeds alone (--data data) {s:.0f} ms; bare interpreter (python -c pass) "
                f"{ms['python']:.0f} ms; CPU (user+sys) world {cpu[f'world {command}']:.0f} "
                f"/ seeds {cpu[f'seeds {command}']:.0f} / python {cpu['python']:.0f} ms; "
                "all in the same run" + _import_hook(),
            }
        )
    return [
        *rows,
        {
            "name": "world: pricing throughput vs seeds alone",
            "value": ratio,
            "unit": "x",
            "target": {"op": ">=", "value": 0.9},
            "met": ratio >= 0.9,
            "ratios": {},
            "detail": f"billing.price on seed records through the layered catalog "
            f"{ours_world:,.0f}/s, the seeds' catalog {ours_seeds:,.0f}/s (medians of "
            f"{count} alternating rounds of {seconds} s; the value is the median ratio)",
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
