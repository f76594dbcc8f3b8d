"""Importers of LiteLLM, models.dev and OpenRouter, and the models.dev exporter: a
hand-written vector per format (expected per-1M prices worked out by hand from the
format's documented units), round trips, and lint-clean cards from a slice of the pinned
wheels' real data."""

from __future__ import annotations

import filecmp
import json
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import PricingError, price
from catalog import Catalog, lint_cards, load_catalog
from catalog.interop import ImportReport, fetch, source
from catalog.interop.litellm import load_litellm
from catalog.interop.litellm_export import export_litellm
from catalog.interop.litellm_import import card_id, import_litellm
from catalog.interop.models_dev import load_models_dev
from catalog.interop.models_dev_export import export_models_dev
from catalog.interop.models_dev_import import import_models_dev
from catalog.interop.openrouter_export import export_openrouter
from catalog.interop.openrouter_import import import_openrouter, load_openrouter
from catalog.interop.tree import write_tree
from catalog.model import Offering

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "sources"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "openrouter_models.json"
OPEN_TOP = None  # the open top tier: up_to: null

Cards = tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]


def _written(tmp: Path, cards: Cards) -> Catalog:
    write_tree(tmp, *cards)
    assert [str(p) for p in lint_cards(tmp)] == []
    return load_catalog(tmp)


def _prices(o: Offering) -> list[tuple[int | None, dict[str, str]]]:
    """Each tier's upper bound and its own rates (state or exact price) by kind."""
    plan = o.plan_at(None)
    assert plan is not None
    out = []
    for tier in plan.tiers:
        rates = {}
        for kind, tp in tier.prices.items():
            if tp.inherited_from is None:
                r = tp.rate
                rates[kind] = (
                    format(r.price.normalize(), "f") if r.price is not None else r.state.value
                )
        out.append((tier.upper, rates))
    return out


def _record(o: Offering, prompt: int, output: int) -> dict[str, Any]:
    return {
        "provider": o.provider,
        "model": o.id,
        "endpoint": "chat.completions",
        "usage": {"prompt_tokens": prompt, "completion_tokens": output},
    }


# ---------------------------------------------------------------- LiteLLM

# As LiteLLM's model_prices_and_context_window.json writes entries (prices per token,
# "_above_200k_tokens" = a prompt above 200,000 tokens, k = 1,000, exclusive).
LITELLM_TEXT = """{
 "gemini/gemini-test": {"litellm_provider": "gemini", "mode": "chat",
   "input_cost_per_token": 1.25e-06, "input_cost_per_token_above_200k_tokens": 2.5e-06,
   "output_cost_per_token": 1e-05, "output_cost_per_token_above_200k_tokens": 1.5e-05,
   "cache_read_input_token_cost": 3.125e-07, "output_cost_per_reasoning_token": 3.5e-06,
   "cache_creation_input_token_cost": 4.5e-06,
   "cache_creation_input_token_cost_above_1hr": 9e-06,
   "input_cost_per_token_batches": 6.25e-07,
   "search_context_cost_per_query": {"search_context_size_low": 0.035,
     "search_context_size_medium": 0.035, "search_context_size_high": 0.035},
   "max_input_tokens": 1048576, "max_output_tokens": 65535,
   "supports_function_calling": true, "supports_vision": true, "supports_audio_output": false,
   "supported_endpoints": ["/v1/chat/completions", "/v1/batch"],
   "source": "https://ai.google.dev/pricing"},
 "gpt-noise": {"litellm_provider": "openai", "mode": "chat",
   "input_cost_per_token": 1.8000000000000002e-07},
 "dall-e-x": {"litellm_provider": "openai", "mode": "image_generation",
   "output_cost_per_image": 0.04}
}"""


def test_litellm_hand_vector(tmp_path: Path) -> None:
    src = source("litellm")
    report = ImportReport("litellm")
    data = json.loads(LITELLM_TEXT, parse_float=Decimal)
    cat = _written(tmp_path, import_litellm(data, src, report))
    o = cat.offerings["gemini/gemini-test"]  # the "gemini/" prefix is the provider's
    # 1.25e-06 per token x 1,000,000 = 1.25 per 1M; 1e-05 → 10; 3.125e-07 → 0.3125;
    # 4.5e-06 → 4.5; 3.5e-06 → 3.5; the 1-hour write 9e-06 → 9; above 200k: 2.5e-06 → 2.5,
    # 1.5e-05 → 15 (cache read, cache writes and reasoning have no _above_ key: their base
    # price holds there too).
    assert _prices(o) == [
        (
            200_000,
            {
                "input": "1.25",
                "cache_read": "0.3125",
                "cache_write": "4.5",
                "output": "10",
                "reasoning": "3.5",
                "cache_write_1h": "9",
            },
        ),
        (
            OPEN_TOP,
            {
                "input": "2.5",
                "cache_read": "0.3125",
                "cache_write": "4.5",
                "output": "15",
                "reasoning": "3.5",
                "cache_write_1h": "9",
            },
        ),
    ]
    assert o.context_window == 1_048_576 and o.max_output_tokens == 65_535
    assert set(o.features) == {"function_calling", "vision"}  # false flags are not features
    assert o.endpoints == ("chat.completions",)
    plan = o.plan_at(None)
    assert plan is not None
    assert [(t.name, t.per_call.price) for t in plan.tools] == [("web_search", Decimal("0.035"))]
    # 200,000 prompt tokens stay in the lower tier; 200,001 are above 200k (exclusive):
    # 200,000 x 1.25 / 1M = 0.25, + 1,000 x 10 / 1M = 0.01 → 0.26
    # 200,001 x 2.5 / 1M = 0.5000025, + 1,000 x 15 / 1M = 0.015 → 0.5150025
    assert price(_record(o, 200_000, 1000), cat).total == Decimal("0.26")
    assert price(_record(o, 200_001, 1000), cat).total == Decimal("0.5150025")
    noisy = cat.offerings["openai/gpt-noise"]
    # 1.8000000000000002e-07 x 1M = 0.18000000000000002: float noise, rounded to 0.18;
    # LiteLLM gives no output price: unpublished, and pricing refuses
    assert _prices(noisy) == [(None, {"input": "0.18", "output": "unpublished"})]
    with pytest.raises(PricingError):
        price(_record(noisy, 10, 10), cat)
    # "input_cost_per_token_batches": 6.25e-07 → the batch context at $0.625 input per 1M;
    # LiteLLM takes every other key from the standard prices. 1,000 prompt + 1,000 output,
    # batch: 1,000 x 0.625 / 1M + 1,000 x 10 / 1M = 0.000625 + 0.01 = 0.010625.
    assert sorted(o.contexts) == ["batch"]
    assert price({**_record(o, 1000, 1000), "batch": True}, cat).total == Decimal("0.010625")
    got = {(e.model, e.key, e.reason.split(":")[0]) for e in report.entries}
    assert not any(k.endswith("_batches") for _, k, _ in got)
    assert (
        "gemini-test",
        "supported_endpoints",
        "not an endpoint ratecard reads records from",
    ) in got
    assert ("gpt-noise", "input_cost_per_token", "float noise") in got
    assert (
        "dall-e-x",
        "mode",
        "not a mode ratecard prices (token-priced chat, responses, completion)",
    ) in got
    assert card_id("openrouter/openai/gpt-4o", "openrouter") == "openai/gpt-4o"
    assert card_id("gpt-4o", "openai") == "gpt-4o"


# LiteLLM's tiered_pricing as the pinned wheel's data writes it (dashscope/qwen3-max and its
# kin: per-token prices, "range": [start, end] as floats) and as its calculator reads it
# (litellm_core_utils/llm_cost_calc/tiered_pricing.py, select_tier_for_input: a tier
# matches when start < input tokens <= end, "matching the official 0 < Token <= 32K
# phrasing"; a request above the highest range falls back to the last tier; utils.py
# _get_tiered_base_costs: a missing cache price is the tier's input price, a missing output
# price the entry's own).
LITELLM_TIERED = """{
 "dashscope/qwen-tiered": {"litellm_provider": "dashscope", "mode": "chat",
   "max_input_tokens": 258048, "max_output_tokens": 65536,
   "tiered_pricing": [
    {"input_cost_per_token": 1.2e-06, "output_cost_per_token": 6e-06,
     "cache_read_input_token_cost": 2.4e-07, "range": [0, 32000.0]},
    {"input_cost_per_token": 2.4e-06, "output_cost_per_token": 1.2e-05,
     "output_cost_per_reasoning_token": 2.4e-05, "range": [32000.0, 128000.0]},
    {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
     "range": [128000.0, 252000.0]}]},
 "opencode_go/flat-and-tiered": {"litellm_provider": "opencode_go", "mode": "responses",
   "input_cost_per_token": 2e-06, "output_cost_per_token": 6e-06,
   "input_cost_per_token_above_200k_tokens": 9e-06,
   "tiered_pricing": [
    {"range": [0, 200000], "input_cost_per_token": 2e-06, "output_cost_per_token": 6e-06},
    {"range": [200000, 500000], "input_cost_per_token": 4e-06}]},
 "dashscope/qwen-gap": {"litellm_provider": "dashscope", "mode": "chat",
   "tiered_pricing": [
    {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "range": [0, 1000]},
    {"input_cost_per_token": 3e-06, "output_cost_per_token": 4e-06, "range": [2000, 3000]}]}
}"""


def test_litellm_tiered_pricing_hand_vector(tmp_path: Path) -> None:
    report = ImportReport("litellm")
    data = json.loads(LITELLM_TIERED, parse_float=Decimal)
    cat = _written(tmp_path, import_litellm(data, source("litellm"), report))
    o = cat.offerings["dashscope/qwen-tiered"]
    # per token x 1,000,000: 1.2e-06 → 1.2, 6e-06 → 6, 2.4e-07 → 0.24; 2.4e-06 → 2.4,
    # 1.2e-05 → 12, 2.4e-05 → 24; 3e-06 → 3, 1.5e-05 → 15. Range ends 32,000 and 128,000
    # are the inclusive upper bounds; the last range (to 252,000) is open: LiteLLM prices a
    # longer prompt at the last tier.
    assert _prices(o) == [
        (32_000, {"input": "1.2", "cache_read": "0.24", "output": "6"}),
        (128_000, {"input": "2.4", "output": "12", "reasoning": "24"}),
        (OPEN_TOP, {"input": "3", "output": "15"}),
    ]
    # 32,000 prompt tokens: 0 < 32,000 <= 32,000, the first tier:
    # 32,000 x 1.2 / 1M = 0.0384, + 1,000 output x 6 / 1M = 0.006 → 0.0444
    assert price(_record(o, 32_000, 1000), cat).total == Decimal("0.0444")
    # 32,001: the second tier, whole request: 32,001 x 2.4 / 1M = 0.0768024, + 1,000 x 12 /
    # 1M = 0.012 → 0.0888024
    assert price(_record(o, 32_001, 1000), cat).total == Decimal("0.0888024")
    # 252,001 (beyond the last range's 252,000): the last tier, as LiteLLM falls back to it:
    # 252,001 x 3 / 1M = 0.756003, + 1,000 x 15 / 1M = 0.015 → 0.771003
    assert price(_record(o, 252_001, 1000), cat).total == Decimal("0.771003")
    # the second tier has no cache price: cached tokens at that tier's input price, as
    # LiteLLM's tier_rate(tier, "cache_read_input_token_cost", "input_cost_per_token"):
    # 40,000 prompt (10,000 cached) x 2.4 / 1M = 0.096
    cached = _record(o, 40_000, 0)
    cached["usage"]["prompt_tokens_details"] = {"cached_tokens": 10_000}
    assert price(cached, cat).total == Decimal("0.096")
    assert any("tiered_pricing" in n and "252,000" in n for n in o.notes)
    both = cat.offerings["opencode_go/flat-and-tiered"]
    # the second tier gives no output price: the entry's own, 6e-06 → 6; tiered_pricing
    # replaces the _above_200k key (reported)
    assert _prices(both) == [
        (200_000, {"input": "2", "output": "6"}),
        (OPEN_TOP, {"input": "4", "output": "6"}),
    ]
    # ranges with a gap (1,000 to 2,000): LiteLLM prices a count in it at the last tier, which
    # tiers cannot say: not read, so input and output are unpublished (refused, not free)
    gap = cat.offerings["dashscope/qwen-gap"]
    assert _prices(gap) == [(None, {"input": "unpublished", "output": "unpublished"})]
    got = {(e.model, e.key): e.reason for e in report.entries}
    # no flat prices: LiteLLM charges a request with no prompt tokens 0; the card does not
    assert "no prompt tokens" in got[("qwen-tiered", "tiered_pricing")]
    assert ("flat-and-tiered", "tiered_pricing") not in got  # flat = the first tier
    assert (
        "replaced by tiered_pricing"
        in got[("flat-and-tiered", "input_cost_per_token_above_200k_tokens")]
    )
    assert "cannot write as tiers" in got[("qwen-gap", "tiered_pricing")]


@pytest.fixture(scope="module")
def litellm_data() -> dict[str, Any]:
    src = source("litellm")
    return load_litellm(src, fetch(src, CACHE))


def test_litellm_real_slice_lints_and_round_trips(
    litellm_data: dict[str, Any], tmp_path: Path
) -> None:
    src = source("litellm")
    keys = sorted(litellm_data)[::25]  # ~200 of LiteLLM's entries, every mode
    sample = {k: litellm_data[k] for k in keys}
    cards = import_litellm(sample, src, ImportReport("litellm"))
    assert len(cards[1]) > 100
    cat = _written(tmp_path / "a", cards)
    # deterministic: a second import writes byte-identical files
    write_tree(tmp_path / "b", *import_litellm(sample, src, ImportReport("litellm")))
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    assert all(filecmp.cmp(tmp_path / "a" / f, tmp_path / "b" / f, shallow=False) for f in files)
    # import → export (LiteLLM) → import gives the same prices wherever LiteLLM holds them
    exported = json.loads(export_litellm(cat, ImportReport("x")), parse_float=Decimal)
    again = import_litellm(exported, src, ImportReport("litellm"))
    assert exported, "some offerings export"
    for key in exported:
        pid, _, oid = key.partition("/")
        card = cards[1][(pid, oid)]
        assert again[1][(pid, oid)]["pricing"] == card["pricing"], key
        assert again[1][(pid, oid)].get("limits") == card.get("limits"), key


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_litellm_round_trip_over_real_entries(
    litellm_data: dict[str, Any], data: st.DataObject
) -> None:
    """Any real LiteLLM entry: import → export (LiteLLM) → import gives the same prices and
    limits, or the export leaves it out (reported) because LiteLLM would read it as free."""
    src = source("litellm")
    key = data.draw(st.sampled_from(sorted(litellm_data)))
    cards = import_litellm({key: litellm_data[key]}, src, ImportReport("litellm"))
    if not cards[1]:
        return  # not imported (another mode, no provider): reported, tested above
    (pid, oid), card = next(iter(cards[1].items()))
    with tempfile.TemporaryDirectory() as tmp:
        cat = _written(Path(tmp), cards)
    report = ImportReport("x")
    exported = json.loads(export_litellm(cat, report), parse_float=Decimal)
    if not exported:
        assert [e for e in report.entries if e.reason.startswith("left out")]
        return
    again = import_litellm(exported, src, ImportReport("litellm"))
    assert again[1][(pid, oid)]["pricing"] == card["pricing"], key
    assert again[1][(pid, oid)].get("limits") == card.get("limits"), key


# ---------------------------------------------------------------- OpenRouter


def test_openrouter_hand_vector(tmp_path: Path) -> None:
    report = ImportReport("openrouter")
    cards = import_openrouter(load_openrouter(FIXTURE), FIXTURE, "openrouter", report)
    cat = _written(tmp_path, cards)
    gpt = cat.offerings["openrouter/openai/gpt-4o"]
    # "0.0000025" per token x 1M = 2.5 per 1M; "0.00001" → 10; "0.00000125" → 1.25;
    # internal_reasoning "0" is no rate of its own (billed as completion), not free
    assert _prices(gpt) == [(None, {"input": "2.5", "cache_read": "1.25", "output": "10"})]
    plan = gpt.plan_at(None)
    assert plan is not None
    assert [(t.name, t.per_call.price) for t in plan.tools] == [("web_search", Decimal("0.01"))]
    assert (gpt.context_window, gpt.max_output_tokens) == (128_000, 16_384)
    assert set(gpt.features) == {"function_calling", "structured_output"}
    # "0.000003" → 3; "0.000015" → 15; "0.0000003" → 0.3; "0.00000375" → 3.75
    sonnet = cat.offerings["openrouter/anthropic/claude-sonnet-4.5"]
    assert _prices(sonnet) == [
        (None, {"input": "3", "cache_read": "0.3", "cache_write": "3.75", "output": "15"})
    ]
    # "0" is published free; "-1" (a router's variable price) is not
    assert _prices(cat.offerings["openrouter/deepseek/deepseek-r1:free"]) == [
        (None, {"input": "0", "output": "0"})
    ]
    assert _prices(cat.offerings["openrouter/openrouter/auto"]) == [
        (None, {"input": "unpublished", "output": "unpublished"})
    ]
    # perplexity/sonar: "0.000001" → $1 per 1M input and output, "request": "0.005" a fee on
    # every request, "web_search": "0.005" per call. 1,000 prompt + 500 completion:
    # 1,000 x 1 / 1M + 500 x 1 / 1M = 0.0015, + 0.005 for the request = 0.0065.
    sonar = cat.offerings["openrouter/perplexity/sonar"]
    assert _prices(sonar) == [(None, {"input": "1", "output": "1"})]
    assert price(_record(sonar, 1000, 500), cat).total == Decimal("0.0065")
    got = {(e.model, e.key) for e in report.entries}
    assert ("perplexity/sonar", "pricing.request") not in got
    assert ("openai/gpt-4o", "pricing.image") in got
    assert ("openai/gpt-4o", "architecture.input_modalities") in got  # "file"
    # 1,000 prompt + 500 completion on gpt-4o: 1,000 x 2.5 / 1M + 500 x 10 / 1M = 0.0075
    assert price(_record(gpt, 1000, 500), cat).total == Decimal("0.0075")
    # round trip: import → export (OpenRouter) → import, same prices for what it holds
    doc = json.loads(export_openrouter(cat, ImportReport("x")), parse_float=Decimal)
    (tmp_path / "again.json").write_text(json.dumps(doc, default=str), encoding="utf-8")
    again = import_openrouter(doc, tmp_path / "again.json", "openrouter", ImportReport("x"))
    assert {m["id"] for m in doc["data"]} == {
        "openrouter/openai/gpt-4o",
        "openrouter/anthropic/claude-sonnet-4.5",
        "openrouter/deepseek/deepseek-r1:free",
        "openrouter/perplexity/sonar",  # its request fee is OpenRouter's "request" again
    }
    for m in doc["data"]:
        oid = m["id"].removeprefix("openrouter/")
        assert (
            again[1][("openrouter", "openrouter/" + oid)]["pricing"]
            == (cards[1][("openrouter", oid)]["pricing"])
        )


# ---------------------------------------------------------------- models.dev

# As models.dev's api.json writes a model (cost in USD per 1M tokens; a "context" tier
# prices a prompt over its size).
MODELS_DEV = {
    "acme": {
        "id": "acme",
        "name": "Acme AI",
        "npm": "@ai-sdk/openai-compatible",
        "doc": "https://acme.example/docs",
        "models": {
            "acme-large": {
                "id": "acme-large",
                "name": "Acme Large",
                "family": "acme",
                "release_date": "2025-09-29",
                "last_updated": "2025-09-29",
                "attachment": True,
                "reasoning": True,
                "tool_call": True,
                "open_weights": False,
                "cost": {
                    "input": "3",
                    "output": "15",
                    "cache_read": "0.3",
                    "cache_write": "3.75",
                    "tiers": [
                        {
                            "input": "6",
                            "output": "22.5",
                            "tier": {"type": "context", "size": 200000},
                        }
                    ],
                },
                "limit": {"context": 1000000, "output": 64000},
                "modalities": {"input": ["text", "image", "pdf"], "output": ["text"]},
            },
            "acme-nocost": {
                "id": "acme-nocost",
                "name": "Acme No Cost Given",
                "limit": {"context": 8192, "output": 4096},
                "modalities": {"input": ["text"], "output": ["text"]},
            },
        },
    }
}


def _tree_to_api(root: Path) -> dict[str, Any]:
    """A models.dev TOML tree read back with tomllib (numbers as exact Decimals) into the
    api.json shape the importer reads."""
    data: dict[str, Any] = {}
    for prov in sorted((root / "providers").iterdir()):
        p = tomllib.loads((prov / "provider.toml").read_text(encoding="utf-8"))
        models = {}
        for f in sorted((prov / "models").rglob("*.toml")):
            mid = str(f.relative_to(prov / "models"))[: -len(".toml")]
            m = tomllib.loads(f.read_text(encoding="utf-8"), parse_float=str)
            models[mid] = {"id": mid, **m}
        data[prov.name] = {"id": prov.name, **p, "models": models}
    return data


def test_models_dev_hand_vector_and_round_trip(tmp_path: Path) -> None:
    src = source("models.dev")
    report = ImportReport("models.dev")
    cards = import_models_dev(MODELS_DEV, src, report)
    cat = _written(tmp_path / "cards", cards)
    o = cat.offerings["acme/acme-large"]
    # per 1M already: 3 / 15 / 0.3 / 3.75; over 200,000: 6 / 22.5, cache rates unchanged
    assert _prices(o) == [
        (200_000, {"input": "3", "cache_read": "0.3", "cache_write": "3.75", "output": "15"}),
        (OPEN_TOP, {"input": "6", "cache_read": "0.3", "cache_write": "3.75", "output": "22.5"}),
    ]
    assert (o.context_window, o.max_output_tokens) == (1_000_000, 64_000)
    assert set(o.features) == {"attachments", "function_calling", "reasoning"}
    assert _prices(cat.offerings["acme/acme-nocost"]) == [
        (None, {"input": "unpublished", "output": "unpublished"})
    ]
    assert ("acme-large", "modalities.input", "pdf") in {
        (e.model, e.key, e.value) for e in report.entries
    }
    # 200,001 prompt + 1,000 output: 200,001 x 6 / 1M = 1.200006, + 1,000 x 22.5 / 1M =
    # 0.0225 → 1.222506
    assert price(_record(o, 200_001, 1000), cat).total == Decimal("1.222506")
    # export → read back with tomllib → import: the same prices, limits and modalities
    out = tmp_path / "tree"
    xreport = ImportReport("x")
    export_models_dev(cat, out, xreport)
    toml = tomllib.loads(
        (out / "providers/acme/models/acme-large.toml").read_text(encoding="utf-8"),
        parse_float=Decimal,
    )
    assert toml["cost"]["input"] == 3 and toml["cost"]["cache_read"] == Decimal("0.3")
    assert toml["cost"]["tiers"][0]["tier"] == {"type": "context", "size": 200_000}
    assert toml["limit"] == {"context": 1_000_000, "output": 64_000}
    # unpublished never exported as free: the model is left out, and reported
    assert not (out / "providers/acme/models/acme-nocost.toml").exists()
    assert ("acme-nocost", "(offering)") in {(e.model, e.key) for e in xreport.entries}
    again = import_models_dev(_tree_to_api(out), src, ImportReport("x"))
    for key in ("pricing", "limits", "modalities", "features"):
        assert again[1][("acme", "acme-large")][key] == cards[1][("acme", "acme-large")][key]


# models.dev's api.json as the pinned wheel writes an omni model (alibaba/qwen-omni-turbo):
# every cost per 1M tokens, cost.input_audio / cost.output_audio for audio tokens (also in a
# context tier, as aihubmix/doubao-seed-2-0-lite-260428 writes it).
MODELS_DEV_AUDIO = {
    "acme": {
        "id": "acme",
        "name": "Acme",
        "models": {
            "acme-omni": {
                "id": "acme-omni",
                "name": "Acme Omni",
                "cost": {
                    "input": "0.07",
                    "input_audio": "4.44",
                    "output": "0.27",
                    "output_audio": "8.89",
                    "tiers": [
                        {
                            "input": "0.13",
                            "input_audio": "1.902",
                            "output": "0.76",
                            "tier": {"type": "context", "size": 32000},
                        }
                    ],
                },
                "limit": {"context": 1_000_000, "output": 8192},
                "modalities": {"input": ["text", "audio"], "output": ["text", "audio"]},
            }
        },
    }
}


def test_models_dev_audio_prices_hand_vector(tmp_path: Path) -> None:
    report = ImportReport("models.dev")
    cards = import_models_dev(MODELS_DEV_AUDIO, source("models.dev"), report)
    cat = _written(tmp_path / "cards", cards)
    o = cat.offerings["acme/acme-omni"]
    # per 1M already; over 32,000 prompt tokens the tier's own prices, output_audio (no
    # tier price) the base 8.89
    assert _prices(o) == [
        (
            32_000,
            {"input": "0.07", "output": "0.27", "input_audio": "4.44", "output_audio": "8.89"},
        ),
        (
            OPEN_TOP,
            {"input": "0.13", "output": "0.76", "input_audio": "1.902", "output_audio": "8.89"},
        ),
    ]
    assert not [e for e in report.entries if "audio" in e.key]  # read, not reported
    record = _record(o, 10_000, 2_000)
    record["usage"]["prompt_tokens_details"] = {"audio_tokens": 4_000}
    record["usage"]["completion_tokens_details"] = {"audio_tokens": 500}
    # 6,000 text x 0.07 = 420, 4,000 audio x 4.44 = 17,760, 1,500 text out x 0.27 = 405,
    # 500 audio out x 8.89 = 4,445: 23,030 / 1M = 0.02303
    assert price(record, cat).total == Decimal("0.02303")
    # the models.dev export writes them back under the same keys
    out = tmp_path / "tree"
    export_models_dev(cat, out, ImportReport("x"))
    toml = tomllib.loads(
        (out / "providers/acme/models/acme-omni.toml").read_text(encoding="utf-8"),
        parse_float=Decimal,
    )
    assert toml["cost"]["input_audio"] == Decimal("4.44")
    assert toml["cost"]["output_audio"] == Decimal("8.89")
    assert toml["cost"]["tiers"][0]["input_audio"] == Decimal("1.902")


def test_models_dev_real_slice_lints_and_round_trips(tmp_path: Path) -> None:
    src = source("models.dev")
    data = load_models_dev(src, fetch(src, CACHE))
    sample = {p: data[p] for p in ("anthropic", "openai", "google", "deepseek", "openrouter")}
    cards = import_models_dev(sample, src, ImportReport("models.dev"))
    assert len(cards[1]) > 200
    cat = _written(tmp_path / "cards", cards)
    out = tmp_path / "tree"
    export_models_dev(cat, out, ImportReport("x"))
    again = import_models_dev(_tree_to_api(out), src, ImportReport("x"))
    assert len(again[1]) > 200
    for key, card in again[1].items():
        assert card["pricing"] == cards[1][key]["pricing"], key
        assert card.get("limits") == cards[1][key].get("limits"), key


# ---------------------------------------------------------------- the CLI


def test_cli_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # here: the CLI is ratecard's; the rest of this file tests catalog.interop alone
    from ratecard.cli import main

    out = tmp_path / "cards"
    code = main(
        [
            "catalog",
            "import",
            "openrouter",
            "--from",
            str(FIXTURE),
            "--out",
            str(out),
            "--report",
            str(tmp_path / "report.json"),
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    # 4 report lines: gpt-4o's image price and "file" modality, auto's variable prompt and
    # completion prices (sonar's request fee is a card field since issue 10)
    assert (summary["providers"], summary["offerings"], summary["report_lines"]) == (1, 5, 4)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {"provider", "model", "key", "value", "reason"} == set(report[0])
    assert main(["--data", str(out), "catalog", "lint"]) == 0
    capsys.readouterr()
    tree = tmp_path / "md"
    code = main(
        ["--data", str(out), "catalog", "export", "--format", "models.dev", "--out", str(tree)]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "openrouter/auto: (offering) : left out" in captured.err
    gpt = tomllib.loads(
        (tree / "providers/openrouter/models/openai/gpt-4o.toml").read_text(encoding="utf-8"),
        parse_float=Decimal,
    )
    # 2.5 per 1M input, 10 output, 1.25 cached (the fixture's per-token prices x 1M)
    assert gpt["cost"] == {"input": Decimal("2.5"), "output": 10, "cache_read": Decimal("1.25")}
    # OpenRouter without --from is a usage error, not a traceback
    assert main(["catalog", "import", "openrouter", "--out", str(out)]) != 0
    assert "--from FILE" in capsys.readouterr().err
