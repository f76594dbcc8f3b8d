"""OpenAI-compatible ``completions``: a ``prompt`` (text, texts, token ids or lists of token
ids) and the parameter table. Text input only: completions have no image or video parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import document, object_schema, rule_schemas

if TYPE_CHECKING:
    from ...model import Offering

PROMPT = {
    "type": ["string", "array"],
    "minItems": 1,
    "items": {
        "type": ["string", "integer", "array"],
        "minimum": 0,
        "items": {"type": "integer", "minimum": 0},
    },
    "description": "Text, a list of texts, a list of token ids, or a list of lists of token ids.",
}


def schema(offering: Offering) -> dict[str, Any]:
    body = object_schema(offering.parameters.values(), offering.id)
    props = body["properties"]
    props["model"] = {"const": offering.id, "description": "The offering's id."}
    props["prompt"] = PROMPT
    props.setdefault("stream", {"type": "boolean"})
    for name in ("tools", "tool_choice", "response_format"):
        props.pop(name, None)  # chat-only fields
    body["required"] = ["model", "prompt", *body.get("required", [])]
    rules = rule_schemas(offering.rules, offering.parameters)
    if rules:
        body["allOf"] = rules
    return document(f"{offering.id} completions request", body)
