"""Seed 004_71ce889d9bb6b538.txt: alibaba:qwen@3.5-27b on Runware. Every number below is
typed from the seed's text, with its line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import Catalog, Offering, PriceState

from .seedcheck import param

d = Decimal


@pytest.fixture(scope="module")
def off(catalog: Catalog) -> Offering:
    return catalog.resolve("alibaba:qwen@3.5-27b")


def test_offering(off: Offering) -> None:
    assert off.id == "alibaba:qwen@3.5-27b"  # line 48: value alibaba:qwen@3.5-27b
    assert off.provider == "runware"
    assert off.name == "Qwen3.5-27B"  # line 1
    assert off.status == "available"  # no coming-soon mark on this page
    assert off.callable
    assert off.max_output_tokens == 65536  # line 79
    assert off.context_window == 262144  # line 2: 262K native context
    assert "inputs.images" not in off.parameters  # the page's inputs section lists none


def test_model(catalog: Catalog, off: Offering) -> None:
    model = catalog.model_of(off)
    assert model is not None and model.id == "alibaba/qwen3.5-27b"
    assert model.total_parameters == 27_000_000_000  # line 2: 27B-parameter
    assert model.active_parameters is None
    assert model.open_weights is True  # line 2: open-weight alternative
    assert model.native_context == 262144  # line 2
    assert model.extended_context == 1048576  # line 2: about 1M tokens


def test_prices_are_unpublished(off: Offering) -> None:
    plan = off.plan_at(None)
    assert plan is not None
    assert plan.tiers[0].prices["input"].rate.state is PriceState.UNPUBLISHED
    assert plan.tiers[0].prices["output"].rate.state is PriceState.UNPUBLISHED


def test_api_options(off: Offering) -> None:
    p = off.parameters
    param(off, "taskType", "string", required=True)  # line 7
    assert p["taskType"].const == "textInference"
    param(off, "taskUUID", "string", required=True)  # line 11
    assert p["taskUUID"].format == "uuid4"
    param(off, "webhookURL", "string")  # line 15
    param(off, "deliveryMethod", "string", default="sync")  # line 22
    assert p["deliveryMethod"].values_count == 3  # line 24
    param(off, "includeCost", "boolean", default=False)  # line 32
    param(off, "includeUsage", "boolean", default=False)  # line 36
    param(off, "numberResults", "integer", default=1, minimum="1", maximum="4")  # line 40
    param(off, "model", "string", required=True)  # line 48
    param(off, "seed", "integer", minimum="0", maximum="4294967295")  # line 53
    param(off, "messages", "array", required=True)  # line 57: min items 1
    assert p["messages"].min_items == 1


def test_settings(off: Offering) -> None:
    p = off.parameters
    param(off, "settings.systemPrompt", "string")  # line 63: min 1 max 131072
    assert (p["settings.systemPrompt"].min_length, p["settings.systemPrompt"].max_length) == (
        1,
        131072,
    )
    s = "0.01"
    param(off, "settings.temperature", "number", default=d("0.6"), minimum="0", maximum="2", step=s)
    param(off, "settings.topP", "number", default=d("0.95"), minimum="0", maximum="1", step=s)
    param(off, "settings.frequencyPenalty", "number", default=0, minimum="0", maximum="2", step=s)
    param(off, "settings.maxTokens", "integer", minimum="1", maximum="65536")  # line 79
    param(off, "settings.minP", "number", default=0, minimum="0", maximum="1", step=s)  # 83
    param(off, "settings.presencePenalty", "number", default=0, minimum="0", maximum="2", step=s)
    param(off, "settings.repetitionPenalty", "number", default=1, minimum="0", maximum="2", step=s)
    param(off, "settings.stopSequences", "array")  # line 95
    assert p["settings.stopSequences"].min_items == 1
    param(off, "settings.thinkingLevel", "string", default="high")  # line 99
    assert p["settings.thinkingLevel"].values_count == 2  # line 101
    param(off, "settings.topK", "integer", default=20, minimum="1", maximum="100")  # line 104
