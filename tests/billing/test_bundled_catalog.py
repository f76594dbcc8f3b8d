"""The library's default catalog: every bundled layer, the world included (issue 11: "prices
{"provider": "openai", "model": "gpt-4o", ...} out of the box"), as `ratecard price` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys
import billing
record = json.loads(sys.argv[1])
charge = billing.price(record)
print(json.dumps({"provider": charge.provider, "total": str(charge.total)}))
"""


def _price(record: dict[str, object], tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RATECARD_DATA"}
    env["RATECARD_CACHE"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(record)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, str] = json.loads(done.stdout)
    return answer


def test_default_catalog_prices_a_world_model(tmp_path: Path) -> None:
    # gpt-4o, published by OpenAI (and genai-prices): $2.50 input, $10 output per 1M tokens.
    # 1,000 × 2.5 + 100 × 10 = 3,500 µ$ = 0.0035
    got = _price(
        {
            "provider": "openai",
            "model": "gpt-4o",
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
        },
        tmp_path,
    )
    assert got["provider"] == "openai"
    assert got["total"].rstrip("0") == "0.0035"


def test_default_catalog_keeps_the_seed_cards_on_top(tmp_path: Path) -> None:
    # the seed qwen3-5-4b (data/, above the world): $0.04 input, $0.07 output per 1M
    # tokens (its model page); 1,000,000 × 0.04 + 1,000,000 × 0.07 = 0.11
    got = _price(
        {
            "model": "qwen3-5-4b",
            "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000},
        },
        tmp_path,
    )
    assert got["total"].rstrip("0") == "0.11"
