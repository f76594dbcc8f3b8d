"""OpenAI-compatible ``responses``: ``input`` (text or a list of items), ``instructions``,
``max_output_tokens`` (the table's ``max_tokens`` under its Responses name) and the rest of
the parameter table. ``input_image`` parts only where the offering takes images; function
call items and ``tools`` where the offering allows tools; ``text.format`` where it allows
structured output. Video has no Responses part type, so none is accepted."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .chat_completions import FORMAT_FEATURES, RESPONSE_FORMAT, TOOL_FEATURES
from .common import allows, document, object_schema, rule_schemas

if TYPE_CHECKING:
    from ...model import Offering

RENAMES = {"max_tokens": "max_output_tokens"}


def _closed(required: list[str], **props: Any) -> dict[str, Any]:
    return {"required": required, "properties": props, "additionalProperties": False}


def input_schema(offering: Offering, with_tools: bool) -> dict[str, Any]:
    parts: dict[str, dict[str, Any]] = {
        "input_text": _closed(["text"], type={}, text={"type": "string"}),
        "output_text": _closed(["text"], type={}, text={"type": "string"}, annotations={}),
    }
    if "image" in offering.input_modalities:
        parts["input_image"] = {
            "anyOf": [{"required": ["image_url"]}, {"required": ["file_id"]}],
            **_closed(
                [],
                type={},
                image_url={"type": "string", "minLength": 1},
                file_id={"type": "string"},
                detail={"enum": ["auto", "low", "high"]},
            ),
        }
    part = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(parts)}},
        "allOf": [
            {"if": {"properties": {"type": {"const": k}}}, "then": v} for k, v in parts.items()
        ],
    }
    message = _closed(
        ["role", "content"],
        type={"const": "message"},
        role={"enum": ["system", "developer", "user", "assistant"]},
        content={"type": ["string", "array"], "items": part},
    )
    kinds: dict[str, dict[str, Any]] = {"message": message}
    if with_tools:
        kinds["function_call"] = _closed(
            ["type", "call_id", "name", "arguments"],
            type={},
            id={"type": "string"},
            call_id={"type": "string"},
            name={"type": "string"},
            arguments={"type": "string"},
        )
        kinds["function_call_output"] = _closed(
            ["type", "call_id", "output"],
            type={},
            call_id={"type": "string"},
            output={"type": "string"},
        )
    item = {
        "type": "object",
        "properties": {"type": {"enum": list(kinds)}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": k}}, "required": ["type"]},
                "then": v,
            }
            for k, v in kinds.items()
            if k != "message"
        ]
        + [
            {
                "if": {
                    "anyOf": [
                        {"not": {"required": ["type"]}},
                        {"properties": {"type": {"const": "message"}}},
                    ]
                },
                "then": message,
            }
        ],
    }
    return {"type": ["string", "array"], "items": item}


def schema(offering: Offering) -> dict[str, Any]:
    params = [
        replace(p, name=RENAMES[p.name], path=(RENAMES[p.name],)) if p.name in RENAMES else p
        for p in offering.parameters.values()
    ]
    body = object_schema(params, offering.id)
    props = body["properties"]
    props["model"] = {"const": offering.id, "description": "The offering's id."}
    with_tools = allows(offering, "tools", *TOOL_FEATURES)
    props["input"] = input_schema(offering, with_tools)
    props["instructions"] = {"type": "string"}
    props.setdefault("stream", {"type": "boolean"})
    props.pop("response_format", None)
    props.pop("tools", None)
    props.pop("tool_choice", None)
    if with_tools:
        props["tools"] = {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "name"],
                "properties": {
                    "type": {"const": "function"},
                    "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    "description": {"type": "string"},
                    "parameters": {"type": "object"},
                    "strict": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        }
        props["tool_choice"] = {
            "type": ["string", "object"],
            "if": {"type": "string"},
            "then": {"enum": ["none", "auto", "required"]},
        }
    if allows(offering, "response_format", *FORMAT_FEATURES):
        fmt = dict(RESPONSE_FORMAT)
        props["text"] = {
            "type": "object",
            "properties": {"format": {"type": "object"}},
            "additionalProperties": False,
        }
        del fmt
    body["required"] = ["model", "input", *body.get("required", [])]
    rules = rule_schemas(offering.rules, offering.parameters, RENAMES)
    if rules:
        body["allOf"] = rules
    return document(f"{offering.id} responses request", body)
