"""One module per provider usage shape, each turning a ``usage`` object into the canonical,
disjoint counts (input, cache_read, cache_write, output, reasoning, tools).

=================  ==========================================================
endpoint           module
=================  ==========================================================
chat.completions   :mod:`.openai_chat` (prompt includes cached; completion
completions        includes reasoning)
responses          :mod:`.openai_responses` (same inclusions, other names)
messages           :mod:`.anthropic_messages` (input EXCLUDES cache read/write)
runware.task       :mod:`.runware_task` (assumed; see the module)
=================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ShapeError
from . import anthropic_messages, openai_chat, openai_responses, runware_task
from .counts import Counts

Shape = Callable[[Mapping[str, Any]], Counts]

SHAPES: dict[str, Shape] = {
    "chat.completions": openai_chat.to_counts,
    "completions": openai_chat.to_counts,
    "responses": openai_responses.to_counts,
    "messages": anthropic_messages.to_counts,
    "runware.task": runware_task.to_counts,
}

__all__ = ["SHAPES", "Counts", "Shape", "ShapeError"]
