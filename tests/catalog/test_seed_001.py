"""Seed 001_bd24f46088425733.txt: Qwen3.5 Flash and its :variant1 on EmpirioLabs. Every
number below is typed from the seed's text, with its line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import Catalog, Offering

from .seedcheck import param, published

d = Decimal


@pytest.fixture(scope="module")
def base(catalog: Catalog) -> Offering:
    return catalog.resolve("qwen3-5-flash")


@pytest.fixture(scope="module")
def v1(catalog: Catalog) -> Offering:
    return catalog.resolve("qwen3-5-flash:variant1")


def test_at_a_glance(base: Offering) -> None:
    assert base.name == "Qwen3.5 Flash"  # line 3
    assert base.status == "available"
    assert base.input_modalities == ("text", "image", "video")  # line 13
    assert base.output_modalities == ("text",)  # line 14
    assert base.context_window == 1000000  # 1M in thousands, like the tiers (issue 10)
    assert base.weight_precision is None  # line 16: "-"
    assert base.max_output_tokens == 32768  # line 17
    assert base.region == "Singapore"  # line 18
    assert base.features == ("vision", "web_search", "code_interpreter", "function_calling")
    assert base.native_inference is False  # line 20
    assert base.new is False  # line 21
    assert base.endpoints == ("chat.completions", "responses", "messages")  # line 22
    assert base.variants == ("qwen3-5-flash:variant1",)  # line 88


def test_pricing(base: Offering) -> None:
    plan = base.plan_at(None)
    assert plan is not None and not plan.tiered
    prices = plan.tiers[0].prices
    published(prices["input"].rate, "0.090", "0.10")  # line 27: $0.090 (was $0.10)
    published(prices["output"].rate, "0.368", "0.40")  # line 28: $0.368 (was $0.40)
    # no cached-input row: cached input is charged at the input rate
    assert prices["cache_read"].inherited_from == "input"
    # line 69: thinking tokens are billed as output tokens
    assert prices["reasoning"].inherited_from == "output"
    assert prices["reasoning"].rate.price == d("0.368")


def test_tool_rows_and_aliases(base: Offering) -> None:
    plan = base.plan_at(None)
    assert plan is not None
    tool = plan.tool_lookup
    published(tool["web_search"].per_call, "0.015")  # lines 29, 61
    published(tool["image_search"].per_call, "0.012")  # line 30
    # line 71: Text-to-Image and Image-to-Image Search use the Image Search row (lines 64-65)
    for alias in ("text_to_image_search", "image_to_image_search", "web_search_image"):
        assert tool[alias] is tool["image_search"], alias
    assert tool["web_extractor"].per_call.is_free  # line 62: free
    assert tool["code_interpreter"].per_call.is_free  # line 63: free
    assert all(t.included_in is None for t in plan.tools)
    assert plan.request_fees == ()


def test_parameters(base: Offering) -> None:
    assert list(base.parameters) == [  # lines 42-55, in order
        "temperature",
        "top_p",
        "max_tokens",
        "enable_thinking",
        "vl_high_resolution_images",
        "max_pixels",
        "tool_web_search",
        "tool_web_extractor",
        "tool_code_interpreter",
        "tool_web_search_image",
        "tool_image_search",
        "video_fps",
        "treat_images_as_video",
        "disable_formatting",
    ]
    param(base, "temperature", "number", default=d("0.7"), minimum="0", maximum="2")  # 42
    param(base, "top_p", "number", default=d("0.9"), minimum="0", maximum="1")  # 43
    param(base, "max_tokens", "number", default=4096, minimum="1", maximum="32768")  # 44
    param(base, "enable_thinking", "boolean", default=True)  # 45
    param(base, "vl_high_resolution_images", "boolean", default=True)  # 46
    param(base, "max_pixels", "number", default=2621440, minimum="1", maximum="99999999")
    param(base, "tool_web_search", "boolean", default=False)  # 48
    param(base, "tool_web_extractor", "boolean", default=True)  # 49
    param(base, "tool_code_interpreter", "boolean", default=True)  # 50
    param(base, "tool_web_search_image", "boolean", default=True)  # 51
    param(base, "tool_image_search", "boolean", default=True)  # 52
    param(base, "video_fps", "number", default=2, minimum="0.1", maximum="10")  # 53
    param(base, "treat_images_as_video", "boolean", default=False)  # 54
    param(base, "disable_formatting", "boolean", default=False)  # 55


def test_rules(base: Offering) -> None:
    rules = {(r.kind, tuple(r.when.items())): dict(r.then) for r in base.rules}
    # line 49: "Requires Web Search and Thinking."
    assert rules[("requires", (("tool_web_extractor", True),))] == {
        "tool_web_search": True,
        "enable_thinking": True,
    }
    # line 50: "Requires Thinking."
    assert rules[("requires", (("tool_code_interpreter", True),))] == {"enable_thinking": True}
    assert len(rules) == 2


def test_variant_fields(v1: Offering) -> None:
    assert v1.base == "qwen3-5-flash" and v1.variant == "variant1"  # line 88
    assert v1.id == "qwen3-5-flash:variant1"  # line 91
    assert v1.region == "China"  # line 92
    assert v1.context_window == 1000000  # 1M, decimal (issue 10)
    assert v1.weight_precision is None  # line 94: "-"
    assert v1.max_output_tokens == 65536  # line 95: 65,536
    assert v1.features == (  # line 96
        "reasoning",
        "vision",
        "video",
        "web_search",
        "function_calling",
        "structured_output",
        "agentic_coding",
    )
    assert v1.native_inference is False  # line 97
    assert v1.endpoints == ("chat.completions", "responses", "messages")  # line 98
    # inherited from the base (the variant's table does not list them)
    assert v1.name == "Qwen3.5 Flash"
    assert v1.input_modalities == ("text", "image", "video")
    assert v1.model == "alibaba/qwen3.5-flash"


def test_variant_tiers(v1: Offering) -> None:
    plan = v1.plan_at(None)
    assert plan is not None and plan.tiered
    assert plan.tier_by == "input_tokens" and plan.tier_boundary == "upper_inclusive"
    # line 103: <=128K, 128K-256K, 256K-1M (K = 1024)
    assert [t.upper for t in plan.tiers] == [128000, 256000, 1000000]  # decimal (issue 10)
    assert [t.label for t in plan.tiers] == ["<=128K", "128K-256K", "256K-1M"]
    t0, t1, t2 = plan.tiers
    published(t0.prices["input"].rate, "0.029", "0.090")  # line 103: $0.029 (was $0.090)
    published(t1.prices["input"].rate, "0.115")
    published(t2.prices["input"].rate, "0.172")
    published(t0.prices["output"].rate, "0.287", "0.368")  # line 104: $0.287 (was $0.368)
    published(t1.prices["output"].rate, "1.147")
    published(t2.prices["output"].rate, "1.72")
    assert plan.tier_for(128000) is t0  # a count equal to a bound stays in the lower tier
    assert plan.tier_for(128001) is t1
    assert plan.tier_for(1000000) is t2
    assert plan.tier_for(1000001) is None  # beyond the top tier
    for tier in plan.tiers:
        assert tier.prices["reasoning"].inherited_from == "output"
        assert tier.prices["cache_read"].inherited_from == "input"


def test_variant_request_fee(v1: Offering) -> None:
    plan = v1.plan_at(None)
    assert plan is not None
    [fee] = plan.request_fees
    # line 105 "Web search per query when enabled $0.01"; line 121 "Adds $0.01 ... when enabled"
    published(fee.per_request, "0.01")
    assert dict(fee.when) == {"tool_web_search": True}
    [tool] = plan.tools
    assert tool.name == "web_search" and tool.included_in == fee.name
    assert plan.tool("image_search") is None  # the variant's pricing has no image search row


def test_variant_parameters(v1: Offering) -> None:
    assert list(v1.parameters) == [  # lines 110-121, in order; it replaces the base table
        "temperature",
        "top_p",
        "max_tokens",
        "stop",
        "enable_thinking",
        "reasoning_effort",
        "thinking_budget",
        "response_format",
        "vl_high_resolution_images",
        "max_pixels",
        "video_fps",
        "tool_web_search",
    ]
    param(v1, "temperature", "number", default=d("0.7"), minimum="0", maximum="2")  # 110
    param(v1, "top_p", "number", default=d("0.9"), minimum="0", maximum="1")  # 111
    param(v1, "max_tokens", "number", default=4096, minimum="1", maximum="65536")  # 112
    param(v1, "stop", ("string", "array"), description="Up to 4 strings")  # 113
    param(v1, "enable_thinking", "boolean", default=True)  # 114
    param(  # 115
        v1,
        "reasoning_effort",
        "enum",
        default="medium",
        values=("none", "low", "medium", "high", "max"),
    )
    param(v1, "thinking_budget", "number", default=32768, minimum="1", maximum="80000")  # 116
    param(v1, "response_format", "object")  # 117
    param(v1, "vl_high_resolution_images", "boolean", default=True)  # 118
    param(v1, "max_pixels", "number", default=2621440, minimum="4096", maximum="16777216")
    param(v1, "video_fps", "number", default=2, minimum="0.1", maximum="10")  # 120
    param(  # 121
        v1,
        "tool_web_search",
        "boolean",
        default=False,
        description="Adds $0.01 to the request cost when enabled.",
    )
    # The base's rules name parameters the variant does not have; "none disables
    # thinking" (reasoning_effort row) makes none with enable_thinking=true a contradiction.
    assert [(r.kind, dict(r.when), dict(r.then)) for r in v1.rules] == [
        ("conflicts_with", {"reasoning_effort": "none"}, {"enable_thinking": True})
    ]


def test_model(catalog: Catalog, base: Offering) -> None:
    model = catalog.model_of(base)
    assert model is not None and model.id == "alibaba/qwen3.5-flash"
    assert model.architecture == "hybrid linear-attention plus sparse MoE"  # line 7
    assert model.native_context == 1048576  # line 7: 1M context
