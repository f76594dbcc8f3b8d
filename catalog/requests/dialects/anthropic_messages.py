"""Anthropic-style ``messages``: ``max_tokens`` is required, ``system`` is separate, the
table's ``stop`` goes by its Anthropic name ``stop_sequences`` (an array). Image blocks
only where the offering takes images; Anthropic has no video block, so none is accepted.
``tool_use``/``tool_result`` blocks, ``tools`` and ``tool_choice`` where tools are allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chat_completions import TOOL_FEATURES
from .common import allows, document, number, object_schema, param_schema, rule_schemas

if TYPE_CHECKING:
    from ...model import Offering


def _closed(required: list[str], **props: Any) -> dict[str, Any]:
    return {"required": required, "properties": props, "additionalProperties": False}


def blocks(offering: Offering, with_tools: bool) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "text": _closed(
            ["text"], type={}, text={"type": "string"}, cache_control={"type": "object"}
        )
    }
    if "image" in offering.input_modalities:
        source = {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {"enum": ["base64", "url"]},
                "media_type": {"type": "string"},
                "data": {"type": "string"},
                "url": {"type": "string"},
            },
            "additionalProperties": False,
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "base64"}}},
                    "then": {"required": ["media_type", "data"]},
                },
                {"if": {"properties": {"type": {"const": "url"}}}, "then": {"required": ["url"]}},
            ],
        }
        kinds["image"] = _closed(
            ["source"], type={}, source=source, cache_control={"type": "object"}
        )
    if with_tools:
        kinds["tool_use"] = _closed(
            ["id", "name", "input"],
            type={},
            id={"type": "string"},
            name={"type": "string"},
            input={"type": "object"},
        )
        kinds["tool_result"] = _closed(
            ["tool_use_id"],
            type={},
            tool_use_id={"type": "string"},
            content={"type": ["string", "array"]},
            is_error={"type": "boolean"},
        )
    block = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(kinds)}},
        "allOf": [
            {"if": {"properties": {"type": {"const": k}}}, "then": v} for k, v in kinds.items()
        ],
    }
    return {"type": ["string", "array"], "items": block}


def schema(offering: Offering) -> dict[str, Any]:
    params = dict(offering.parameters)
    stop = params.pop("stop", None)
    body = object_schema(params.values(), offering.id)
    props = body["properties"]
    with_tools = allows(offering, "tools", *TOOL_FEATURES)
    props["model"] = {"const": offering.id, "description": "The offering's id."}
    props["messages"] = {
        "type": "array",
        "minItems": 1,
        "items": _closed(
            ["role", "content"],
            role={"enum": ["user", "assistant"]},
            content=blocks(offering, with_tools),
        ),
    }
    props["system"] = {
        "type": ["string", "array"],
        "items": {
            "type": "object",
            **_closed(["type", "text"], type={"const": "text"}, text={"type": "string"}),
        },
    }
    if "max_tokens" not in props:
        props["max_tokens"] = {"type": "integer", "minimum": 1}
        if offering.max_output_tokens is not None:
            props["max_tokens"]["maximum"] = number(offering.max_output_tokens)
    if stop is not None:
        spec = param_schema(stop, offering.id)
        props["stop_sequences"] = {
            "type": "array",
            "items": spec.get("items", {"type": "string"}),
            **({"maxItems": spec["maxItems"]} if "maxItems" in spec else {}),
        }
    props.setdefault("stream", {"type": "boolean"})
    props["metadata"] = {"type": "object"}
    props.pop("response_format", None)
    props.pop("tools", None)
    props.pop("tool_choice", None)
    if with_tools:
        props["tools"] = {
            "type": "array",
            "items": {
                "type": "object",
                **_closed(
                    ["name", "input_schema"],
                    name={"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    description={"type": "string"},
                    input_schema={"type": "object"},
                ),
            },
        }
        props["tool_choice"] = {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {"enum": ["auto", "any", "tool", "none"]},
                "name": {"type": "string"},
                "disable_parallel_tool_use": {"type": "boolean"},
            },
            "additionalProperties": False,
            "allOf": [
                {"if": {"properties": {"type": {"const": "tool"}}}, "then": {"required": ["name"]}}
            ],
        }
    required = [r for r in body.get("required", []) if r != "max_tokens"]
    body["required"] = ["model", "messages", "max_tokens", *required]
    rules = rule_schemas(offering.rules, offering.parameters)
    if rules:
        body["allOf"] = rules
    return document(f"{offering.id} messages request", body)
