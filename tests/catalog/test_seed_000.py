"""Seed 000_f107579f5972bdaf.txt: Qwen3.5 4B on EmpirioLabs (qwen3-5-4b). Every number
below is typed from the seed's text, with its line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import Catalog, Offering, PriceState

from .seedcheck import param, published


@pytest.fixture(scope="module")
def off(catalog: Catalog) -> Offering:
    return catalog.resolve("qwen3-5-4b")


def test_at_a_glance(off: Offering) -> None:
    assert off.provider == "empiriolabs"
    assert off.name == "Qwen3.5 4B"  # line 3
    assert off.task == "Text Generation"  # line 4
    assert off.status == "available"
    assert off.input_modalities == ("text", "image", "video")  # line 13
    assert off.output_modalities == ("text",)  # line 14
    assert off.context_window == 262144  # line 15: 256K = 256 * 1024
    assert off.weight_precision == "FP8 weights + FP8 KV"  # line 16
    assert off.max_output_tokens == 32768  # line 17: 32,768
    assert off.features == (  # line 18
        "reasoning",
        "vision",
        "video",
        "function_calling",
        "structured_output",
        "cache",
        "multimodal",
        "json_mode",
        "logprobs",
    )
    assert off.native_inference is True  # line 19
    assert off.new is True  # line 20
    # line 21: /v1/chat/completions, /v1/responses, /v1/messages, /v1/completions
    assert off.endpoints == ("chat.completions", "responses", "messages", "completions")
    assert off.region is None  # the page names no region
    assert off.model == "alibaba/qwen3.5-4b"


def test_pricing(off: Offering) -> None:
    plan = off.plan_at(None)
    assert plan is not None and not plan.tiered and len(plan.tiers) == 1
    prices = plan.tiers[0].prices
    published(prices["input"].rate, "0.04")  # line 26
    published(prices["output"].rate, "0.07")  # line 27
    published(prices["cache_read"].rate, "0.02")  # line 28
    assert prices["cache_read"].inherited_from is None
    # line 63: "Explicit cache controls are not supported."
    assert prices["cache_write"].rate.state is PriceState.NOT_APPLICABLE
    # reasoning is billed as output unless a card says otherwise
    assert prices["reasoning"].inherited_from == "output"
    assert prices["reasoning"].rate.price == Decimal("0.07")
    assert plan.tools == () and plan.request_fees == ()


def test_parameters(off: Offering) -> None:
    d = Decimal
    assert list(off.parameters) == [  # lines 40-59, in order
        "temperature",
        "top_p",
        "max_tokens",
        "stop",
        "reasoning_effort",
        "enable_thinking",
        "thinking_budget",
        "top_k",
        "min_p",
        "presence_penalty",
        "frequency_penalty",
        "repetition_penalty",
        "seed",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "tools",
        "tool_choice",
        "response_format",
        "stream",
    ]
    param(off, "temperature", "number", default=d("0.7"), minimum="0", maximum="2")  # 40
    param(off, "top_p", "number", default=d("0.95"), minimum="0", maximum="1")  # 41
    param(off, "max_tokens", "integer", default=4096, minimum="1", maximum="32768")  # 42
    param(off, "stop", ("string", "array"), description="Up to 4 strings")  # 43
    assert off.parameters["stop"].max_items == 4
    param(  # line 44
        off,
        "reasoning_effort",
        "enum",
        default="medium",
        values=("none", "low", "medium", "high", "max"),
    )
    param(off, "enable_thinking", "boolean", default=True)  # 45
    param(off, "thinking_budget", "integer", default=4096, minimum="1024", maximum="32768")
    param(off, "top_k", "integer", default=20, minimum="1", maximum="200")  # 47
    param(off, "min_p", "number", default=0, minimum="0", maximum="1")  # 48
    param(off, "presence_penalty", "number", default=0, minimum="-2", maximum="2")  # 49
    param(off, "frequency_penalty", "number", default=0, minimum="-2", maximum="2")  # 50
    param(off, "repetition_penalty", "number", default=1, minimum="0.1", maximum="2")  # 51
    param(off, "seed", "integer", minimum="0", maximum="2147483647")  # 52
    param(off, "logprobs", "boolean", default=False)  # 53
    param(off, "top_logprobs", "integer", minimum="0", maximum="20")  # 54
    param(off, "logit_bias", "object")  # 55
    param(off, "tools", "array", description="OpenAI-compatible function tool definitions.")
    param(off, "tool_choice", "object")  # 57
    param(off, "response_format", "object", description="Structured JSON output")  # 58
    param(off, "stream", "boolean", default=False)  # 59
    # "none disables thinking" (line 44): none with enable_thinking=true is a contradiction.
    assert [(r.kind, dict(r.when), dict(r.then)) for r in off.rules] == [
        ("conflicts_with", {"reasoning_effort": "none"}, {"enable_thinking": True})
    ]


def test_descriptions(off: Offering) -> None:
    p = off.parameters
    assert p["temperature"].description == (
        "Sampling temperature. 0 is deterministic and 2 is maximum randomness."
    )
    assert p["repetition_penalty"].description == "Penalty used by SGLang to reduce repeated text."


def test_model(catalog: Catalog, off: Offering) -> None:
    model = catalog.model_of(off)
    assert model is not None and model.id == "alibaba/qwen3.5-4b"
    assert model.creator == "Alibaba"
    assert model.native_context == 262144  # line 7: 256K context
    assert model.total_parameters is None  # not published: unknown, not guessed
