"""LiteLLM's model_cost read by its conventions, and the seed cards cross-checked against it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.interop import fetch, source
from catalog.interop.crosscheck import crosscheck
from catalog.interop.facts import TierFacts
from catalog.interop.litellm import entry_facts, load_litellm

ROOT = Path(__file__).resolve().parents[2]


def test_a_documented_entry() -> None:
    # Written by hand in the shape LiteLLM documents for model_prices_and_context_window.json:
    # per-token prices; "_above_200k_tokens" prices a whole request above 200,000 prompt
    # tokens (k = 1,000, exclusive); search_context_cost_per_query per search call.
    entry = json.loads(
        """{"litellm_provider": "anthropic", "mode": "chat",
            "max_input_tokens": 1000000, "max_output_tokens": 64000,
            "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "search_context_cost_per_query": {"search_context_size_low": 0.01,
                "search_context_size_medium": 0.01, "search_context_size_high": 0.01},
            "supports_vision": true, "output_cost_per_image": 0.04}""",
        parse_float=Decimal,
    )
    facts, unread = entry_facts(entry)
    # 3e-06 per token × 10^6 = $3 per 1M; 2.25e-05 × 10^6 = $22.5.
    assert facts.tiers == (
        TierFacts(
            200_000, {"input": Decimal(3), "output": Decimal(15), "cache_read": Decimal("0.3")}
        ),
        TierFacts(
            None, {"input": Decimal(6), "output": Decimal("22.5"), "cache_read": Decimal("0.3")}
        ),
    )
    assert facts.context_window == 1_000_000 and facts.max_output_tokens == 64_000
    assert facts.fees == {"web_search": Decimal("0.01")}
    assert unread == {"output_cost_per_image": Decimal("0.04")}  # reported, never dropped


@pytest.fixture(scope="module")
def litellm_facts() -> dict[str, object]:
    src = source("litellm")
    data = load_litellm(src, fetch(src, ROOT / "build" / "sources"))
    return {k: entry_facts(v)[0] for k, v in data.items() if isinstance(v, dict)}


def test_seed_cards_against_litellm(litellm_facts: dict[str, object]) -> None:
    seeds = load_catalog(ROOT / "data")
    found, missing = crosscheck(seeds.offerings, {"litellm": litellm_facts})  # type: ignore[dict-item]
    got = {(d.offering, d.field): (d.ours, d.theirs) for d in found}
    # Seed 001 writes the tiers "<=128K" and "128K-256K"; issue 10 decided tier bounds are
    # decimal (128K = 128 × 1,000 = 128,000; 256K = 256,000), as LiteLLM's 128k is 128,000:
    # the bounds agree, so neither is a disagreement.
    assert ("empiriolabs/qwen3-5-flash:variant1", "tier 1.upper_bound") not in got
    assert ("empiriolabs/qwen3-5-flash:variant1", "tier 2.upper_bound") not in got
    # The 1M context is 1,000,000 on the card (issue 10); LiteLLM writes 995,904.
    assert got[("empiriolabs/qwen3-5-flash", "context_window")] == ("1,000,000", "995,904")
    # The variant's web search: $0.01 once per request on the card, per call in LiteLLM.
    assert got[("empiriolabs/qwen3-5-flash:variant1", "fee.web_search")] == (
        "0.01 per request",
        "0.01 per call",
    )
    # Prices agree: no price field differs for qwen3-5-flash ($0.09 / $0.368 per 1M).
    assert not [k for k in got if k[0] == "empiriolabs/qwen3-5-flash" and "mtok" in k[1]]
    assert missing["litellm"] == ["runware/alibaba:qwen@3.5-27b", "runware/alibaba:qwen@3.5-397b"]


def test_litellm_differential_runs_on_the_models_both_hold() -> None:
    from .differential_litellm import run

    src = source("litellm")
    data = load_litellm(src, fetch(src, ROOT / "build" / "sources"))
    counts, held = run(load_catalog(ROOT / "data" / "world"), data, 2000)
    assert held > 400  # LiteLLM 1.110.2 chat entries the world resolves (472)
    equal = sum(v for k, v in counts.items() if k.startswith("equal"))
    assert equal / 2000 > 0.75  # 79.8% of 100,000 (docs/interop.md)
    # price contexts are drawn: LiteLLM's _batches / _priority / _flex keys
    assert counts["equal (batch)"] and counts["equal (priority)"] and counts["equal (flex)"]


def test_xai_thresholds_are_inclusive() -> None:
    # LiteLLM 1.110.2 applies xAI's "_above_N" prices from N on (llm_cost_calc/utils.py:
    # _INCLUSIVE_THRESHOLD_PROVIDERS = {"xai"}, prompt_tokens >= threshold): a prompt of
    # exactly 128,000 tokens takes the higher price, so the lower tier ends at 127,999.
    entry = json.loads(
        """{"litellm_provider": "xai", "mode": "chat", "input_cost_per_token": 2e-06,
            "input_cost_per_token_above_128k_tokens": 4e-06, "output_cost_per_token": 1e-05}""",
        parse_float=Decimal,
    )
    facts, _ = entry_facts(entry)
    assert [t.upper for t in facts.tiers] == [127_999, None]
    # 2e-06 → $2 per 1M below; 4e-06 → $4 from 128,000 on
    assert facts.tiers[1].rates["input"] == Decimal(4)
    other, _ = entry_facts({**entry, "litellm_provider": "openai"})
    assert [t.upper for t in other.tiers] == [128_000, None]


def test_imported_litellm_entries_price_as_litellm_does() -> None:
    """LiteLLM's entries as ratecard imports them (every one with tiered_pricing, thresholds
    or contexts, and every 10th other) against LiteLLM's rule read from the raw entry."""
    from .differential_litellm import run_imported

    src = source("litellm")
    data = load_litellm(src, fetch(src, ROOT / "build" / "sources"))
    result = run_imported(data, 3000, every=10)
    assert result.counts["different: unexplained"] == 0, result.examples
    # the draw reaches what it is for: tiered_pricing entries, tier bounds, each context
    for feature in ("tiered_pricing", "at a bound", "cache reads"):
        assert result.drawn[feature] > 50, result.drawn
    for context in ("batch", "priority", "flex"):
        assert result.drawn[f"context {context}"] > 20, result.drawn
    assert result.counts["equal"] / 3000 > Decimal("0.98")
