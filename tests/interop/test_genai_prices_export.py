"""The genai-prices YAML export: a hand-written expectation, and the round trip world →
genai-prices YAML → genai-prices' own loader → import → the same prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from catalog import Catalog, load_catalog
from catalog.cards.yamlsource import load_text
from catalog.interop import ImportReport, source
from catalog.interop.crosscheck import offering_facts
from catalog.interop.genai_prices import import_genai_prices
from catalog.interop.genai_prices_export import export_genai_prices
from catalog.interop.tree import write_tree

ROOT = Path(__file__).resolve().parents[2]


def test_seed_export(tmp_path: Path) -> None:
    report = ImportReport("genai-prices")
    (path,) = export_genai_prices(load_catalog(ROOT / "data"), tmp_path, report)
    doc = load_text(path.read_text(encoding="utf-8")).value
    models = {m["id"]: m for m in doc["models"]}
    # genai-prices' keys are per 1M tokens, like the cards; web search per 1,000 calls:
    # $0.015 per call × 1,000 = $15.
    assert models["qwen3-5-flash"]["prices"] == {
        "input_mtok": Decimal("0.090"),
        "output_mtok": Decimal("0.368"),
        "web_searches_kcount": Decimal(15),
    }
    assert models["qwen3-5-4b"]["match"] == {"equals": "qwen3-5-4b"}
    assert "qwen3-5-flash:variant1" not in models  # a per-request fee: left out, reported
    assert any(e.model == "qwen3-5-flash:variant1" for e in report.entries)


@pytest.fixture(scope="module")
def world() -> Catalog:
    return load_catalog(ROOT / "data" / "world")


def test_round_trip_through_genai_prices_own_loader(
    world: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from genai_prices.types import _providers_from_raw

    out = tmp_path_factory.mktemp("gp")
    report = ImportReport("genai-prices")
    files = export_genai_prices(world, out, report)
    raw = [load_text(p.read_text(encoding="utf-8")).value for p in files]
    providers = _providers_from_raw(raw)  # genai-prices' own validation into its types
    src = source("genai-prices")
    again = tmp_path_factory.mktemp("again")
    write_tree(again, *import_genai_prices(providers, src, ImportReport("again")))
    back = load_catalog(again)
    exported = {f"{p.id}/{m.id}" for p in providers for m in p.models}
    assert len(exported) > 2000
    for key in sorted(exported):
        mine, theirs = offering_facts(world.offerings[key]), offering_facts(back.offerings[key])
        assert mine is not None and theirs is not None
        # genai-prices holds prices, tiers, fees and the context window (the output cap
        # comes from models.dev, which genai-prices has no field for)
        assert (theirs.tiers, theirs.fees, theirs.context_window) == (
            mine.tiers,
            mine.fees,
            mine.context_window,
        ), key
        versions = [(p.effective_from, p.tiers) for p in world.offerings[key].pricing]
        assert [(p.effective_from, p.tiers) for p in back.offerings[key].pricing] == versions
        # price contexts (price_variants) and daily windows (time-of-day constraints),
        # request fees (requests_kcount): the same versions again
        contexts = {
            k: [(p.effective_from, p.daily_utc, p.tiers, p.request_fees) for p in group]
            for k, group in world.offerings[key].contexts.items()
        }
        assert {
            k: [(p.effective_from, p.daily_utc, p.tiers, p.request_fees) for p in group]
            for k, group in back.offerings[key].contexts.items()
        } == contexts, key
