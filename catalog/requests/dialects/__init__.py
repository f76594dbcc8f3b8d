"""One module per request dialect; each turns an offering into the JSON Schema of a request.

``DIALECTS`` maps an endpoint name (DESIGN.md §5) to its builder. A builder takes a resolved
offering (a variant already merged) and returns a draft 2020-12 schema. Schemas are built at
compile time only; validation works on the compiled, cached form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import anthropic_messages, chat_completions, completions, responses, runware_task

if TYPE_CHECKING:
    from ...model import Offering

DIALECTS: dict[str, Callable[[Offering], dict[str, Any]]] = {
    "chat.completions": chat_completions.schema,
    "completions": completions.schema,
    "responses": responses.schema,
    "messages": anthropic_messages.schema,
    "runware.task": runware_task.schema,
}

__all__ = ["DIALECTS"]
