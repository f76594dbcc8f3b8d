"""The benchmark report (``make bench``): every ``tests/bench/bench_*.py`` in one table.

    .venv/bin/python tests/bench/report.py [--quick] [--only NAME ...] [--out FILE]

Each bench module exposes ``bench(quick: bool = False) -> list[dict]``, one dict a figure::

    {"name": str, "value": float, "unit": str,
     "target": {"op": ">=" | "<=", "value": float} | None, "met": bool | None,
     "ratios": {"vs <baseline>": float, ...}, "detail": str}

The report prints the machine (CPU, cores, memory, OS, Python, SQLite, the PostgreSQL
server, library versions), then one row per figure with its target and a plain ``met`` or
``MISSED``, and writes everything to ``build/bench-report.json``. A bench that cannot be
imported or raises becomes an ``ERROR`` row and the others still run. Each bench runs in
a fresh interpreter, so none is slowed by what another left in memory. Not collected by
pytest. Exit status: 0 when every bench ran (targets missed or not), 1 when one crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import importlib.util
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIBRARIES = (
    "jsonschema-rs",
    "jsonschema",
    "genai-prices",
    "sqlalchemy",
    "psycopg",
    "pydantic",
    "alembic",
)


# ----------------------------------------------------------------------- machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def memory() -> str:
    match = re.search(r"^MemTotal:\s+(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    if not match:
        return "unknown"
    return f"{int(match.group(1)) / 1024 / 1024:.1f} GiB"


def os_name() -> str:
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', _read("/etc/os-release"), re.MULTILINE)
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty.group(1)} ({kernel})" if pretty else kernel


def postgres_server() -> str:
    """The version of the server binary the PostgreSQL benches start (tests/pg_server.py)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        return "not installed"
    try:
        out = subprocess.run(
            [found[-1], "--version"], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return f"{found[-1]} (version unknown)"
    return out.stdout.strip()


def library_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": memory(),
        "os": os_name(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_server(),
        "libraries": library_versions(),
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }


# ------------------------------------------------------------------------ running


def bench_files(only: list[str] | None = None) -> list[Path]:
    files = sorted(HERE.glob("bench_*.py"))
    if only:
        files = [f for f in files if f.stem.removeprefix("bench_") in only or f.stem in only]
    return files


def _load(path: Path) -> Any:
    name = f"_ratecard_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _error_row(bench: str, exc: BaseException) -> dict[str, Any]:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return {
        "name": f"{bench}: crashed",
        "value": None,
        "unit": "",
        "target": None,
        "met": None,
        "ratios": {},
        "detail": last,
        "error": traceback.format_exc(),
    }


def judged(row: dict[str, Any]) -> dict[str, Any]:
    """The row with ``met`` computed from its target (a bench's own verdict is checked)."""
    target = row.get("target")
    value = row.get("value")
    if target and isinstance(value, int | float):
        op, limit = target["op"], target["value"]
        row["met"] = bool(value >= limit) if op == ">=" else bool(value <= limit)
    elif not target:
        row["met"] = None
    return row


def bench_rows(path: Path, quick: bool) -> list[dict[str, Any]]:
    """Run one bench in this process: its rows, or one error row if it crashed."""
    bench = path.stem.removeprefix("bench_")
    try:
        module = _load(path)
        rows = module.bench(quick=quick)
        out = []
        for row in rows:
            row = {"ratios": {}, "detail": "", "target": None, **row}
            out.append(judged({"bench": bench, **row}))
    except BaseException as exc:  # a crash is a row; Ctrl-C still stops the report
        if isinstance(exc, KeyboardInterrupt):
            raise
        out = [{"bench": bench, **_error_row(bench, exc)}]
    return out


def run_bench(path: Path, quick: bool) -> tuple[list[dict[str, Any]], float]:
    """Run one bench in a fresh interpreter, so that what an earlier bench left in memory
    (a large heap makes every garbage collection slower) does not slow a later one."""
    bench = path.stem.removeprefix("bench_")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ratecard-bench-") as tmp:
        result = Path(tmp) / "rows.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
        command += ["--out", str(result)] + (["--quick"] if quick else [])
        proc = subprocess.run(command, check=False)
        if result.exists():
            out = json.loads(result.read_text(encoding="utf-8"))
        else:
            error = RuntimeError(f"the bench process exited with status {proc.returncode}")
            out = [{"bench": bench, **_error_row(bench, error)}]
    return out, time.perf_counter() - start


# ------------------------------------------------------------------------ showing


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("x", "×"):
        return f"{value:,.1f}×"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}".rstrip()


def _target(row: dict[str, Any]) -> str:
    target = row.get("target")
    if not target:
        return ""
    return f"{target['op']} {_number(target['value'], row['unit'])}"


def _status(row: dict[str, Any]) -> str:
    if "error" in row:
        return "ERROR"
    if row.get("met") is True:
        return "met"
    if row.get("met") is False:
        return "MISSED"
    return ""


def table(rows: list[dict[str, Any]]) -> str:
    header = ("figure", "value", "target", "status", "ratios (same run)")
    body = []
    for row in rows:
        ratios = ", ".join(f"{k}: {v:,.2f}×" for k, v in row.get("ratios", {}).items())
        value = _number(row.get("value"), row.get("unit", ""))
        body.append((row["name"], value, _target(row), _status(row), ratios))
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(4)]
    lines = []
    for i, r in enumerate([header, *body]):
        cells = [r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].ljust(widths[2])]
        lines.append("  ".join([*cells, r[3].ljust(widths[3]), r[4]]).rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def show_machine(info: dict[str, Any]) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
    return "\n".join(
        [
            f"CPU:        {info['cpu']} ({info['cores']} cores), memory {info['memory']}",
            f"OS:         {info['os']}",
            f"Python:     {info['python']}; SQLite {info['sqlite']}",
            f"PostgreSQL: {info['postgresql']}",
            f"Libraries:  {libs}",
            f"Load:       {info['load_average']} (1, 5, 15 min) at the start",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few repeats")
    parser.add_argument("--only", nargs="*", metavar="NAME", help="bench names (price, ...)")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench-report.json"))
    parser.add_argument("--child", metavar="BENCH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one bench, in its own process (see run_bench)
        rows = bench_rows(Path(args.child), args.quick)
        Path(args.out).write_text(json.dumps(rows, default=str), encoding="utf-8")
        return 0

    info = machine()
    print(f"ratecard benchmarks ({'quick' if args.quick else 'full'} run)")
    print(show_machine(info))
    print()
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    for path in bench_files(args.only):
        print(f"running {path.name} ...", flush=True)
        found, seconds = run_bench(path, args.quick)
        timings[path.stem.removeprefix("bench_")] = round(seconds, 1)
        for row in found:
            if "error" in row:
                print(row["error"], file=sys.stderr)
        rows.extend(found)
    print()
    print(table(rows))
    details = [(row["name"], row["detail"]) for row in rows if row.get("detail")]
    if details:
        print()
        for name, detail in details:
            print(f"{name}: {detail}")
    missed = [row["name"] for row in rows if row.get("met") is False]
    crashed = [row["bench"] for row in rows if "error" in row]
    print()
    print(f"targets met: {sum(row.get('met') is True for row in rows)}, MISSED: {len(missed)}")
    for name in missed:
        print(f"MISSED: {name}")
    for bench in crashed:
        print(f"ERROR: bench {bench} crashed (traceback above)")

    info["load_average_end"] = (
        [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    )
    print(f"load average at the end: {info['load_average_end']} (a shared machine: figures")
    print("measured under load are low; ratios to baselines of the same run hold better)")
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": info,
        "seconds": timings,
        "results": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
