"""OpenAI Responses usage.

``input_tokens`` INCLUDES ``input_tokens_details.cached_tokens``; ``output_tokens`` INCLUDES
``output_tokens_details.reasoning_tokens``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, details, get_count, part_of

_NO_TOOLS: Mapping[str, int] = {}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    inp = get_count(usage, "input_tokens", "usage.input_tokens", required=True)
    out = get_count(usage, "output_tokens", "usage.output_tokens", required=True)
    idt = details(usage, "input_tokens_details", "usage.input_tokens_details")
    cached = get_count(idt, "cached_tokens", "usage.input_tokens_details.cached_tokens")
    part_of(cached, "usage.input_tokens_details.cached_tokens", inp, "usage.input_tokens")
    odt = details(usage, "output_tokens_details", "usage.output_tokens_details")
    reasoning = get_count(odt, "reasoning_tokens", "usage.output_tokens_details.reasoning_tokens")
    part_of(reasoning, "usage.output_tokens_details.reasoning_tokens", out, "usage.output_tokens")
    if usage.get("total_tokens") is not None:
        stated = get_count(usage, "total_tokens", "usage.total_tokens")
        if stated != inp + out:
            raise ShapeError(
                f"usage.total_tokens ({stated}) is not usage.input_tokens + "
                f"usage.output_tokens ({inp} + {out} = {inp + out})"
            )
    return inp - cached, cached, 0, out - reasoning, reasoning, _NO_TOOLS
