"""Which request dialect (endpoint) a body is written in, when the caller does not say.

Used by the request validator and by billing's estimate (``ratecard validate|estimate``
without ``--endpoint``). Imports nothing heavy: start-up time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MESSAGES_KEYS = ("system", "stop_sequences", "thinking", "anthropic_version")
_MESSAGES_BLOCKS = ("tool_use", "tool_result", "document", "thinking", "redacted_thinking")


def _anthropic_like(body: Mapping[str, Any]) -> bool:
    """Marks only Anthropic's messages API has: a top-level ``system``, ``stop_sequences`` or
    ``thinking``, tools with ``input_schema``, or content blocks of Anthropic's types (an image
    block with a ``source``)."""
    if any(key in body for key in _MESSAGES_KEYS):
        return True
    tools = body.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return True
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict) and (
                block.get("type") in _MESSAGES_BLOCKS
                or (block.get("type") == "image" and "source" in block)
            ):
                return True
    return False


def infer_endpoint(body: Any) -> str:
    """The dialect a body looks like: an array or a task object is ``runware.task``;
    ``prompt`` means completions, ``input`` responses; ``messages`` with a mark of Anthropic's
    API (:func:`_anthropic_like`) means messages; else chat.completions."""
    if isinstance(body, list):
        return "runware.task"
    if isinstance(body, dict):
        if "taskType" in body or "taskUUID" in body:
            return "runware.task"
        if "prompt" in body and "messages" not in body:
            return "completions"
        if "input" in body and "messages" not in body:
            return "responses"
        if _anthropic_like(body):
            return "messages"
    return "chat.completions"


__all__ = ["infer_endpoint"]
