"""One module per provider usage shape, each turning a ``usage`` object into the canonical,
disjoint counts (input, cache_read, cache_write, output, reasoning, tools, and the other
kinds of :mod:`catalog.kinds`). A count a shape does not read is refused by name.

=================  ==========================================================
endpoint           module
=================  ==========================================================
chat.completions   :mod:`.openai_chat` (prompt includes cached; completion
completions        includes reasoning)
responses          :mod:`.openai_responses` (same inclusions, other names)
messages           :mod:`.anthropic_messages` (input EXCLUDES cache read/write)
generate_content   :mod:`.gemini_generate_content` (prompt includes cached;
                   thoughts and tool-use prompt stand beside)
embeddings         :mod:`.openai_embeddings` (all input)
runware.task       :mod:`.runware_task` (assumed; see the module)
=================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ShapeError
from . import (
    anthropic_messages,
    gemini_generate_content,
    openai_chat,
    openai_embeddings,
    openai_responses,
    runware_task,
)
from .counts import Counts

Shape = Callable[[Mapping[str, Any]], Counts]

SHAPES: dict[str, Shape] = {
    "chat.completions": openai_chat.to_counts,
    "completions": openai_chat.to_counts,
    "responses": openai_responses.to_counts,
    "messages": anthropic_messages.to_counts,
    "runware.task": runware_task.to_counts,
    "generate_content": gemini_generate_content.to_counts,
    "embeddings": openai_embeddings.to_counts,
}

__all__ = ["SHAPES", "Counts", "Shape", "ShapeError"]
