"""Write data/samples/usage-2026-11.jsonl: a deterministic month of usage for two customers.

    python data/samples/make_usage.py

It covers the seed offerings' features: qwen3-5-4b with cached input, qwen3-5-flash with
tool calls (web search, image search through an alias, free code interpreter),
qwen3-5-flash:variant1 across its three tiers and with the per-request web-search fee. A few
records cannot be priced (a Runware model with unpublished prices, an unknown model, a
prompt beyond the top tier) to show the rejects, and a few are sent twice (retries).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "usage-2026-11.jsonl"
CUSTOMERS = ("acme", "globex")


def record(rng: random.Random, n: int, customer: str, day: int) -> dict[str, object]:
    stamp = f"2026-11-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    kind = rng.choices(["4b", "flash", "variant1"], weights=[4, 4, 3])[0]
    base: dict[str, object] = {
        "id": f"{customer}-{n:05d}",
        "customer": customer,
        "timestamp": stamp,
    }
    if kind == "4b":
        prompt = rng.randrange(200, 60_000)
        cached = rng.choice([0, 0, prompt // 2, prompt - 100])
        completion = rng.randrange(20, 4_000)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "prompt_tokens_details": {"cached_tokens": max(cached, 0)},
            "completion_tokens_details": {"reasoning_tokens": rng.randrange(0, completion // 2)},
        }
        return {**base, "model": "qwen3-5-4b", "endpoint": "chat.completions", "usage": usage}
    if kind == "flash":
        usage = {
            "prompt_tokens": rng.randrange(100, 200_000),
            "completion_tokens": rng.randrange(10, 6_000),
        }
        tools = {}
        if rng.random() < 0.4:
            tools["web_search"] = rng.randrange(1, 5)
        if rng.random() < 0.15:
            tools[rng.choice(["image_search", "web_search_image"])] = rng.randrange(1, 3)
        if rng.random() < 0.2:
            tools["code_interpreter"] = 1
        if tools:
            usage["tool_usage"] = tools
        return {**base, "model": "qwen3-5-flash", "endpoint": "chat.completions", "usage": usage}
    prompt = rng.choice(
        [
            rng.randrange(500, 131_072),
            rng.randrange(131_073, 262_144),
            rng.randrange(262_145, 1_000_000),
        ]
    )
    out: dict[str, object] = {
        **base,
        "model": "qwen3-5-flash:variant1",
        "endpoint": "responses",
        "usage": {"input_tokens": prompt, "output_tokens": rng.randrange(50, 8_000)},
    }
    if rng.random() < 0.3:
        out["request"] = {"tool_web_search": True}
    return out


def main() -> None:
    rng = random.Random(20261101)
    lines: list[str] = []
    for customer in CUSTOMERS:
        for day in range(1, 31):
            for _ in range(rng.randrange(8, 14)):
                lines.append(json.dumps(record(rng, len(lines) + 1, customer, day)))
    # unpriceable records: they are stored and reported, never charged 0
    lines.append(
        json.dumps(
            {
                "id": "acme-runware-1",
                "customer": "acme",
                "model": "alibaba:qwen@3.5-397b",
                "timestamp": "2026-11-12T09:30:00Z",
                "endpoint": "runware.task",
                "usage": {"prompt_tokens": 900, "completion_tokens": 300},
            }
        )
    )
    lines.append(
        json.dumps(
            {
                "id": "globex-unknown-1",
                "customer": "globex",
                "model": "qwen9-ultra",
                "timestamp": "2026-11-13T11:00:00Z",
                "usage": {"prompt_tokens": 10, "completion_tokens": 5},
            }
        )
    )
    lines.append(
        json.dumps(
            {
                "id": "acme-too-long-1",
                "customer": "acme",
                "model": "qwen3-5-flash:variant1",
                "timestamp": "2026-11-14T08:00:00Z",
                "endpoint": "responses",
                "usage": {"input_tokens": 1_100_000, "output_tokens": 100},
            }
        )
    )
    # retries: the same record sent again is a duplicate, not a second charge
    lines.extend(lines[i] for i in (3, 40, 41))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} records to {OUT}")


if __name__ == "__main__":
    main()
