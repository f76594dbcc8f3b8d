"""Benchmark: request validations per second, ours vs jsonschema's Draft202012Validator
built once (same schema, same request, same run), and the cold start of `ratecard validate`.

Not collected by pytest (no test_ prefix). Run: .venv/bin/python tests/bench/bench_validate.py
Prints one line per figure (--json: one JSON object); ``bench()`` gives the rows of
``make bench`` (tests/bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def typical_request() -> dict[str, Any]:
    """A 2-3 KB chat request: a system prompt, a few turns, sampling parameters."""
    turn = "Explain the difference between nucleus sampling and top-k sampling briefly. "
    messages = [{"role": "system", "content": "You are a concise assistant. " * 8}]
    for i in range(8):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": turn * 3})
    body = {
        "model": "qwen3-5-4b",
        "messages": messages,
        "temperature": Decimal("0.7"),
        "top_p": Decimal("0.95"),
        "max_tokens": 1024,
        "stop": ["\n\n", "END"],
        "reasoning_effort": "low",
        "seed": 42,
        "stream": False,
    }
    return body


def rate(fn: Any, body: Any, seconds: float, windows: int = 30) -> tuple[float, float]:
    """Calls per second of wall time in the best of ``windows`` short windows spread over
    ``seconds`` (the machine is shared: the best short window is the least disturbed one),
    and calls per second of this process's CPU time over all of them (what a core gives
    when the process is not waiting for it)."""
    best = 0.0
    batch = 1
    calls = 0
    deadline = time.perf_counter() + seconds
    cpu_start = time.process_time()
    for _ in range(windows):
        start = time.perf_counter()
        count = 0
        while True:
            for _ in range(batch):
                fn(body)
            count += batch
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / windows:
                break
            batch = min(batch * 2, 200)
        best = max(best, count / elapsed)
        calls += count
        if time.perf_counter() > deadline:
            break
    return best, calls / (time.process_time() - cpu_start)


def _wall(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) in seconds of ``cmd`` as a whole process. The
    CPU time does not count the time the process waited for a core (a shared machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_start(data: Path, runs: int = 15) -> dict[str, float]:
    """``ratecard validate FILE`` run as the console script, ``runs`` times, after one run
    that fills the compiled-catalog cache (and writes the bytecode, as any second run of an
    installed program finds it). Beside it, the same interpreter starting and doing nothing,
    and starting and importing jsonschema_rs: what no change to ratecard can remove."""
    ratecard = Path(sys.executable).with_name("ratecard")
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        request = Path(tmp) / "request.json"
        request.write_text(
            json.dumps({"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hi"}]})
        )
        env = {**os.environ, "RATECARD_CACHE": str(Path(tmp) / "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmd = [str(ratecard), "--data", str(data), "validate", str(request)]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # fills the caches
        bare = [python, "-c", "pass"]
        rs = [python, "-c", "import jsonschema_rs"]
        # interleaved rounds, so that a noisy neighbour slows all three alike
        samples: dict[str, list[tuple[float, float]]] = {"cli": [], "bare": [], "rs": []}
        for _ in range(runs):
            for key, argv in (("cli", cmd), ("bare", bare), ("rs", rs)):
                samples[key].append(_wall(argv, env))
        figures: dict[str, float] = {}
        for key, times in samples.items():
            figures[f"{key}_median"] = statistics.median(t[0] for t in times)
            figures[f"{key}_best"] = min(t[0] for t in times)
            figures[f"{key}_cpu_median"] = statistics.median(t[1] for t in times)
    return figures


def measure(seconds: float, cold_runs: int) -> dict[str, Any]:
    import jsonschema

    from catalog import RequestValidator, load_catalog
    from catalog.requests.schemas import compile_requests

    data = ROOT / "data"
    compiled = compile_requests(load_catalog(data))
    validator = RequestValidator(compiled)
    body = typical_request()
    size = len(json.dumps(body, default=str))
    result = validator.validate(body)
    assert result.valid, result.issues

    schema = dict(compiled.endpoints[("empiriolabs/qwen3-5-4b", "chat.completions")].schema)
    baseline = jsonschema.Draft202012Validator(schema)
    assert baseline.is_valid(body)

    ours, ours_cpu = rate(validator.validate, body, seconds)
    theirs, theirs_cpu = rate(baseline.is_valid, body, seconds)
    return {
        "request_bytes": size,
        "ours": ours,
        "jsonschema": theirs,
        "ours_cpu": ours_cpu,
        "jsonschema_cpu": theirs_cpu,
        **cold_start(data, cold_runs),
    }


def bench(quick: bool = False) -> list[dict[str, Any]]:
    """The figures for tests/bench/report.py (``make bench``)."""
    f = measure(1.0 if quick else 3.0, 5 if quick else 15)
    ours, theirs = f["ours"], f["jsonschema"]
    cli, bare = f["cli_median"] * 1000, f["bare_median"] * 1000
    return [
        {
            "name": "validate: typical chat request",
            "value": ours,
            "unit": "requests/s",
            "target": {"op": ">=", "value": 100_000},
            "met": ours >= 100_000,
            "ratios": {"vs jsonschema built once": ours / theirs},
            "detail": f"RequestValidator.validate on a {f['request_bytes']:,}-byte chat request "
            f"(qwen3-5-4b, Decimal numbers), best of 30 short windows; jsonschema "
            f"Draft202012Validator built once {theirs:,.0f}/s. Per CPU second (all "
            f"windows, without waiting for a core): ours {f['ours_cpu']:,.0f}/s, "
            f"jsonschema {f['jsonschema_cpu']:,.0f}/s",
        },
        {
            "name": "validate: vs jsonschema built once",
            "value": ours / theirs,
            "unit": "x",
            "target": {"op": ">=", "value": 30},
            "met": ours / theirs >= 30,
            "ratios": {},
            "detail": "same schema, same request, same run",
        },
        {
            "name": "validate: cold start (ratecard validate)",
            "value": cli,
            "unit": "ms",
            "target": {"op": "<=", "value": 150},
            "met": cli <= 150,
            "ratios": {"vs bare interpreter start-up": cli / bare},
            "detail": f"the console script as a process, median of {5 if quick else 15} "
            f"(best {f['cli_best'] * 1000:.0f} ms), compiled-catalog cache filled; "
            f"the same Python doing nothing: median {bare:.0f} ms (best "
            f"{f['bare_best'] * 1000:.0f}); importing jsonschema_rs alone: median "
            f"{f['rs_median'] * 1000:.0f} ms. CPU time (user+system, without waiting for a "
            f"core): ratecard {f['cli_cpu_median'] * 1000:.0f} ms, bare "
            f"{f['bare_cpu_median'] * 1000:.0f} ms, jsonschema_rs "
            f"{f['rs_cpu_median'] * 1000:.0f} ms (medians)",
        },
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--runs", type=int, default=15, help="cold-start runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    f = measure(args.seconds, args.runs)
    figures = {
        "request_bytes": f["request_bytes"],
        "ours_per_s": round(f["ours"]),
        "jsonschema_per_s": round(f["jsonschema"]),
        "ratio": round(f["ours"] / f["jsonschema"], 1),
        "cold_start_ms": round(f["cli_median"] * 1000, 1),
        "cold_start_best_ms": round(f["cli_best"] * 1000, 1),
        "bare_python_ms": round(f["bare_median"] * 1000, 1),
        "import_jsonschema_rs_ms": round(f["rs_median"] * 1000, 1),
        "cold_start_cpu_ms": round(f["cli_cpu_median"] * 1000, 1),
        "bare_python_cpu_ms": round(f["bare_cpu_median"] * 1000, 1),
    }
    if args.json:
        print(json.dumps({"validate": figures}))
    else:
        print(f"request: {figures['request_bytes']} bytes (chat.completions, qwen3-5-4b)")
        print(f"ratecard validate_request: {figures['ours_per_s']:,} validations/s")
        base = figures["jsonschema_per_s"]
        print(f"jsonschema Draft202012Validator (built once): {base:,} validations/s")
        print(f"ratio: {figures['ratio']}x (target >= 30x, >= 100,000/s)")
        print(
            f"per CPU second: ours {f['ours_cpu']:,.0f}/s, jsonschema {f['jsonschema_cpu']:,.0f}/s"
        )
        print(
            f"ratecard validate cold start: median {figures['cold_start_ms']} ms, best "
            f"{figures['cold_start_best_ms']} ms (target <= 150 ms); bare python "
            f"{figures['bare_python_ms']} ms; python + import jsonschema_rs "
            f"{figures['import_jsonschema_rs_ms']} ms"
        )
        print(
            f"CPU time (user+system) medians: ratecard validate {figures['cold_start_cpu_ms']} "
            f"ms, bare python {figures['bare_python_cpu_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
