"""Seed 003_258aca1813f0ae9b.txt: alibaba:qwen@3.5-397b on Runware (coming soon). Every
number below is typed from the seed's text, with its line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import Catalog, Offering, PriceState

from .seedcheck import param

d = Decimal


@pytest.fixture(scope="module")
def off(catalog: Catalog) -> Offering:
    return catalog.resolve("alibaba:qwen@3.5-397b")


def test_offering(off: Offering) -> None:
    assert off.id == "alibaba:qwen@3.5-397b"  # line 1
    assert off.provider == "runware"
    assert off.status == "coming_soon"  # line 2: coming-soon
    assert not off.callable
    assert off.name == "Qwen3.5-397B"  # line 4
    assert off.endpoints == ("runware.task",)
    assert off.max_output_tokens == 65536  # line 169: maxTokens max 65536
    assert off.context_window == 262144  # line 9: 262K native context (= 262,144, line 137)


def test_model(catalog: Catalog, off: Offering) -> None:
    model = catalog.model_of(off)
    assert model is not None and model.id == "alibaba/qwen3.5-397b"
    assert model.creator == "Alibaba"  # line 7
    assert model.total_parameters == 397_000_000_000  # line 9: 397B total
    assert model.active_parameters == 17_000_000_000  # line 9: 17B activated
    assert model.architecture == "sparse MoE"  # line 9
    assert model.open_weights is True  # line 9: open-weight flagship
    assert model.native_context == 262144  # line 9: 262K native context
    assert model.extended_context == 1048576  # line 9: extensible to about 1M tokens


def test_prices_are_unpublished(off: Offering) -> None:
    plan = off.plan_at(None)
    assert plan is not None
    for kind in ("input", "output", "cache_read", "reasoning"):
        assert plan.tiers[0].prices[kind].rate.state is PriceState.UNPUBLISHED, kind


def test_api_options(off: Offering) -> None:
    p = off.parameters
    param(off, "taskType", "string", required=True)  # line 19: required value textInference
    assert p["taskType"].const == "textInference"
    param(off, "taskUUID", "string", required=True)  # line 25: required UUID v4
    assert p["taskUUID"].format == "uuid4"
    param(off, "webhookURL", "string")  # line 31: URI
    assert p["webhookURL"].format == "uri"
    param(off, "deliveryMethod", "string", default="sync")  # line 39
    # line 43: "Allowed values 3 values", names not shown
    assert p["deliveryMethod"].values_count == 3
    assert p["deliveryMethod"].values_known == ("sync",)
    assert len(p["deliveryMethod"].value_descriptions) == 3  # lines 44-46
    param(off, "includeCost", "boolean", default=False)  # line 51
    param(off, "includeUsage", "boolean", default=False)  # line 57
    param(off, "numberResults", "integer", default=1, minimum="1", maximum="4")  # line 63


def test_inputs(off: Offering) -> None:
    for name in ("inputs.images", "inputs.videos"):  # lines 71-85: array of strings min items 1
        param(off, name, "array")
        p = off.parameters[name]
        assert p.path == tuple(name.split("."))
        assert p.min_items == 1
        assert p.items is not None and p.items.types == ("string",)


def test_generation_parameters(off: Offering) -> None:
    p = off.parameters
    param(off, "model", "string", required=True)  # line 93: value alibaba:qwen@3.5-397b
    assert p["model"].const_is_offering_id
    param(off, "seed", "integer", minimum="0", maximum="4294967295")  # line 101
    param(off, "messages", "array", required=True)  # line 107: min items 1
    assert p["messages"].min_items == 1
    item = p["messages"].items
    assert item is not None and item.properties is not None
    role, content = item.properties["role"], item.properties["content"]
    assert role.required and role.types == ("string",)  # line 116
    assert role.values_count == 2  # line 120: "Allowed values 2 values", not shown
    assert content.required and content.min_length == 1  # line 125: min: 1


def test_settings(off: Offering) -> None:
    p = off.parameters
    param(off, "settings.systemPrompt", "string")  # line 137: min 1 max 262144
    assert (p["settings.systemPrompt"].min_length, p["settings.systemPrompt"].max_length) == (
        1,
        262144,
    )
    assert p["settings.systemPrompt"].path == ("settings", "systemPrompt")
    s = "0.01"
    param(off, "settings.temperature", "number", default=d("0.6"), minimum="0", maximum="2", step=s)
    param(off, "settings.topP", "number", default=d("0.95"), minimum="0", maximum="1", step=s)
    param(off, "settings.frequencyPenalty", "number", default=0, minimum="0", maximum="2", step=s)
    param(off, "settings.maxTokens", "integer", minimum="1", maximum="65536")  # line 169
    param(off, "settings.minP", "number", default=0, minimum="0", maximum="1", step=s)  # 177
    param(off, "settings.presencePenalty", "number", default=0, minimum="0", maximum="2", step=s)
    param(off, "settings.repetitionPenalty", "number", default=1, minimum="0", maximum="2", step=s)
    param(off, "settings.stopSequences", "array")  # line 201: array of strings min: 1
    assert p["settings.stopSequences"].min_items == 1
    param(off, "settings.thinkingLevel", "string", default="high")  # line 209
    assert p["settings.thinkingLevel"].values_count == 2  # line 213: 2 values, not shown
    param(off, "settings.topK", "integer", default=20, minimum="1", maximum="100")  # line 218
