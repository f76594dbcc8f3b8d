"""Benchmark: price 100,000 deterministic usage records with full line items.

Run: ``.venv/bin/python tests/bench/bench_price.py [N]`` (not collected by pytest).

Prints records per second for
- ``billing.price`` on parsed records (full charges: every line item, tier, notes, total),
- ``genai_prices.calc_price`` on the same token counts, measured in the same run
  (``pip install genai-prices`` into the bench environment; skipped if absent),
- a bare Decimal loop: the exact amounts of the same records, nothing else,
- and, for reference, JSON text to charge (parse + price) end to end,
with the ratios. Targets: >= 300,000 records/s, >= 35x genai-prices, within 3x of the bare
loop.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from billing import parse_json_line, parse_record, price  # noqa: E402
from billing.rating import EXACT, bundled_catalog  # noqa: E402

M = 1_048_576


def make_records(n: int, seed: int = 20261120) -> list[dict[str, object]]:
    rng = random.Random(seed)
    models = ["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1"]
    records: list[dict[str, object]] = []
    for i in range(n):
        model = models[i % 3]
        prompt = rng.randrange(1, 200_000 if model == "qwen3-5-flash:variant1" else 60_000)
        completion = rng.randrange(1, 8_000)
        usage: dict[str, object] = {"prompt_tokens": prompt, "completion_tokens": completion}
        if rng.random() < 0.3:
            usage["prompt_tokens_details"] = {"cached_tokens": rng.randrange(0, prompt + 1)}
        if rng.random() < 0.3:
            usage["completion_tokens_details"] = {
                "reasoning_tokens": rng.randrange(0, completion + 1)
            }
        if model == "qwen3-5-flash" and rng.random() < 0.1:
            usage["tool_usage"] = {"web_search": rng.randrange(1, 4), "code_interpreter": 1}
        records.append({"id": f"evt-{i:06d}", "model": model, "usage": usage})
    return records


def best_of(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Best time of each function over ``repeat`` interleaved rounds (so a noisy neighbour
    slows them alike and the ratios hold)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def show(label: str, n: int, seconds: float) -> float:
    per_second = n / seconds
    print(f"{label:<44} {per_second:>12,.0f} records/s")
    return per_second


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    raw = make_records(n)
    texts = [json.dumps(r) for r in raw]
    records = [parse_record(r, i + 1) for i, r in enumerate(raw)]
    catalog = bundled_catalog()
    price(records[0], catalog)  # build the rating tables once

    def ratecard() -> None:
        for record in records:
            price(record, catalog)

    # The bare loop: the same exact amounts, per token kind, summed; no lines, no lookups.
    plans = {r.model: catalog.resolve(r.model).pricing[-1] for r in records[:3]}
    scaled = {
        model: [
            {k: EXACT.scaleb(t.prices[k].rate.price or Decimal(0), -6) for k in t.prices}
            for t in plan.tiers
        ]
        for model, plan in plans.items()
    }
    bounds = {
        model: [t.upper if t.upper is not None else 1 << 62 for t in plan.tiers]
        for model, plan in plans.items()
    }
    mul, add = EXACT.multiply, EXACT.add

    def bare() -> None:
        for r in records:
            u = r.usage
            prompt = u.input + u.cache_read + u.cache_write
            tier = 0
            for tier, upper in enumerate(bounds[r.model]):  # noqa: B007
                if prompt <= upper:
                    break
            s = scaled[r.model][tier]
            total = add(mul(s["input"], u.input), mul(s["cache_read"], u.cache_read))
            total = add(total, mul(s["output"], u.output))
            total = add(total, mul(s["reasoning"], u.reasoning))

    def end_to_end() -> None:
        for i, text in enumerate(texts):
            price(parse_json_line(text, i + 1), catalog)

    print(f"pricing {n:,} records (Python {sys.version.split()[0]})")
    ours_s, bare_s = best_of([ratecard, bare], repeat=7)
    ours = show("ratecard price (full line items)", n, ours_s)
    bare_rate = show("bare Decimal loop (amounts only)", n, bare_s)
    show("ratecard parse JSON + price (end to end)", n, best_of([end_to_end], 1)[0])
    try:
        from genai_prices import Usage, calc_price
    except ImportError:
        print("genai-prices is not installed: pip install genai-prices (bench only)")
        theirs = None
    else:
        usages = [
            Usage(
                input_tokens=r.usage.prompt_tokens,
                cache_read_tokens=r.usage.cache_read,
                output_tokens=r.usage.completion_tokens,
            )
            for r in records
        ]
        sample = usages[: max(1, n // 10)]  # it is slow; a tenth of the records is plenty

        def genai() -> None:
            for usage in sample:
                calc_price(usage, "qwen/qwen-plus", provider_id="openrouter")

        ours_s, theirs_s = best_of([ratecard, genai], repeat=2)
        ours = max(ours, n / ours_s)
        theirs = show("genai-prices calc_price (qwen/qwen-plus)", len(sample), theirs_s)
    print()
    print(f"ratecard / bare loop:     {bare_rate / ours:.2f}x slower (target: within 3x)")
    if theirs:
        print(f"ratecard / genai-prices:  {ours / theirs:.1f}x faster (target: >= 35x)")
    print(f"target >= 300,000 records/s: {'met' if ours >= 300_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
