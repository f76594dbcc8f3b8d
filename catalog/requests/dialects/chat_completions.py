"""OpenAI-compatible ``chat.completions``: messages with text, image and video parts.

Image parts (``image_url``) are allowed only where the offering takes image input, video
parts (``video_url``, and ``video`` as a list of frames) only where it takes video. Tools,
``tool_choice`` and the ``tool`` role are allowed where the parameter table lists ``tools``
or the features include ``function_calling``; ``response_format`` where the table lists it
or the features include ``structured_output`` or ``json_mode``. Every other field comes from
the parameter table; anything else is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import allows, document, object_schema, rule_schemas

if TYPE_CHECKING:
    from ...model import Offering

TOOL_FEATURES = ("function_calling",)
FORMAT_FEATURES = ("structured_output", "json_mode")


def _closed(required: list[str], **props: Any) -> dict[str, Any]:
    return {"required": required, "properties": props, "additionalProperties": False}


def part_types(offering: Offering) -> dict[str, dict[str, Any]]:
    """Content part type → the schema of the rest of the part."""
    url = {"type": "object", **_closed(["url"], url={"type": "string", "minLength": 1})}
    parts: dict[str, dict[str, Any]] = {"text": _closed(["text"], type={}, text={"type": "string"})}
    if "image" in offering.input_modalities:
        image_url = {
            "type": "object",
            **_closed(
                ["url"],
                url={"type": "string", "minLength": 1},
                detail={"enum": ["auto", "low", "high"]},
            ),
        }
        parts["image_url"] = _closed(["image_url"], type={}, image_url=image_url)
    if "video" in offering.input_modalities:
        parts["video_url"] = _closed(["video_url"], type={}, video_url=url)
        frames = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
        parts["video"] = _closed(["video"], type={}, video=frames)
    return parts


def content_schema(parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    part = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(parts)}},
        "allOf": [
            {"if": {"properties": {"type": {"const": name}}}, "then": rest}
            for name, rest in parts.items()
        ],
    }
    return {"type": ["string", "array"], "items": part}


def tool_schemas() -> dict[str, Any]:
    function = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            "description": {"type": "string"},
            "parameters": {"type": "object"},
            "strict": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    tool = {
        "type": "object",
        "required": ["type", "function"],
        "properties": {"type": {"const": "function"}, "function": function},
        "additionalProperties": False,
    }
    named = {
        "type": "object",
        "required": ["type", "function"],
        "properties": {
            "type": {"const": "function"},
            "function": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }
    return {"tool": tool, "named_choice": named}


RESPONSE_FORMAT = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["text", "json_object", "json_schema"]},
        "json_schema": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                "description": {"type": "string"},
                "schema": {"type": "object"},
                "strict": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "json_schema"}}},
            "then": {"required": ["json_schema"]},
        }
    ],
}


def messages_schema(offering: Offering, with_tools: bool) -> dict[str, Any]:
    roles = ["system", "user", "assistant"] + (["tool"] if with_tools else [])
    props: dict[str, Any] = {
        "role": {"enum": roles},
        "content": {**content_schema(part_types(offering)), "type": ["string", "array", "null"]},
        "name": {"type": "string"},
    }
    rules: list[dict[str, Any]] = [
        {
            "if": {"properties": {"role": {"enum": ["system", "user", "tool"]}}},
            "then": {
                "required": ["content"],
                "properties": {"content": {"type": ["string", "array"]}},
            },
        }
    ]
    if with_tools:
        props["tool_calls"] = {"type": "array", "items": {"type": "object"}}
        props["tool_call_id"] = {"type": "string"}
        rules.append(
            {
                "if": {"properties": {"role": {"const": "tool"}}},
                "then": {"required": ["tool_call_id"]},
            }
        )
    message = {
        "type": "object",
        "required": ["role"],
        "properties": props,
        "additionalProperties": False,
        "allOf": rules,
    }
    return {"type": "array", "minItems": 1, "items": message}


def schema(offering: Offering) -> dict[str, Any]:
    params = offering.parameters
    body = object_schema(params.values(), offering.id)
    props = body["properties"]
    props["model"] = {"const": offering.id, "description": "The offering's id."}
    with_tools = allows(offering, "tools", *TOOL_FEATURES)
    props["messages"] = messages_schema(offering, with_tools)
    props.setdefault("stream", {"type": "boolean"})
    if with_tools:
        tools = tool_schemas()
        props["tools"] = {"type": "array", "items": tools["tool"]}
        choice_types = (
            params["tool_choice"].types if "tool_choice" in params else ("string", "object")
        )
        choice: dict[str, Any] = tools["named_choice"]
        if "string" in choice_types:
            choice = {
                "type": ["string", "object"],
                "if": {"type": "string"},
                "then": {"enum": ["none", "auto", "required"]},
                "else": tools["named_choice"],
            }
        props["tool_choice"] = choice
    else:
        props.pop("tools", None)
        props.pop("tool_choice", None)
    if allows(offering, "response_format", *FORMAT_FEATURES):
        props["response_format"] = RESPONSE_FORMAT
    body["required"] = ["model", "messages", *body.get("required", [])]
    rules = rule_schemas(offering.rules, params)
    if rules:
        body["allOf"] = rules
    return document(f"{offering.id} chat.completions request", body)
