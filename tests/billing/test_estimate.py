"""Worst-case estimates, computed by hand from the seed tables."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from billing.estimating import EstimateError, estimate
from catalog import Catalog
from ratecard.cli import main

HELLO = [{"role": "user", "content": "Hello"}]
# prompt upper bound: "Hello" 5 bytes + 8 per message + 16 per request = 29 tokens
NO_TOOLS = {
    "tool_web_extractor": False,
    "tool_code_interpreter": False,
    "tool_web_search_image": False,
    "tool_image_search": False,
}


def test_flash_with_max_tokens(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-flash", "messages": HELLO, "max_tokens": 100, **NO_TOOLS}
    result = estimate(body, catalog=catalog)
    # 29 × 0.090 / 1e6 = 0.00000261; 100 × 0.368 / 1e6 = 0.0000368; total 0.00003941
    assert result.worst_case == Decimal("0.00003941")
    assert any("floor" not in a and "max_tokens" in a for a in result.assumptions)


def test_flash_default_tools_each_priced_once(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-flash", "messages": HELLO, "max_tokens": 100}
    result = estimate(body, catalog=catalog)
    # tokens 0.00003941 (above) + image search rows: tool_web_search_image and
    # tool_image_search on by default, 2 calls × 0.012 = 0.024; extractor and code free
    assert result.worst_case == Decimal("0.02403941")
    assert result.tasks[0].tool_calls["image_search"] == 2
    assert any("floor" in a for a in result.assumptions)


def test_variant1_thinking_budget_and_web_search_fee(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-flash:variant1", "messages": HELLO, "tool_web_search": True}
    result = estimate(body, catalog=catalog)
    # input 29 × 0.029 / 1e6 = 0.000000841
    # output: max_tokens default 4096 × 0.287 / 1e6 = 0.001175552
    # thinking_budget default 32768 × 0.287 / 1e6 = 0.009404416 (on top of max_tokens)
    # request:web_search 0.01; tool:web_search 1 × 0 (included)
    # total 0.000000841 + 0.001175552 + 0.009404416 + 0.01 = 0.020580809
    assert result.worst_case == Decimal("0.020580809")


def test_thinking_off_adds_nothing(catalog: Catalog) -> None:
    body = {
        "model": "qwen3-5-4b",
        "messages": HELLO,
        "max_tokens": 1000,
        "enable_thinking": False,
    }
    # 29 × 0.04 / 1e6 = 0.00000116; 1000 × 0.07 / 1e6 = 0.00007; total 0.00007116
    assert estimate(body, catalog=catalog).worst_case == Decimal("0.00007116")


def test_unpublished_runware_is_an_error(catalog: Catalog) -> None:
    task = {
        "taskType": "textInference",
        "taskUUID": "0b8f5a2e-7c1d-4f6a-9b3e-2d4c6e8f0a1b",
        "model": "alibaba:qwen@3.5-27b",
        "messages": HELLO,
    }
    with pytest.raises(EstimateError, match="unpublished"):
        estimate([task], catalog=catalog)


def test_unknown_model(catalog: Catalog) -> None:
    with pytest.raises(EstimateError, match="did you mean"):
        estimate({"model": "qwen3-5-flsh", "messages": HELLO}, catalog=catalog)


def test_budget_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "req.json"
    body = {"model": "qwen3-5-flash", "messages": HELLO, "max_tokens": 100, **NO_TOOLS}
    path.write_text(json.dumps(body), encoding="utf-8")
    assert main(["estimate", "--budget", "0.0001", str(path)]) == 0
    assert main(["estimate", "--budget", "0.00003", str(path)]) == 1
    capsys.readouterr()
    assert main(["estimate", "--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["worst_case"] == "0.00003941"
    assert doc["assumptions"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([{"taskType": "textInference", "model": "alibaba:qwen@3.5-27b"}], "runware.task"),
        ({"taskType": "textInference", "model": "alibaba:qwen@3.5-27b"}, "runware.task"),
        ({"model": "qwen3-5-4b", "messages": HELLO}, "chat.completions"),
        ({"model": "qwen3-5-4b", "prompt": "Hello"}, "completions"),
        ({"model": "qwen3-5-4b", "input": "Hello"}, "responses"),
        ({"model": "qwen3-5-4b", "system": "Be brief", "messages": HELLO}, "messages"),
        ({"model": "qwen3-5-4b", "messages": HELLO, "thinking": {"type": "enabled"}}, "messages"),
        ({"model": "qwen3-5-4b", "messages": HELLO, "stop_sequences": ["x"]}, "messages"),
        (
            {
                "model": "qwen3-5-4b",
                "messages": [
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}
                ],
            },
            "messages",
        ),
    ],
)
def test_endpoint_from_the_body(body: object, expected: str) -> None:
    from billing.estimating import detect_endpoint

    assert detect_endpoint(body) == expected


def test_responses_body_is_read_as_responses(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-4b", "input": "Hello", "max_output_tokens": 100}
    result = estimate(body, catalog=catalog)
    assert result.endpoint == "responses"
    task = result.tasks[0]
    # the input string counts (5 bytes + 8 + 16 = 29) and max_output_tokens caps the output
    assert (task.prompt_tokens, task.output_tokens, task.reasoning_tokens) == (29, 100, 4096)
    # 29 × 0.04 / 1e6 = 0.00000116; 100 × 0.07 / 1e6 = 0.000007;
    # 4096 × 0.07 / 1e6 = 0.00028672 (default thinking_budget on top); total 0.00029488
    assert result.worst_case == Decimal("0.00029488")


def test_anthropic_body_is_read_as_messages(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-4b", "system": "Be brief", "max_tokens": 100, "messages": HELLO}
    result = estimate(body, catalog=catalog)
    assert result.endpoint == "messages"
    task = result.tasks[0]
    # system 8 bytes + "Hello" 5 + 2 messages × 8 + 16 = 45; thinking inside max_tokens
    assert (task.prompt_tokens, task.output_tokens, task.reasoning_tokens) == (45, 100, 0)
    # 45 × 0.04 / 1e6 = 0.0000018; 100 × 0.07 / 1e6 = 0.000007; total 0.0000088
    assert result.worst_case == Decimal("0.0000088")


def test_completions_body(catalog: Catalog) -> None:
    body = {"model": "qwen3-5-4b", "prompt": "Hello", "max_tokens": 10}
    result = estimate(body, catalog=catalog)
    assert result.endpoint == "completions"
    assert result.tasks[0].output_tokens == 10


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{bad", "the request is not valid JSON"),
        ('{"model": "qwen3-5-4x", "messages": []}', "did you mean 'qwen3-5-4b'?"),
        ('{"messages": []}', "the request has no model"),
        ("[]", "the request has no tasks"),
        (
            '[{"taskType": "textInference", "model": "alibaba:qwen@3.5-27b", '
            '"messages": [{"role": "user", "content": "hi"}]}]',
            "unpublished",
        ),
    ],
)
def test_errors_go_to_stderr_as_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, error: str
) -> None:
    path = tmp_path / "body.json"
    path.write_text(text)
    # bad input is exit 1 (DESIGN.md §5); the JSON document says no estimate was made
    assert main(["estimate", "--budget", "1", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ratecard: ") and error in captured.err
    assert main(["estimate", "--json", str(path)]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["worst_case"] is None and error in doc["error"]
    assert error in captured.err


def test_endpoint_the_offering_does_not_serve(catalog: Catalog) -> None:
    # flash serves chat.completions, responses and messages: a completions body is an error
    with pytest.raises(EstimateError, match="qwen3-5-flash does not serve completions"):
        estimate({"model": "qwen3-5-flash", "prompt": "hi", "max_tokens": 10}, catalog=catalog)
    with pytest.raises(EstimateError, match=r"does not serve runware\.task"):
        estimate({"model": "qwen3-5-4b", "messages": HELLO}, "runware.task", catalog=catalog)
    # an inferred endpoint yields to an offering's only one (as validate does): a Runware
    # model's body without taskType is a Runware task, and its unpublished price fails
    with pytest.raises(EstimateError, match=r"alibaba:qwen@3\.5-27b has no published price"):
        estimate({"model": "alibaba:qwen@3.5-27b", "messages": HELLO}, catalog=catalog)


@pytest.mark.parametrize(
    ("value", "shown"), [('"lots"', '"lots"'), ("100.5", "100.5"), ("true", "true"), ("-1", "-1")]
)
def test_bad_output_cap_is_an_error_not_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, shown: str
) -> None:
    path = tmp_path / "body.json"
    path.write_text(
        '{"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hello"}], '
        f'"max_tokens": {value}}}'
    )
    assert main(["estimate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"max_tokens must be a whole number of tokens to estimate the output; got {shown}" in err


def test_output_cap_above_the_maximum_is_priced_and_said(catalog: Catalog) -> None:
    body = {
        "model": "qwen3-5-4b",
        "messages": HELLO,
        "max_tokens": 100000,
        "enable_thinking": False,
    }
    result = estimate(body, catalog=catalog)
    # 29 × 0.04 / 1e6 = 0.00000116; 100000 × 0.07 / 1e6 = 0.007; total 0.00700116
    assert result.worst_case == Decimal("0.00700116")
    assert any("above qwen3-5-4b's max output (32,768 tokens)" in a for a in result.assumptions)


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        # a string "true" would otherwise leave the $0.01 request fee and the tool out
        (
            {"tool_web_search": "true"},
            'tool_web_search must be true or false to estimate the cost; got "true"',
        ),
        (
            {"enable_thinking": "no"},
            'enable_thinking must be true or false to estimate the cost; got "no"',
        ),
        (
            {"thinking_budget": "x"},
            'thinking_budget must be a whole number of tokens to estimate the reasoning; got "x"',
        ),
        (
            {"thinking_budget": Decimal("10.5")},
            "thinking_budget must be a whole number of tokens to estimate the reasoning; got 10.5",
        ),
    ],
)
def test_unreadable_switches_are_errors(
    catalog: Catalog, extra: dict[str, object], error: str
) -> None:
    body = {"model": "qwen3-5-flash:variant1", "messages": HELLO, **extra}
    with pytest.raises(EstimateError) as caught:
        estimate(body, catalog=catalog)
    assert caught.value.message == error


@pytest.mark.parametrize(("value", "shown"), [("4", '"4"'), (0, "0"), (True, "true")])
def test_unreadable_number_results_is_an_error(catalog: Catalog, value: object, shown: str) -> None:
    # checked before pricing (whose unpublished Runware rates would fail next)
    task = {"taskType": "textInference", "model": "alibaba:qwen@3.5-27b", "messages": HELLO}
    with pytest.raises(EstimateError) as caught:
        estimate([{**task, "numberResults": value}], catalog=catalog)
    assert caught.value.message == (
        f"numberResults must be a whole number of at least 1 to estimate the cost; got {shown}"
    )
