"""Runware task usage (``runware.task``), as assumed.

The seeds document Runware's request options (``includeUsage``, ``includeCost``) but not the
response. We assume a textInference task result with ``includeUsage: true`` reports the
OpenAI chat convention in Runware's camelCase: ``promptTokens`` INCLUDES
``promptTokensDetails.cachedTokens`` and ``completionTokens`` INCLUDES
``completionTokensDetails.reasoningTokens``; ``totalTokens`` is their sum. The task's
``cost`` (with ``includeCost: true``) is the reported cost. A usage object written in
snake_case (Runware's OpenAI-compatible endpoint) is read as chat.completions usage. Any
other count is refused by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from . import openai_chat
from .counts import NO_EXTRA, Counts, Known, details, get_count, part_of, refuse_unknown

_NO_TOOLS: Mapping[str, int] = {}

KNOWN: Known = {
    "promptTokens": None,
    "completionTokens": None,
    "totalTokens": None,
    "promptTokensDetails": {"cachedTokens": None},
    "completionTokensDetails": {"reasoningTokens": None},
}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    if "promptTokens" not in usage and "prompt_tokens" in usage:
        return openai_chat.to_counts(usage)
    refuse_unknown(usage, KNOWN, "runware.task")
    prompt = get_count(usage, "promptTokens", "usage.promptTokens", required=True)
    completion = get_count(usage, "completionTokens", "usage.completionTokens", required=True)
    pd = details(usage, "promptTokensDetails", "usage.promptTokensDetails")
    cached = get_count(pd, "cachedTokens", "usage.promptTokensDetails.cachedTokens")
    part_of(cached, "usage.promptTokensDetails.cachedTokens", prompt, "usage.promptTokens")
    cd = details(usage, "completionTokensDetails", "usage.completionTokensDetails")
    reasoning = get_count(cd, "reasoningTokens", "usage.completionTokensDetails.reasoningTokens")
    part_of(
        reasoning,
        "usage.completionTokensDetails.reasoningTokens",
        completion,
        "usage.completionTokens",
    )
    if usage.get("totalTokens") is not None:
        stated = get_count(usage, "totalTokens", "usage.totalTokens")
        if stated != prompt + completion:
            raise ShapeError(
                f"usage.totalTokens ({stated}) is not usage.promptTokens + "
                f"usage.completionTokens ({prompt} + {completion} = {prompt + completion})"
            )
    return prompt - cached, cached, 0, completion - reasoning, reasoning, _NO_TOOLS, NO_EXTRA
