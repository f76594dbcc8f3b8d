"""OpenAI chat.completions and completions usage.

``prompt_tokens`` INCLUDES ``prompt_tokens_details.cached_tokens`` (cache reads) and, where a
provider reports them there, cache writes (``cache_creation_input_tokens`` as Alibaba's
OpenAI-compatible API does, or ``cache_write_tokens``). ``completion_tokens`` INCLUDES
``completion_tokens_details.reasoning_tokens``. Each included part is subtracted once, so the
canonical kinds are disjoint and nothing is priced twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, details, get_count, part_of

_NO_TOOLS: Mapping[str, int] = {}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    prompt = get_count(usage, "prompt_tokens", "usage.prompt_tokens", required=True)
    completion = get_count(usage, "completion_tokens", "usage.completion_tokens", required=True)
    pd = details(usage, "prompt_tokens_details", "usage.prompt_tokens_details")
    cached = get_count(pd, "cached_tokens", "usage.prompt_tokens_details.cached_tokens")
    part_of(cached, "usage.prompt_tokens_details.cached_tokens", prompt, "usage.prompt_tokens")
    writes = 0
    write_field = ""
    for key in ("cache_creation_input_tokens", "cache_write_tokens"):
        if pd.get(key) is not None:
            write_field = f"usage.prompt_tokens_details.{key}"
            writes = get_count(pd, key, write_field)
            break
    if writes:
        part_of(
            cached + writes,
            f"usage.prompt_tokens_details.cached_tokens + {write_field}",
            prompt,
            "usage.prompt_tokens",
        )
    cd = details(usage, "completion_tokens_details", "usage.completion_tokens_details")
    reasoning = get_count(
        cd, "reasoning_tokens", "usage.completion_tokens_details.reasoning_tokens"
    )
    part_of(
        reasoning,
        "usage.completion_tokens_details.reasoning_tokens",
        completion,
        "usage.completion_tokens",
    )
    total = usage.get("total_tokens")
    if total is not None:
        stated = get_count(usage, "total_tokens", "usage.total_tokens")
        if stated != prompt + completion:
            raise ShapeError(
                f"usage.total_tokens ({stated}) is not usage.prompt_tokens + "
                f"usage.completion_tokens ({prompt} + {completion} = {prompt + completion})"
            )
    return prompt - cached - writes, cached, writes, completion - reasoning, reasoning, _NO_TOOLS
