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
