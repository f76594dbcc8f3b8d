"""Seed 002_0f3befa6287b4a7f.txt: Qwen3 VL 4B (Reasoning), model facts from Artificial
Analysis. Every number below is typed from the seed's text, with its line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from catalog import Catalog, Model


@pytest.fixture(scope="module")
def model(catalog: Catalog) -> Model:
    return catalog.models["alibaba/qwen3-vl-4b-reasoning"]


def _benchmark(model: Model, name: str) -> Any:
    [found] = [b for b in model.benchmarks if b["name"] == name]
    return found


def test_facts(model: Model) -> None:
    assert model.name == "Qwen3 VL 4B (Reasoning)"  # line 3
    assert model.creator == "Alibaba"  # line 70
    assert model.reasoning is True  # lines 27, 73
    assert model.input_modalities == ("text", "image")  # lines 29, 74
    assert model.output_modalities == ("text",)  # lines 30, 75
    # line 31 "256k", line 78 "260k": both round 262,144 = 256 * 1024
    assert model.native_context == 262144
    assert model.total_parameters == 4_440_000_000  # line 80: 4.44 billion (line 32: 4.4B)
    assert model.active_parameters is None  # not given
    assert model.license == "Apache 2.0"  # lines 33, 81
    assert model.open_weights is True  # line 79
    assert model.weights_host == "Hugging Face"  # line 34
    assert model.release_date == dt.date(2025, 10, 14)  # line 69: October 14, 2025


def test_intelligence_index(model: Model) -> None:
    index = _benchmark(model, "artificial_analysis_intelligence_index")
    assert index["value"] == Decimal(14)  # lines 36, 71, 82: scores 14
    assert "8" in index["comparison"]  # line 36: averaging 8; line 71: median 8


def test_verbosity(model: Model) -> None:
    tokens = _benchmark(model, "artificial_analysis_intelligence_index_output_tokens")
    # lines 36, 72: generated 62M tokens (decimal millions, as Artificial Analysis counts)
    assert tokens["value"] == Decimal(62_000_000)
    assert tokens["as_published"] == "62M"
    assert tokens["unit"] == "tokens"
    assert "16M" in tokens["comparison"]  # line 36: average of 16M; line 72: median 16M


def test_rounded_prices_are_facts_not_a_plan(model: Model) -> None:
    # line 37: $0.00 per 1M input and output tokens, $0.00 to evaluate: rounded displays
    for name in (
        "artificial_analysis_input_price",
        "artificial_analysis_output_price",
        "artificial_analysis_intelligence_index_cost",
    ):
        assert _benchmark(model, name)["value"] == Decimal("0.00")


def test_superseded_by(catalog: Catalog, model: Model) -> None:
    # line 1: "Alibaba has launched a newer model, Qwen3.5 4B"
    assert model.superseded_by == "alibaba/qwen3.5-4b"
    successor = catalog.models[model.superseded_by]
    assert successor.name == "Qwen3.5 4B"
    # no offering sells this model in the seeds
    assert not [o for o in catalog if o.model == model.id]


def test_verbosity_is_decimal_not_token_notation() -> None:
    from catalog.cards.checks import abbreviation_mismatch

    # 62M tokens generated is 62,000,000 (decimal), not 62 × 1,048,576 = 65,011,712
    assert abbreviation_mismatch("62M", Decimal(62_000_000)) is None
    assert abbreviation_mismatch("62M", Decimal(65_011_712)) is not None
    # within the rounding of what is written: 62M covers 61,500,000 to 62,500,000
    assert abbreviation_mismatch("62M", Decimal(62_500_000)) is None
    assert abbreviation_mismatch("62M", Decimal(62_500_001)) is not None
    assert abbreviation_mismatch("4.4B", Decimal(4_440_000_000)) is None
    assert abbreviation_mismatch("16K", Decimal(16_000)) is None
    assert abbreviation_mismatch("16.0K", Decimal(16_384)) is not None  # 16,000 ± 50
    # not an abbreviation: nothing to compare
    assert abbreviation_mismatch("14 points", Decimal(14)) is None
