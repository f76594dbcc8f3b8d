"""OpenAI-style embeddings usage (``embeddings``): ``prompt_tokens`` is every token, all
input; ``total_tokens``, when given, must equal it (an embedding has no output). Any other
count is refused by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import NO_EXTRA, Counts, Known, get_count, refuse_unknown

KNOWN: Known = {"prompt_tokens": None, "total_tokens": None}
_NO_TOOLS: Mapping[str, int] = {}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    refuse_unknown(usage, KNOWN, "embeddings")
    prompt = get_count(usage, "prompt_tokens", "usage.prompt_tokens", required=True)
    if usage.get("total_tokens") is not None:
        stated = get_count(usage, "total_tokens", "usage.total_tokens")
        if stated != prompt:
            raise ShapeError(
                f"usage.total_tokens ({stated}) is not usage.prompt_tokens ({prompt}): "
                "an embedding has no output tokens"
            )
    return prompt, 0, 0, 0, 0, _NO_TOOLS, NO_EXTRA
