"""Properties of rating, checked with hypothesis against an independent Fraction reference."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import PricingError, price
from billing.priced import price_one
from catalog import Catalog
from tests.budget import examples

SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
M = 1_048_576
# Tier bounds are read in thousands (issue 10; README "Tier bounds"): <=128K is <= 128,000.
K128, K256, TOP = 128_000, 256_000, 1_000_000

# The seed tables, written out again here (not read from the cards): the reference below
# must not share the code or the data path it checks.
# (input, cache_read, output) per 1M tokens; cache_read None = charged at the input rate.
TABLES: dict[str, list[tuple[int, str, str | None, str]]] = {
    "qwen3-5-4b": [(M * 1024, "0.04", "0.02", "0.07")],
    "qwen3-5-flash": [(M * 1024, "0.090", None, "0.368")],
    "qwen3-5-flash:variant1": [
        (K128, "0.029", None, "0.287"),
        (K256, "0.115", None, "1.147"),
        (TOP, "0.172", None, "1.72"),
    ],
}
TOOL_FEES = {
    "qwen3-5-flash": {
        "web_search": "0.015",
        "image_search": "0.012",
        "web_search_image": "0.012",
        "text_to_image_search": "0.012",
        "image_to_image_search": "0.012",
        "web_extractor": "0",
        "code_interpreter": "0",
    },
    "qwen3-5-flash:variant1": {"web_search": "0"},
    "qwen3-5-4b": {},
}


def reference(
    model: str, u: int, c: int, o: int, r: int, tools: dict[str, int], web_search_on: bool
) -> Fraction:
    """The cost by the seed pages, in exact fractions."""
    prompt = u + c
    tiers = [row for row in TABLES[model] if prompt <= row[0]]
    assert tiers, "beyond the top tier"
    _, inp, cached, out = tiers[0]
    cache_rate = Fraction(cached if cached is not None else inp)
    cost = (u * Fraction(inp) + c * cache_rate + (o + r) * Fraction(out)) / 1_000_000
    for name, calls in tools.items():
        cost += calls * Fraction(TOOL_FEES[model][name])
    if model == "qwen3-5-flash:variant1" and (web_search_on or tools.get("web_search", 0) > 0):
        cost += Fraction("0.01")
    return cost


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(sorted(TABLES)))
    top = TABLES[model][-1][0]
    prompt = draw(st.integers(0, min(top, 3 * M)))
    cached = draw(st.integers(0, prompt))
    completion = draw(st.integers(0, 70_000))
    reasoning = draw(st.integers(0, completion))
    names = sorted(TOOL_FEES[model])
    tools = draw(st.dictionaries(st.sampled_from(names), st.integers(0, 40))) if names else {}
    web_search_on = draw(st.booleans())
    return {
        "model": model,
        "u": prompt - cached,
        "c": cached,
        "o": completion - reasoning,
        "r": reasoning,
        "tools": tools,
        "web_search_on": web_search_on,
    }


def chat(call: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "p",
        "model": call["model"],
        "usage": {
            "prompt_tokens": call["u"] + call["c"],
            "completion_tokens": call["o"] + call["r"],
            "prompt_tokens_details": {"cached_tokens": call["c"]},
            "completion_tokens_details": {"reasoning_tokens": call["r"]},
        },
    }
    if call["tools"]:
        record["usage"]["tool_usage"] = call["tools"]
    if call["model"] == "qwen3-5-flash:variant1":
        record["request"] = {"tool_web_search": call["web_search_on"]}
    return record


def responses(call: dict[str, Any]) -> dict[str, Any]:
    record = chat(call)
    record["endpoint"] = "responses"
    record["usage"] = {
        "input_tokens": call["u"] + call["c"],
        "output_tokens": call["o"] + call["r"],
        "input_tokens_details": {"cached_tokens": call["c"]},
        "output_tokens_details": {"reasoning_tokens": call["r"]},
        "tool_usage": call["tools"],
    }
    return record


def messages(call: dict[str, Any]) -> dict[str, Any]:
    record = chat(call)
    record["endpoint"] = "messages"
    record["usage"] = {
        "input_tokens": call["u"],
        "cache_read_input_tokens": call["c"],
        "output_tokens": call["o"] + call["r"],  # Anthropic folds thinking into output
        "tool_usage": call["tools"],
    }
    return record


def total(record: dict[str, Any], catalog: Catalog) -> Decimal:
    return price(record, catalog).total


@SETTINGS
@given(calls())
def test_exact_against_fraction_reference(catalog: Catalog, call: dict[str, Any]) -> None:
    charge = price(chat(call), catalog)
    want = reference(
        call["model"],
        call["u"],
        call["c"],
        call["o"],
        call["r"],
        call["tools"],
        call["web_search_on"],
    )
    assert Fraction(charge.total) == want
    assert charge.total >= 0
    assert charge.total == sum((line.amount for line in charge.lines), Decimal(0))
    for line in charge.lines:
        assert line.amount >= 0
        assert Fraction(line.amount) == Fraction(line.quantity) * Fraction(line.unit_price) / (
            1_000_000 if line.unit == "1M tokens" else 1
        )


@SETTINGS
@given(calls())
def test_shapes_of_the_same_call_cost_the_same(catalog: Catalog, call: dict[str, Any]) -> None:
    via_chat = price(chat(call), catalog)
    via_responses = price(responses(call), catalog)
    via_messages = price(messages(call), catalog)
    assert via_chat.lines == via_responses.lines
    assert via_chat.total == via_responses.total == via_messages.total


KINDS = ("u", "c", "o", "r")


@SETTINGS
@given(calls(), st.sampled_from(KINDS), st.integers(1, 100_000))
def test_monotone_within_a_tier(
    catalog: Catalog, call: dict[str, Any], kind: str, more: int
) -> None:
    before = price(chat(call), catalog)
    bigger = {**call, kind: call[kind] + more}
    try:
        after = price(chat(bigger), catalog)
    except PricingError:
        return  # pushed beyond the top tier
    if after.tier == before.tier:
        assert after.total >= before.total
        if kind in ("o", "r") or before.lines[0].unit_price > 0:
            assert after.total > before.total


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(sorted(TOOL_FEES["qwen3-5-flash"])), st.integers(0, 50)),
    st.dictionaries(st.sampled_from(sorted(TOOL_FEES["qwen3-5-flash"])), st.integers(0, 50)),
)
def test_tool_fees_are_additive(
    catalog: Catalog, first: dict[str, int], second: dict[str, int]
) -> None:
    def cost(tools: dict[str, int]) -> Decimal:
        return total(
            {
                "model": "qwen3-5-flash",
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "tool_usage": tools},
            },
            catalog,
        )

    both = {name: first.get(name, 0) + second.get(name, 0) for name in {*first, *second}}
    base = cost({})
    assert cost(both) - base == (cost(first) - base) + (cost(second) - base)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    [
        "id",
        "model",
        "endpoint",
        "usage",
        "tool_usage",
        "request",
        "timestamp",
        "cost_usd",
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "prompt_tokens_details",
    ]
)
NEAR = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=5), JSON),
        "model": st.sampled_from(
            ["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1", "alibaba:qwen@3.5-27b", "x"]
        ),
        "endpoint": st.sampled_from(
            ["chat.completions", "responses", "messages", "runware.task", "completions", "?"]
        ),
        "usage": st.dictionaries(
            st.sampled_from(
                [
                    "prompt_tokens",
                    "completion_tokens",
                    "input_tokens",
                    "output_tokens",
                    "cache_read_input_tokens",
                    "cache_creation_input_tokens",
                    "promptTokens",
                    "completionTokens",
                    "tool_usage",
                    "prompt_tokens_details",
                    "cost_usd",
                    "total_tokens",
                ]
            ),
            st.one_of(st.integers(-5, 2 * M), JSON),
        ),
    },
    optional={"request": JSON, "timestamp": JSON, "tool_usage": JSON, "cost": JSON},
)


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(JSON, st.dictionaries(FIELDS, JSON), NEAR), st.booleans())
def test_arbitrary_json_never_crashes(catalog: Catalog, value: Any, as_text: bool) -> None:
    text = json.dumps(value) if as_text else json.dumps(value)[: len(json.dumps(value)) // 2]
    result = price_one(text, 7, catalog)
    assert (result.charge is None) != (result.error is None)
    if result.error is not None:
        assert result.error.startswith("line 7")
    else:
        assert result.charge is not None and result.charge.total >= 0
