"""OpenAI Responses usage.

``input_tokens`` INCLUDES ``input_tokens_details.cached_tokens``, its
``cache_write_tokens`` and its audio/image tokens; ``output_tokens`` INCLUDES
``output_tokens_details.reasoning_tokens`` and audio tokens. The split is the chat one
(:mod:`.openai_common`) under these names. Any other count is refused by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, Known, get_count, refuse_unknown
from .openai_common import IN_DETAILS_KNOWN, OUT_DETAILS_KNOWN, split

_NO_TOOLS: Mapping[str, int] = {}

KNOWN: Known = {
    "input_tokens": None,
    "output_tokens": None,
    "total_tokens": None,
    "input_tokens_details": IN_DETAILS_KNOWN,
    "output_tokens_details": OUT_DETAILS_KNOWN,
}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    refuse_unknown(usage, KNOWN, "responses")
    counts = split(
        usage,
        "input_tokens",
        "output_tokens",
        "input_tokens_details",
        "output_tokens_details",
        _NO_TOOLS,
    )
    if usage.get("total_tokens") is not None:
        stated = get_count(usage, "total_tokens", "usage.total_tokens")
        inp = get_count(usage, "input_tokens", "usage.input_tokens")
        out = get_count(usage, "output_tokens", "usage.output_tokens")
        if stated != inp + out:
            raise ShapeError(
                f"usage.total_tokens ({stated}) is not usage.input_tokens + "
                f"usage.output_tokens ({inp} + {out} = {inp + out})"
            )
    return counts
