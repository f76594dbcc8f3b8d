from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from catalog import RequestValidator, ValidationResult
from catalog.requests.jsonnum import is_multiple, parse_request

from .request_corpus import (
    BOUNDS,
    RUNWARE,
    above,
    base_request,
    below,
    corpus,
    number,
    pointer_of,
    with_value,
)


def check(validator: RequestValidator, body: Any, **kw: Any) -> ValidationResult:
    result = validator.validate(body, **kw)
    for issue in (*result.issues, *result.warnings):
        assert issue.message and issue.rule and issue.rule != "internal", issue
        assert issue.pointer == "" or issue.pointer.startswith("/")
    return result


def pointers(result: ValidationResult) -> list[str]:
    return [i.pointer for i in result.issues]


@pytest.mark.parametrize(("model", "path", "kind", "low", "high", "step"), BOUNDS)
def test_boundaries(
    validator: RequestValidator,
    model: str,
    path: str,
    kind: str,
    low: str,
    high: str,
    step: str | None,
) -> None:
    prefix = ""
    for value in (number(low), number(high)):
        result = check(validator, with_value(model, path, value))
        assert [i for i in result.issues if i.rule != "status"] == [], (value, result.issues)
    for value, rule in (
        (number(below(kind, low, step)), "minimum"),
        (number(above(kind, high, step)), "maximum"),
        ("0.5", "type"),
        (True, "type"),
    ):
        result = check(validator, with_value(model, path, value))
        assert not result.valid
        found = [i for i in result.issues if i.rule != "status"]
        assert [(i.pointer, i.rule) for i in found] == [(prefix + pointer_of(path), rule)], found
    if kind == "integer":
        result = check(validator, with_value(model, path, Decimal("1.5")))
        assert (pointer_of(path), "type") in [(i.pointer, i.rule) for i in result.issues]


@pytest.mark.parametrize(("name", "endpoint", "body", "ok"), corpus(), ids=[c[0] for c in corpus()])
def test_corpus(validator: RequestValidator, name: str, endpoint: str, body: Any, ok: bool) -> None:
    result = check(validator, body, endpoint=endpoint)
    assert result.valid is ok, result.issues


def test_message_for_a_range(validator: RequestValidator) -> None:
    result = check(validator, with_value("qwen3-5-4b", "temperature", Decimal("2.5")))
    assert [i.as_dict() for i in result.issues] == [
        {
            "pointer": "/temperature",
            "rule": "maximum",
            "allowed": "0 to 2",
            "message": "temperature must be between 0 and 2; got 2.5",
        }
    ]


def test_every_two_decimal_value_is_a_step(validator: RequestValidator) -> None:
    for hundredths in range(201):
        value = Decimal(hundredths) / 100
        for form in (value, float(value)):
            body = with_value("alibaba:qwen@3.5-27b", "settings.temperature", form)
            assert check(validator, body).valid, form


@pytest.mark.parametrize("text", ["0.005", "0.333", "1.999", "0.0700000000000000000001"])
def test_off_step_values_are_rejected(validator: RequestValidator, text: str) -> None:
    body = with_value("alibaba:qwen@3.5-27b", "settings.temperature", Decimal(text))
    result = check(validator, body)
    assert [(i.pointer, i.rule) for i in result.issues] == [("/settings/temperature", "multipleOf")]
    assert result.issues[0].allowed == "0 to 2 in steps of 0.01"


def test_is_multiple_exact() -> None:
    assert is_multiple(Decimal("0.07"), Decimal("0.01"))
    assert is_multiple(Decimal("7E-2"), Decimal("0.01"))
    assert is_multiple(Decimal("1E+30"), Decimal("0.03")) is False  # 10**32 is not a multiple of 3
    assert is_multiple(Decimal("3E+30"), Decimal("0.03"))
    assert not is_multiple(Decimal("1E-999999"), Decimal("0.01"))
    assert is_multiple(Decimal("0"), Decimal("0.01"))


def test_parse_keeps_decimals() -> None:
    body = parse_request('{"a": 0.07, "b": 1, "c": 1e2}')
    assert body == {"a": Decimal("0.07"), "b": 1, "c": Decimal("1E+2")}
    assert type(body["a"]) is Decimal


def test_missing_required_points_at_parent(validator: RequestValidator) -> None:
    result = check(validator, {"model": "qwen3-5-4b"})
    assert [(i.pointer, i.rule, i.allowed) for i in result.issues] == [("", "required", "messages")]
    assert "'messages'" in result.issues[0].message
    task = base_request("alibaba:qwen@3.5-27b")
    del task["taskUUID"]
    result = check(validator, [task])
    assert [(i.pointer, i.rule, i.allowed) for i in result.issues] == [
        ("/0", "required", "taskUUID")
    ]
    body = {
        "model": "qwen3-5-4b",
        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}],
    }
    result = check(validator, body)
    assert pointers(result) == ["/messages/0/content/0/image_url"]
    assert "'url'" in result.issues[0].message


def test_unknown_parameter_did_you_mean(validator: RequestValidator) -> None:
    result = check(validator, with_value("qwen3-5-4b", "temprature", Decimal("0.5")))
    assert [(i.pointer, i.rule) for i in result.issues] == [("/temprature", "unknown_parameter")]
    assert "did you mean 'temperature'?" in result.issues[0].message


def test_lenient_drops_unknown_and_returns_cleaned(validator: RequestValidator) -> None:
    body = with_value("qwen3-5-4b", "temprature", Decimal("0.5"))
    body["top_p"] = Decimal("0.5")
    result = check(validator, body, lenient=True)
    assert result.valid
    assert [(w.pointer, w.rule) for w in result.warnings] == [("/temprature", "unknown_parameter")]
    assert result.request == {**base_request("qwen3-5-4b"), "top_p": Decimal("0.5")}
    assert "temprature" in body  # the caller's body is not changed
    # lenient mode drops unknown fields only: a bad value is still an error
    body["top_p"] = 5
    assert not check(validator, body, lenient=True).valid


def test_variant_lacks_base_parameters(validator: RequestValidator) -> None:
    # :variant1 lists its own table: tool_web_extractor is the base's, unknown on the variant
    body = with_value("qwen3-5-flash:variant1", "tool_web_extractor", True)
    assert pointers(check(validator, body)) == ["/tool_web_extractor"]
    assert check(validator, with_value("qwen3-5-flash", "tool_web_extractor", False)).valid


def test_rules_fire_on_explicit_values_only(validator: RequestValidator) -> None:
    # defaults (tool_web_extractor: true, tool_web_search: false) never invalidate a request
    assert check(validator, base_request("qwen3-5-flash")).valid
    assert check(validator, with_value("qwen3-5-flash", "enable_thinking", False)).valid
    result = check(validator, with_value("qwen3-5-flash", "tool_web_extractor", True))
    assert [(i.pointer, i.rule) for i in result.issues] == [("", "requires")]
    assert "tool_web_search" in result.issues[0].message
    body = {**with_value("qwen3-5-flash", "tool_web_extractor", True), "tool_web_search": True}
    body["enable_thinking"] = False
    result = check(validator, body)
    assert [(i.pointer, i.rule) for i in result.issues] == [("/enable_thinking", "requires")]
    body = {**with_value("qwen3-5-4b", "reasoning_effort", "none"), "enable_thinking": True}
    result = check(validator, body)
    assert [(i.pointer, i.rule) for i in result.issues] == [("/enable_thinking", "conflicts_with")]
    # reasoning_effort: none with thinking left at its default (true) is fine
    assert check(validator, with_value("qwen3-5-4b", "reasoning_effort", "none")).valid


def test_coming_soon_is_not_yet_available(validator: RequestValidator) -> None:
    result = check(validator, [base_request("alibaba:qwen@3.5-397b")])
    assert [(i.pointer, i.rule) for i in result.issues] == [("/0/model", "status")]
    assert "not yet available" in result.issues[0].message


def test_unknown_model(validator: RequestValidator) -> None:
    result = check(validator, {"model": "qwen3-5-4x", "messages": []})
    assert [(i.pointer, i.rule) for i in result.issues] == [("/model", "known_model")]
    assert "did you mean 'qwen3-5-4b'?" in result.issues[0].message


def test_modalities_gate_parts(validator: RequestValidator) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    body = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": [image]}]}
    assert check(validator, body).valid
    # Runware 27B takes text only: no inputs; 397B takes images and videos
    assert check(validator, [with_value("alibaba:qwen@3.5-27b", "inputs.images", ["u"])]).issues
    result = check(validator, [with_value("alibaba:qwen@3.5-397b", "inputs.images", ["u"])])
    assert [i.rule for i in result.issues] == ["status"]


def test_endpoint_dialects(validator: RequestValidator) -> None:
    assert check(validator, {"model": "qwen3-5-4b", "prompt": "Hi"}, endpoint="completions").valid
    result = check(validator, {"model": "qwen3-5-flash", "prompt": "Hi"}, endpoint="completions")
    assert [i.rule for i in result.issues] == ["endpoint"]
    body = {"model": "qwen3-5-4b", "input": "Hi", "max_output_tokens": 100}
    assert check(validator, body, endpoint="responses").valid
    assert not check(validator, {**body, "max_output_tokens": 40000}, endpoint="responses").valid
    msg = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hi"}]}
    result = check(validator, msg, endpoint="messages")
    assert [(i.pointer, i.rule, i.allowed) for i in result.issues] == [
        ("", "required", "max_tokens")
    ]
    assert check(
        validator, {**msg, "max_tokens": 100, "stop_sequences": ["x"]}, endpoint="messages"
    ).valid


def test_partial_enums_warn(validator: RequestValidator) -> None:
    task = with_value("alibaba:qwen@3.5-27b", "deliveryMethod", "async")
    result = check(validator, [task])
    assert result.valid
    assert ("/0/deliveryMethod", "values_known") in [(w.pointer, w.rule) for w in result.warnings]
    assert check(validator, [with_value("alibaba:qwen@3.5-27b", "deliveryMethod", "sync")]).valid
    # three distinct roles where the page says there are two: certainly wrong
    messages = [{"role": r, "content": "x"} for r in ("user", "assistant", "system")]
    result = check(validator, [{**base_request("alibaba:qwen@3.5-27b"), "messages": messages}])
    assert [(i.pointer, i.rule) for i in result.issues] == [("/0/messages/2/role", "values_count")]


def test_context_window(validator: RequestValidator) -> None:
    # 256K = 262,144 tokens. 2,000,000 bytes of digits are at least 2,000,000 tokens: certain.
    big = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "1" * 2_000_000}]}
    result = check(validator, big)
    assert [(i.pointer, i.rule) for i in result.issues] == [("", "context_window")]
    # 1,000,000 bytes of prose: typically ~250,000 tokens + 4,096 default max_tokens; the
    # lower bound (1,000,000/128) fits, so only a warning
    prose = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "abcd" * 250_000}]}
    result = check(validator, {**prose, "max_tokens": 20000})
    assert result.valid
    assert [w.rule for w in result.warnings] == ["context_window"]


@pytest.mark.parametrize(
    "model", ["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1", *RUNWARE]
)
def test_base_requests(validator: RequestValidator, model: str) -> None:
    result = check(validator, base_request(model))
    assert [i.rule for i in result.issues] == (
        [] if model != "alibaba:qwen@3.5-397b" else ["status"]
    )


@pytest.mark.parametrize(
    "body",
    [
        None,
        1,
        "x",
        [],
        [1],
        {},
        {"model": 5},
        {"model": "qwen3-5-4b", "messages": "x"},
        {"model": "qwen3-5-4b", "messages": [None]},
    ],
)
def test_odd_bodies_are_issues(validator: RequestValidator, body: Any) -> None:
    result = check(validator, body)
    assert not result.valid and result.issues


def test_duplicate_task_uuids(validator: RequestValidator) -> None:
    first = base_request("alibaba:qwen@3.5-27b")
    other = {**first, "taskUUID": "0b8a1f52-3c1d-4e5f-8a9b-0c1d2e3f4a5b"}
    assert check(validator, [first, other]).valid
    result = check(validator, [first, other, dict(first)])
    assert [(i.pointer, i.rule) for i in result.issues] == [("/2/taskUUID", "unique")]
    assert "already the taskUUID of task 0" in result.issues[0].message
    # UUIDs compare case-insensitively; every repeat is reported, each at its own task
    upper = {**other, "taskUUID": other["taskUUID"].upper()}
    result = check(validator, [first, other, upper, dict(first)])
    assert [(i.pointer, i.rule) for i in result.issues] == [
        ("/2/taskUUID", "unique"),
        ("/3/taskUUID", "unique"),
    ]
    assert "task 1" in result.issues[0].message
    # one task, or tasks without a string taskUUID (reported by the schema), are not repeats
    assert check(validator, first).valid
    missing = {k: v for k, v in first.items() if k != "taskUUID"}
    result = check(validator, [missing, dict(missing)])
    assert {i.rule for i in result.issues} == {"required"}
