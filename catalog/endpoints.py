"""The request endpoints (dialects) ratecard knows, and where each puts its output-token cap.

The one table of both: the card format's ``endpoints`` field, the validator, the request
schemas, ``ratecard validate|estimate --endpoint`` and billing's estimate all read it. Each
endpoint's request schema is built by ``catalog.requests.dialects.DIALECTS`` (keyed the same).
Imports nothing heavy: ``ratecard validate`` reads it at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

#: An endpoint (request dialect) name, as cards and usage records write it.
Endpoint = Literal["chat.completions", "completions", "responses", "messages", "runware.task"]

#: Every endpoint, in the order messages list them.
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)

#: Endpoints whose usage records billing prices (billing.shapes) but that have no request
#: dialect, output cap or card ``endpoints`` entry yet: Gemini's generateContent and OpenAI's
#: embeddings (issue 10's usage shapes). A record names them in ``endpoint``.
USAGE_ONLY_ENDPOINTS: tuple[str, ...] = ("generate_content", "embeddings")

#: Where a request puts its output-token cap, per endpoint: every spelling, the first given
#: wins. Chat Completions' newer ``max_completion_tokens`` comes before ``max_tokens``.
OUTPUT_CAPS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "chat.completions": (("max_completion_tokens",), ("max_tokens",)),
    "completions": (("max_tokens",),),
    "responses": (("max_output_tokens",),),
    "messages": (("max_tokens",),),
    "runware.task": (("settings", "maxTokens"),),
}

#: The cap the request schemas bound by the offering's max output and the validator checks:
#: the last (classic) spelling of :data:`OUTPUT_CAPS`, the one cards name as a parameter.
MAX_TOKENS_PATH: Mapping[str, tuple[str, ...]] = {
    endpoint: paths[-1] for endpoint, paths in OUTPUT_CAPS.items()
}

__all__ = ["ENDPOINTS", "MAX_TOKENS_PATH", "OUTPUT_CAPS", "USAGE_ONLY_ENDPOINTS", "Endpoint"]
