"""Validation kinds the other tests leave out: steps that need the exponent shift (checked
against exact fractions), the fast path leaving the caller's body as it was, and a Runware
value of the wrong type where the step tree expects an object."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import RequestValidator
from catalog.requests.checks import _Findings, multiple_of
from catalog.requests.jsonnum import as_decimal, is_multiple, is_number, parse_request

from .request_corpus import base_request

D = Decimal


@pytest.mark.parametrize(
    ("value", "step", "want"),
    [
        # value / step by hand
        ("0.50", "0.1", True),  # 0.50 / 0.1 = 5: the value has more places than the step
        ("1", "0.5", True),  # 1 / 0.5 = 2: an integer value, a decimal step
        ("0.5", "0.25", True),  # 0.5 / 0.25 = 2: the step has more places than the value
        ("2", "0.5", True),  # 4
        ("3.0", "1.5", True),  # 2
        ("4", "1.5", False),  # 2.666...
        ("0.55", "0.1", False),  # 5.5
        ("0.05", "0.1", False),  # 0.5
        ("0.75", "0.5", False),  # 1.5
        ("1.5", "1", False),  # 1.5
        ("100", "1E+1", True),  # 10: a step with a positive exponent
        ("105", "1E+1", False),  # 10.5
        ("1E+2", "30", False),  # 3.333...
        ("1E+2", "0.5", True),  # 200
        ("0.00", "0.1", True),  # 0
        ("-0.3", "0.1", True),  # -3
        ("-0.35", "0.1", False),  # -3.5
        ("0", "0", True),  # 0 is the only multiple of 0
        ("7", "0", False),
        ("1E-20", "0.1", False),  # 1E-19
        ("1E-3", "1E-3", True),  # 1
        ("0.003", "0.001", True),  # 3
        ("0.0031", "0.001", False),  # 3.1
        ("0.5", "0.04", False),  # 12.5: a step whose digits share factors with 10
        ("1", "0.08", False),  # 12.5
        ("2", "0.08", True),  # 25
        ("0.20", "1", False),  # 0.2: the value's 20 is a multiple of 20 but not of 100
        ("3.00", "1", True),  # 3
    ],
)
def test_is_multiple_by_hand(value: str, step: str, want: bool) -> None:
    assert is_multiple(D(value), D(step)) is want


decimals = st.builds(
    lambda n, e: D(n).scaleb(e), st.integers(-(10**6), 10**6), st.integers(-12, 12)
)
steps = st.builds(lambda n, e: D(n).scaleb(e), st.integers(1, 999), st.integers(-6, 3))


@given(value=decimals, step=steps)
def test_is_multiple_agrees_with_fractions(value: Decimal, step: Decimal) -> None:
    assert is_multiple(value, step) is ((Fraction(value) / Fraction(step)).denominator == 1)


@given(k=st.integers(-(10**6), 10**6), step=steps)
def test_every_whole_multiple_is_a_multiple(k: int, step: Decimal) -> None:
    assert is_multiple(step * k, step)


def test_numbers() -> None:
    assert is_number(1) and is_number(D("0.5")) and is_number(0.5)
    assert not is_number(True) and not is_number("1") and not is_number(None)
    assert as_decimal(True) is None and as_decimal("1") is None
    assert as_decimal(D("NaN")) is None and as_decimal(float("inf")) is None
    assert as_decimal(0.07) == D("0.07")  # the float's shortest text, not its binary value
    assert as_decimal(7) == D(7) and as_decimal(D("7E-2")) == D("0.07")


def test_fast_path_leaves_the_callers_body_untouched(validator: RequestValidator) -> None:
    body = parse_request(
        '{"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "hi"}], '
        '"temperature": 0.70, "top_p": 0.9}'
    )
    before = copy.deepcopy(body)
    result = validator.validate(body)
    assert result.valid and result.issues == () and result.warnings == ()
    assert body == before
    assert str(body["temperature"]) == "0.70"  # the very value, not a copy of it
    assert result.request is body
    again = validator.validate(body)  # and again: nothing was taken out the first time
    assert again.valid and body == before


def test_fast_path_rejects_a_decimal_out_of_range(validator: RequestValidator) -> None:
    for text, pointer in (
        ('"temperature": 2.5', "/temperature"),
        ('"temperature": -0.1', "/temperature"),
        ('"max_tokens": 10.5', "/max_tokens"),
    ):
        body = parse_request(
            '{"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "hi"}], ' + text + "}"
        )
        result = validator.validate(body)
        assert not result.valid, text
        assert [i.pointer for i in result.issues] == [pointer], text


def test_runware_value_of_the_wrong_type_where_steps_expect_an_object(
    validator: RequestValidator,
) -> None:
    task = base_request("alibaba:qwen@3.5-27b")
    task["settings"] = "warm"
    result = validator.validate([task])
    assert not result.valid
    assert [(i.pointer, i.rule) for i in result.issues] == [("/0/settings", "type")]
    task["settings"] = [D("0.5")]
    result = validator.validate([task])
    assert [(i.pointer, i.rule) for i in result.issues] == [("/0/settings", "type")]


def test_runware_step_inside_settings(validator: RequestValidator) -> None:
    task = base_request("alibaba:qwen@3.5-27b")
    task["settings"] = {"temperature": D("0.705")}  # 70.5 steps of 0.01
    result = validator.validate([task])
    assert [(i.pointer, i.rule) for i in result.issues] == [
        ("/0/settings/temperature", "multipleOf")
    ]
    assert result.issues[0].message == (
        "settings.temperature must be a multiple of 0.01; got 0.705"
    )
    task["settings"] = {"temperature": D("0.70")}  # 70 steps
    assert validator.validate([task]).valid


def test_runware_string_that_names_a_setting(validator: RequestValidator) -> None:
    """A string is not searched for setting names (``"temperature" in "temperature"``)."""
    task = base_request("alibaba:qwen@3.5-27b")
    task["settings"] = "temperature"
    result = validator.validate([task])
    assert [(i.pointer, i.rule) for i in result.issues] == [("/0/settings", "type")]


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ('"temperature": 2.0', True),  # on the maximum
        ('"temperature": 0.0', True),  # on the minimum
        ('"temperature": 2.01', False),
        ('"temperature": -0.01', False),
        ('"max_tokens": 12.0', True),  # a whole Decimal where an integer is wanted
        ('"max_tokens": 12.5', False),
    ],
)
def test_fast_path_takes_decimals_on_the_bounds(
    validator: RequestValidator, text: str, fast: bool
) -> None:
    """The fast path answers for a Decimal on a bound; outside the range it leaves the request
    to the full path (which words the issue)."""
    body = parse_request(
        '{"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "hi"}], ' + text + "}"
    )
    quick = validator._quick(body, None)
    assert (quick is not None) is fast
    assert validator.validate(body).valid is fast


HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("body", "endpoint"),
    [
        ({"model": "qwen3-5-4b", "messages": HI}, None),
        ({"model": "qwen3-5-4b", "messages": HI}, "chat.completions"),
        ({"model": "qwen3-5-4b", "messages": HI, "max_tokens": 100}, None),
        ({"model": "qwen3-5-4b", "messages": HI, "temperature": D("0.5"), "top_p": D("1")}, None),
        ({"model": "qwen3-5-flash", "messages": HI, "enable_thinking": True}, None),
    ],
)
def test_fast_path_answers_plain_valid_requests(
    validator: RequestValidator, body: dict[str, object], endpoint: str | None
) -> None:
    """The fast path exists for these: plain chat requests, valid, nothing to warn about."""
    quick = validator._quick(body, endpoint)
    assert quick is not None
    assert (quick.valid, quick.model, quick.issues, quick.warnings) == (
        True,
        body["model"],
        (),
        (),
    )
    assert quick.request is body


@pytest.mark.parametrize(
    ("body", "endpoint"),
    [
        ({"model": "qwen3-5-4b", "messages": HI}, "no.such.endpoint"),
        # an offering with a context window: only plain chat prompts are bounded quickly
        ({"model": "qwen3-5-4b", "input": "hi"}, None),
        ({"model": "qwen3-5-4b", "prompt": "hi"}, "completions"),
        ({"model": "no-such-model", "messages": HI}, None),
        ({"model": "qwen3-5-4b", "messages": HI, "temperature": D("NaN")}, None),
        ({"model": "qwen3-5-4b", "messages": HI, "temperature": "0.5"}, None),
        ({"model": "qwen3-5-4b", "messages": "hi"}, None),
        ({"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "x" * 300_000}]}, None),
        ({"model": "alibaba:qwen@3.5-27b", "taskType": "textInference"}, None),
    ],
)
def test_fast_path_leaves_the_rest_to_the_full_path(
    validator: RequestValidator, body: dict[str, object], endpoint: str | None
) -> None:
    assert validator._quick(body, endpoint) is None


def test_steps_inside_array_items(validator: RequestValidator) -> None:
    """A step on the items of an array (no bundled card has one; the step tree allows it)."""
    found = _Findings()
    tree = {"items": {"step": D("0.5"), "allowed": "multiples of 0.5"}}
    # 1 and 1.5 are multiples of 0.5; 0.7 is not (1.4 steps); a string is not a number
    multiple_of(tree, [D("1"), D("0.7"), D("1.5"), "x"], ["weights"], (2,), found)
    assert [(i.pointer, i.rule, i.allowed) for i in found.issues] == [
        ("/2/weights/1", "multipleOf", "multiples of 0.5")
    ]
    assert found.issues[0].message.endswith("must be a multiple of 0.5; got 0.7")
    found = _Findings()
    multiple_of(tree, {"not": "a list"}, ["weights"], (), found)
    assert found.issues == []


def test_a_single_runware_task_with_a_step(validator: RequestValidator) -> None:
    """A Runware task sent as one object (not an array) still gets the decimal step check:
    the fast path leaves offerings with steps to the full path."""
    task = base_request("alibaba:qwen@3.5-27b")
    task["settings"] = {"temperature": D("0.705")}
    assert validator._quick(task, None) is None
    result = validator.validate(task)
    assert [(i.pointer, i.rule) for i in result.issues] == [("/settings/temperature", "multipleOf")]


def test_fast_path_without_a_context_window() -> None:
    """An offering without a context window (the vec cards): the fast path still answers
    only plain role + string messages; content blocks go to the full path."""
    from pathlib import Path

    from catalog import load_catalog
    from catalog.requests.schemas import compile_requests

    cards = Path(__file__).resolve().parents[1] / "billing" / "vectors" / "cards"
    vec = RequestValidator(compile_requests(load_catalog(cards)))
    plain = {"model": "upper-in", "messages": HI}
    assert vec._quick(plain, None) is not None
    blocks = {
        "model": "upper-in",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    assert vec._quick(blocks, None) is None
    assert vec.validate(blocks).valid


def _vec_validator() -> RequestValidator:
    from pathlib import Path

    from catalog import load_catalog
    from catalog.requests.schemas import compile_requests

    cards = Path(__file__).resolve().parents[1] / "billing" / "vectors" / "cards"
    return RequestValidator(compile_requests(load_catalog(cards)))


def test_fast_path_infers_a_dialect_without_a_context_window() -> None:
    """A chat body with Anthropic keys on an offering without a context window: the fast path
    infers the messages endpoint (as the full path does) and answers without a prompt bound
    (the plain-chat bound is only for chat.completions)."""
    vec = _vec_validator()
    body = {"model": "upper-in", "messages": HI, "system": "Be brief.", "max_tokens": 64}
    quick = vec._quick(body, None)
    assert quick is not None
    assert (quick.valid, quick.endpoint) == (True, "messages")
    assert vec.validate(body).endpoint == "messages"


# qwen3-5-4b: context window 262,144 tokens, max_tokens default 4,096. The fast path's prompt
# bound for one plain message of c characters is 4·c + 8 (one message) + 16 (the request):
# c = 64,506 → 258,024 + 24 = 258,048, and 258,048 + 4,096 = 262,144: exactly the window.
ON_WINDOW = 64_506


@pytest.mark.parametrize(
    ("chars", "max_tokens", "fast"),
    [
        (ON_WINDOW, None, True),  # 258,048 + 4,096 (default) = 262,144: on the window
        (ON_WINDOW + 1, None, False),  # 258,052 + 4,096 = 262,148 > 262,144
        (ON_WINDOW, 4_096, True),  # explicit, the same sum
        (ON_WINDOW, 4_097, False),  # 258,048 + 4,097 = 262,145
        (ON_WINDOW + 1, 100, True),  # 258,052 + 100: an explicit limit below the default
    ],
)
def test_fast_path_context_window_edge(
    validator: RequestValidator, chars: int, max_tokens: int | None, fast: bool
) -> None:
    """The fast path answers only when prompt bound + output limit fits the window (the
    explicit max_tokens, else the default); otherwise the full path estimates (and here the
    request is valid: the estimate is far lower than 4 bytes a character)."""
    body: dict[str, object] = {
        "model": "qwen3-5-4b",
        "messages": [{"role": "user", "content": "x" * chars}],
    }
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    assert (validator._quick(body, None) is not None) is fast
    assert validator.validate(body).valid


def test_fast_path_leaves_steps_to_the_full_path(validator: RequestValidator) -> None:
    """An endpoint with a decimal step (today only Runware tasks, which the fast path never
    routes) must go to the full path: the fast schema has no multipleOf, so the fast path
    would call 0.55 valid for a step of 0.1 (5.5 steps)."""
    route = validator._route("qwen3-5-4b", "chat.completions")
    assert route is not None
    steps = {"props": {"temperature": {"step": D("0.1"), "allowed": "multiples of 0.1"}}}
    validator._routes[("qwen3-5-4b", "chat.completions")] = route._replace(
        entry=route.entry._replace(steps=steps)
    )
    try:
        body = {"model": "qwen3-5-4b", "messages": HI, "temperature": D("0.55")}  # 5.5 steps
        assert validator._quick(body, None) is None
    finally:
        validator._routes[("qwen3-5-4b", "chat.completions")] = route


def test_fast_path_infers_responses_for_an_offering_without_a_window(
    validator: RequestValidator,
) -> None:
    """A body without ``messages`` is never taken for plain chat: the fast path infers its
    endpoint (responses for ``input``) like the full path. Every bundled offering has a context
    window (and then only plain chat is bounded quickly), so the route is given none here."""
    key = ("qwen3-5-4b", "responses")
    route = validator._route(*key)
    assert route is not None
    validator._routes[key] = route._replace(info=route.info._replace(context_window=None))
    try:
        quick = validator._quick({"model": "qwen3-5-4b", "input": "hi"}, None)
        assert quick is not None
        assert (quick.valid, quick.endpoint) == (True, "responses")
    finally:
        validator._routes[key] = route
