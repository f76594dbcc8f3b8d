"""OpenAI chat.completions and completions usage, and the gateway-normalised variant LiteLLM
returns for every provider.

``prompt_tokens`` INCLUDES its cached reads, cache writes and audio/image/video tokens;
``completion_tokens`` INCLUDES reasoning, audio and image tokens (the split is in
:mod:`.openai_common`). LiteLLM adds Anthropic's names at the top level
(``cache_creation_input_tokens``, ``cache_read_input_tokens``) beside its own
(``prompt_tokens_details.cache_creation_tokens``, ``cached_tokens``): each pair must agree.
Its ``server_tool_use.web_search_requests`` become ``web_search`` calls, as in
:mod:`.anthropic_messages`. Any other count is refused by name (:func:`.counts.refuse_unknown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .anthropic_messages import server_tools
from .counts import MAX_COUNT, NO_EXTRA, Counts, Known, details, get_count, part_of, refuse_unknown
from .openai_common import IN_DETAILS_KNOWN, OUT_DETAILS_KNOWN, split

_NO_TOOLS: Mapping[str, int] = {}

KNOWN: Known = {
    "prompt_tokens": None,
    "completion_tokens": None,
    "total_tokens": None,
    "prompt_tokens_details": IN_DETAILS_KNOWN,
    "completion_tokens_details": OUT_DETAILS_KNOWN,
    "cache_creation_input_tokens": None,
    "cache_read_input_tokens": None,
    "server_tool_use": {"web_search_requests": None, "web_fetch_requests": None},
}
#: The plain record (nothing but these keys) takes the short path below.
_PLAIN = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
        "cost",
        "cost_usd",
        "tool_usage",
    }
)
#: The keys :func:`quick_counts` reads (no cost, no tool map, no service tier: those take
#: the full reader).
_QUICK = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    }
)


def to_counts(usage: Mapping[str, Any]) -> Counts:
    pd = usage.get("prompt_tokens_details")
    cd = usage.get("completion_tokens_details")
    if (
        _PLAIN.issuperset(usage)
        and (pd is None or (type(pd) is dict and pd.keys() <= {"cached_tokens"}))
        and (cd is None or (type(cd) is dict and cd.keys() <= {"reasoning_tokens"}))
    ):
        return _plain(usage, pd or {}, cd or {})
    refuse_unknown(usage, KNOWN, "chat.completions")
    tools = server_tools(usage)
    counts = split(
        usage,
        "prompt_tokens",
        "completion_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
        tools or _NO_TOOLS,
    )
    _total(usage, counts)
    return counts


def _plain(usage: Mapping[str, Any], pd: Mapping[str, Any], cd: Mapping[str, Any]) -> Counts:
    prompt = get_count(usage, "prompt_tokens", "usage.prompt_tokens", required=True)
    completion = get_count(usage, "completion_tokens", "usage.completion_tokens", required=True)
    cached = get_count(pd, "cached_tokens", "usage.prompt_tokens_details.cached_tokens")
    part_of(cached, "usage.prompt_tokens_details.cached_tokens", prompt, "usage.prompt_tokens")
    reasoning = get_count(
        cd, "reasoning_tokens", "usage.completion_tokens_details.reasoning_tokens"
    )
    part_of(
        reasoning,
        "usage.completion_tokens_details.reasoning_tokens",
        completion,
        "usage.completion_tokens",
    )
    counts = (prompt - cached, cached, 0, completion - reasoning, reasoning, _NO_TOOLS, NO_EXTRA)
    _total(usage, counts)
    return counts


def quick_counts(
    usage: dict[str, Any], _max: int = MAX_COUNT, _keys: frozenset[str] = _QUICK
) -> tuple[int, int, int, int, int] | None:
    """The counts of the common well-formed usage object, or None when it needs
    :func:`to_counts` (which reads every other case and words every error).

    Taken only when every check :func:`to_counts` makes passes here: the keys are a subset
    of ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
    ``prompt_tokens_details: {cached_tokens}`` and ``completion_tokens_details:
    {reasoning_tokens}``; every count is an ``int`` (not a bool) in 0..:data:`MAX_COUNT`; the
    cached tokens are at most the prompt, the reasoning at most the completion, and the total
    (when given) is the prompt plus the completion. Returns ``(input, cache_read,
    cache_write, output, reasoning)``, the disjoint kinds of :func:`to_counts`.
    """
    if not _keys.issuperset(usage):
        return None
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    if type(prompt) is not int or type(completion) is not int:
        return None
    if not (0 <= prompt <= _max and 0 <= completion <= _max):
        return None
    cached: Any = 0
    reasoning: Any = 0
    pd = usage.get("prompt_tokens_details")
    if pd is not None:
        if type(pd) is not dict:
            return None
        if pd:
            cached = pd.get("cached_tokens")
            if len(pd) != 1 or type(cached) is not int or not 0 <= cached <= prompt:
                return None
    cd = usage.get("completion_tokens_details")
    if cd is not None:
        if type(cd) is not dict:
            return None
        if cd:
            reasoning = cd.get("reasoning_tokens")
            if len(cd) != 1 or type(reasoning) is not int or not 0 <= reasoning <= completion:
                return None
    total = usage.get("total_tokens")
    if total is not None and (type(total) is not int or total != prompt + completion):
        return None
    return prompt - cached, cached, 0, completion - reasoning, reasoning


def _total(usage: Mapping[str, Any], counts: Counts) -> None:
    if usage.get("total_tokens") is None:
        return
    stated = get_count(usage, "total_tokens", "usage.total_tokens")
    prompt = get_count(usage, "prompt_tokens", "usage.prompt_tokens")
    completion = get_count(usage, "completion_tokens", "usage.completion_tokens")
    if stated != prompt + completion:
        raise ShapeError(
            f"usage.total_tokens ({stated}) is not usage.prompt_tokens + "
            f"usage.completion_tokens ({prompt} + {completion} = {prompt + completion})"
        )
    del counts


__all__ = ["KNOWN", "details", "to_counts"]
