"""Hand-written requests and the seeds' parameter bounds, shared by the validation tests and
the ajv cross-check. Every bound below is copied from a seed page, not from the cards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

UUID = "0b1f7d5c-3a0e-4c8e-9f55-2b7d3e9a1c44"

# (model, parameter path, type, minimum, maximum, step) as the seed pages print them.
BOUNDS: list[tuple[str, str, str, str, str, str | None]] = [
    # 000 Qwen3.5 4B
    ("qwen3-5-4b", "temperature", "number", "0", "2", None),
    ("qwen3-5-4b", "top_p", "number", "0", "1", None),
    ("qwen3-5-4b", "max_tokens", "integer", "1", "32768", None),
    ("qwen3-5-4b", "thinking_budget", "integer", "1024", "32768", None),
    ("qwen3-5-4b", "top_k", "integer", "1", "200", None),
    ("qwen3-5-4b", "min_p", "number", "0", "1", None),
    ("qwen3-5-4b", "presence_penalty", "number", "-2", "2", None),
    ("qwen3-5-4b", "frequency_penalty", "number", "-2", "2", None),
    ("qwen3-5-4b", "repetition_penalty", "number", "0.1", "2", None),
    ("qwen3-5-4b", "seed", "integer", "0", "2147483647", None),
    ("qwen3-5-4b", "top_logprobs", "integer", "0", "20", None),
    # 001 Qwen3.5 Flash
    ("qwen3-5-flash", "temperature", "number", "0", "2", None),
    ("qwen3-5-flash", "top_p", "number", "0", "1", None),
    ("qwen3-5-flash", "max_tokens", "number", "1", "32768", None),
    ("qwen3-5-flash", "max_pixels", "number", "1", "99999999", None),
    ("qwen3-5-flash", "video_fps", "number", "0.1", "10", None),
    # 001 :variant1
    ("qwen3-5-flash:variant1", "temperature", "number", "0", "2", None),
    ("qwen3-5-flash:variant1", "top_p", "number", "0", "1", None),
    ("qwen3-5-flash:variant1", "max_tokens", "number", "1", "65536", None),
    ("qwen3-5-flash:variant1", "thinking_budget", "number", "1", "80000", None),
    ("qwen3-5-flash:variant1", "max_pixels", "number", "4096", "16777216", None),
    ("qwen3-5-flash:variant1", "video_fps", "number", "0.1", "10", None),
]
for _model in ("alibaba:qwen@3.5-27b", "alibaba:qwen@3.5-397b"):
    BOUNDS += [
        (_model, "settings.temperature", "number", "0", "2", "0.01"),
        (_model, "settings.topP", "number", "0", "1", "0.01"),
        (_model, "settings.frequencyPenalty", "number", "0", "2", "0.01"),
        (_model, "settings.maxTokens", "integer", "1", "65536", None),
        (_model, "settings.minP", "number", "0", "1", "0.01"),
        (_model, "settings.presencePenalty", "number", "0", "2", "0.01"),
        (_model, "settings.repetitionPenalty", "number", "0", "2", "0.01"),
        (_model, "settings.topK", "integer", "1", "100", None),
        (_model, "seed", "integer", "0", "4294967295", None),
        (_model, "numberResults", "integer", "1", "4", None),
    ]

RUNWARE = ("alibaba:qwen@3.5-27b", "alibaba:qwen@3.5-397b")


def base_request(model: str) -> Any:
    """The smallest valid request for ``model`` (a chat request, or one Runware task)."""
    if model in RUNWARE:
        return {
            "taskType": "textInference",
            "taskUUID": UUID,
            "model": model,
            "messages": [{"role": "user", "content": "Hello"}],
        }
    return {"model": model, "messages": [{"role": "user", "content": "Hello"}]}


def with_value(model: str, path: str, value: Any) -> Any:
    body = base_request(model)
    node = body
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return body


def pointer_of(path: str) -> str:
    return "/" + path.replace(".", "/")


def below(kind: str, low: str, step: str | None) -> Decimal:
    return Decimal(low) - (
        Decimal(step) if step else Decimal(1) if kind == "integer" else Decimal("0.01")
    )


def above(kind: str, high: str, step: str | None) -> Decimal:
    return Decimal(high) + (
        Decimal(step) if step else Decimal(1) if kind == "integer" else Decimal("0.01")
    )


def number(text: Decimal | str) -> Any:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


def corpus() -> list[tuple[str, str, Any, bool]]:
    """(name, endpoint, body, expected valid) for the cross-check with ajv. Only cases whose
    verdict the schema alone decides (no context window, no partial-enum counting)."""
    cases: list[tuple[str, str, Any, bool]] = []
    for model, path, kind, low, high, step in BOUNDS:
        endpoint = "runware.task" if model in RUNWARE else "chat.completions"
        if model == "alibaba:qwen@3.5-397b":
            continue  # coming soon: the schema accepts it, the catalog does not
        for label, value, ok in (
            ("min", number(low), True),
            ("max", number(high), True),
            ("below", number(below(kind, low, step)), False),
            ("above", number(above(kind, high, step)), False),
            ("string", "0.5", False),
            ("bool", True, False),
        ):
            cases.append((f"{model} {path} {label}", endpoint, with_value(model, path, value), ok))
        if kind == "integer":
            cases.append(
                (
                    f"{model} {path} fraction",
                    endpoint,
                    with_value(model, path, Decimal("1.5")),
                    False,
                )
            )
    for model in ("qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1", "alibaba:qwen@3.5-27b"):
        endpoint = "runware.task" if model in RUNWARE else "chat.completions"
        cases.append((f"{model} base", endpoint, base_request(model), True))
        cases.append((f"{model} unknown", endpoint, with_value(model, "temprature", 1), False))
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    cases += [
        (
            "4b image part",
            "chat.completions",
            {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": [image]}]},
            True,
        ),
        (
            "4b stop of 5",
            "chat.completions",
            with_value("qwen3-5-4b", "stop", ["a", "b", "c", "d", "e"]),
            False,
        ),
        (
            "4b stop of 4",
            "chat.completions",
            with_value("qwen3-5-4b", "stop", ["a", "b", "c", "d"]),
            True,
        ),
        (
            "4b effort none",
            "chat.completions",
            with_value("qwen3-5-4b", "reasoning_effort", "none"),
            True,
        ),
        (
            "4b effort none + thinking",
            "chat.completions",
            {**with_value("qwen3-5-4b", "reasoning_effort", "none"), "enable_thinking": True},
            False,
        ),
        (
            "flash extractor alone",
            "chat.completions",
            with_value("qwen3-5-flash", "tool_web_extractor", True),
            False,
        ),
        (
            "flash extractor + search",
            "chat.completions",
            {**with_value("qwen3-5-flash", "tool_web_extractor", True), "tool_web_search": True},
            True,
        ),
        (
            "flash interpreter without thinking",
            "chat.completions",
            {
                **with_value("qwen3-5-flash", "tool_code_interpreter", True),
                "enable_thinking": False,
            },
            False,
        ),
        (
            "flash thinking off alone",
            "chat.completions",
            with_value("qwen3-5-flash", "enable_thinking", False),
            True,
        ),
        (
            "variant1 has no tool_code_interpreter",
            "chat.completions",
            with_value("qwen3-5-flash:variant1", "tool_code_interpreter", True),
            False,
        ),
        (
            "variant1 has no top_k",
            "chat.completions",
            with_value("qwen3-5-flash:variant1", "top_k", 20),
            False,
        ),
        (
            "27b bad uuid",
            "runware.task",
            {**base_request("alibaba:qwen@3.5-27b"), "taskUUID": "not-a-uuid"},
            False,
        ),
        (
            "27b uuid v1",
            "runware.task",
            {
                **base_request("alibaba:qwen@3.5-27b"),
                "taskUUID": "0b1f7d5c-3a0e-1c8e-9f55-2b7d3e9a1c44",
            },
            False,
        ),
        (
            "27b no inputs",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "inputs.images", ["x"]),
            False,
        ),
        (
            "27b batch",
            "runware.task",
            [
                base_request("alibaba:qwen@3.5-27b"),
                {
                    **base_request("alibaba:qwen@3.5-27b"),
                    "taskUUID": "5d3c2b1a-0f9e-4d8c-b7a6-958473625140",
                },
            ],
            True,
        ),
        (
            "27b empty content",
            "runware.task",
            {**base_request("alibaba:qwen@3.5-27b"), "messages": [{"role": "user", "content": ""}]},
            False,
        ),
        (
            "27b system prompt 131072",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "settings.systemPrompt", "x" * 131072),
            True,
        ),
        (
            "27b system prompt 131073",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "settings.systemPrompt", "x" * 131073),
            False,
        ),
        (
            "27b temperature 0.07",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "settings.temperature", Decimal("0.07")),
            True,
        ),
        (
            "27b temperature 0.005",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "settings.temperature", Decimal("0.005")),
            False,
        ),
        (
            "27b topP 0.333",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "settings.topP", Decimal("0.333")),
            False,
        ),
        (
            "27b webhook",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "webhookURL", "https://example.com/hook"),
            True,
        ),
        (
            "27b webhook not uri",
            "runware.task",
            with_value("alibaba:qwen@3.5-27b", "webhookURL", "not a uri"),
            False,
        ),
    ]
    return cases
