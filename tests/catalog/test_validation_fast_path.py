"""The fast path of RequestValidator.validate answers "valid" only where the full path
(every check, worded) says valid with nothing to warn about, and the same model and
endpoint: it may only make acceptance quicker, never change a verdict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import Catalog, RequestValidator
from tests.budget import examples

from .request_corpus import base_request, corpus, with_value
from .test_validation_properties import JSON, KEYS, MODELS, generated

ENDPOINTS = [None, "chat.completions", "completions", "responses", "messages", "runware.task"]


def agree(validator: RequestValidator, body: Any, endpoint: str | None) -> bool:
    """True when the fast path answered (and then agreed with the full path)."""
    full = validator._validate(body, endpoint, False)
    quick = validator._quick(body, endpoint) if isinstance(body, dict) else None
    assert validator.validate(body, endpoint=endpoint).valid == full.valid
    if quick is None:
        return False
    assert full.valid and not full.warnings, (body, full)
    assert (quick.valid, quick.model, quick.endpoint, quick.issues, quick.warnings) == (
        True,
        full.model,
        full.endpoint,
        (),
        (),
    )
    assert quick.request is body
    return True


@pytest.mark.parametrize("endpoint", [None, "chat.completions"])
def test_corpus(validator: RequestValidator, endpoint: str | None) -> None:
    answered = 0
    for _name, ep, body, _ok in corpus():
        answered += agree(validator, body, endpoint or ep)
    assert answered > 10  # the fast path is taken for the plain valid cases


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "x" * 300_000}]}, "ctx"),
        (with_value("qwen3-5-4b", "temperature", Decimal("2.01")), "lane"),
        (with_value("qwen3-5-4b", "temperature", "0.5"), "string"),
        (with_value("qwen3-5-4b", "reasoning_effort", "none") | {"enable_thinking": True}, "rule"),
        (with_value("qwen3-5-4b", "max_tokens", Decimal("10.5")), "integer"),
        (with_value("qwen3-5-4b", "temprature", 1), "unknown"),
        ({"model": "alibaba:qwen@3.5-397b", "messages": []}, "coming soon"),
        (
            {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": [{"type": "text"}]}]},
            "part",
        ),
    ],
)
def test_falls_back(validator: RequestValidator, body: Any, why: str) -> None:
    assert not agree(validator, body, None), why


@pytest.mark.parametrize(
    "extra",
    [
        {"system": "Be brief."},
        {"max_tokens": 64, "stop_sequences": ["END"]},
        {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
        {"anthropic_version": "2023-06-01", "max_tokens": 64},
        {"tools": [{"name": "f", "input_schema": {"type": "object"}}], "max_tokens": 64},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]},
        {"messages": [{"role": "user", "content": [{"type": "thinking", "thinking": "x"}]}]},
        {"messages": [{"role": "user", "content": "Hi", "name": "a"}]},
        {"prompt": "Hi"},
        {"input": "Hi"},
    ],
)
def test_inferred_endpoint_agrees(validator: RequestValidator, extra: dict[str, Any]) -> None:
    """Bodies that look like another dialect, or that the shortcut for plain chat must
    not take: the fast path infers the same endpoint as the full path, or falls back."""
    body = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hi"}], **extra}
    agree(validator, body, None)


def test_plain_chat_is_fast(validator: RequestValidator) -> None:
    body = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hi"}]}
    assert agree(validator, body, None)
    assert validator.validate(body).endpoint == "chat.completions"


def test_large_prompt_within_window_is_fast(validator: RequestValidator) -> None:
    body = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "x" * 1000}]}
    assert agree(validator, body, None)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    model=st.sampled_from(MODELS),
    key=KEYS,
    value=JSON,
    endpoint=st.sampled_from(ENDPOINTS),
    mutate=st.booleans(),
)
def test_generated_and_mutated(
    catalog: Catalog,
    validator: RequestValidator,
    data: st.DataObject,
    model: str,
    key: str,
    value: Any,
    endpoint: str | None,
    mutate: bool,
) -> None:
    body, _ = data.draw(generated(catalog, model))
    if mutate:
        body = {**body, key: value} if isinstance(body, dict) else body
    agree(validator, body, endpoint)
    agree(validator, base_request(model), endpoint)
