"""Benchmark: request validations per second, ours vs jsonschema's Draft202012Validator
built once (same schema, same request, same run), and the cold start of `ratecard validate`.

Not collected by pytest (no test_ prefix). Run: .venv/bin/python tests/bench/bench_validate.py
Prints one line per figure and, with --json, a JSON object for `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
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


def rate(fn: Any, body: Any, seconds: float) -> float:
    n, best = 0, 0.0
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        count = 0
        while True:
            for _ in range(200):
                fn(body)
            count += 200
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 3:
                break
        runs.append(count / elapsed)
        n += count
    best = max(runs)
    return best


def cold_start(data: Path, runs: int = 7) -> float:
    ratecard = Path(sys.executable).with_name("ratecard")
    with tempfile.TemporaryDirectory() as tmp:
        request = Path(tmp) / "request.json"
        request.write_text(
            json.dumps({"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hi"}]})
        )
        env = {**os.environ, "RATECARD_CACHE": str(Path(tmp) / "cache")}
        cmd = [str(ratecard), "--data", str(data), "validate", str(request)]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # fills the cache
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import jsonschema

    from catalog import RequestValidator, load_catalog
    from catalog.request_schemas import compile_requests

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

    ours = rate(validator.validate, body, args.seconds)
    theirs = rate(baseline.is_valid, body, args.seconds)
    cold = cold_start(data)
    figures = {
        "request_bytes": size,
        "ours_per_s": round(ours),
        "jsonschema_per_s": round(theirs),
        "ratio": round(ours / theirs, 1),
        "cold_start_ms": round(cold * 1000, 1),
    }
    if args.json:
        print(json.dumps({"validate": figures}))
    else:
        print(f"request: {size} bytes (chat.completions, qwen3-5-4b)")
        print(f"ratecard validate_request: {figures['ours_per_s']:,} validations/s")
        base = figures["jsonschema_per_s"]
        print(f"jsonschema Draft202012Validator (built once): {base:,} validations/s")
        print(f"ratio: {figures['ratio']}x (target >= 30x, >= 100,000/s)")
        print(f"ratecard validate cold start: {figures['cold_start_ms']} ms (target <= 150 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
