"""Anthropic messages usage.

``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and ``cache_creation_input_tokens``:
the three are already disjoint, so nothing is subtracted (subtracting here is how cached
tokens get billed twice, or not at all). ``cache_creation`` splits the writes by duration
(``ephemeral_5m_input_tokens`` at the 5-minute write rate, ``ephemeral_1h_input_tokens`` at
the 1-hour rate); when both are given they must add up to ``cache_creation_input_tokens``.
``output_tokens`` includes any thinking and the shape does not split it out, so all of it is
output. ``server_tool_use`` counts (``web_search_requests`` → ``web_search``,
``web_fetch_requests`` → ``web_fetch``) become tool calls when no ``tool_usage`` map is given;
zero counts are dropped. ``service_tier`` (``standard``, ``priority``, ``batch``) is read by
:mod:`billing.records` as the price context. Any other count is refused by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, Known, add_kind, details, get_count, refuse_unknown

SERVER_TOOLS = {"web_search_requests": "web_search", "web_fetch_requests": "web_fetch"}

KNOWN: Known = {
    "input_tokens": None,
    "output_tokens": None,
    "cache_read_input_tokens": None,
    "cache_creation_input_tokens": None,
    "cache_creation": {"ephemeral_5m_input_tokens": None, "ephemeral_1h_input_tokens": None},
    "server_tool_use": {"web_search_requests": None, "web_fetch_requests": None},
}


def server_tools(usage: Mapping[str, Any]) -> dict[str, int]:
    """``server_tool_use`` as tool calls (zero counts dropped)."""
    tools: dict[str, int] = {}
    server = details(usage, "server_tool_use", "usage.server_tool_use")
    for key, name in SERVER_TOOLS.items():
        calls = get_count(server, key, f"usage.server_tool_use.{key}")
        if calls:
            tools[name] = calls
    return tools


def to_counts(usage: Mapping[str, Any]) -> Counts:
    refuse_unknown(usage, KNOWN, "messages")
    inp = get_count(usage, "input_tokens", "usage.input_tokens", required=True)
    out = get_count(usage, "output_tokens", "usage.output_tokens", required=True)
    read = get_count(usage, "cache_read_input_tokens", "usage.cache_read_input_tokens")
    write = get_count(usage, "cache_creation_input_tokens", "usage.cache_creation_input_tokens")
    extra: dict[str, int] = {}
    cc = details(usage, "cache_creation", "usage.cache_creation")
    if cc:
        w5 = get_count(
            cc, "ephemeral_5m_input_tokens", "usage.cache_creation.ephemeral_5m_input_tokens"
        )
        w1 = get_count(
            cc, "ephemeral_1h_input_tokens", "usage.cache_creation.ephemeral_1h_input_tokens"
        )
        if usage.get("cache_creation_input_tokens") is None:
            write = w5 + w1
        elif w5 + w1 != write:
            raise ShapeError(
                f"usage.cache_creation (5m {w5} + 1h {w1} = {w5 + w1}) and "
                f"usage.cache_creation_input_tokens ({write}) report the same writes and disagree"
            )
        add_kind(extra, "cache_write_5m", w5)
        add_kind(extra, "cache_write_1h", w1)
        write -= w5 + w1
    return inp, read, write, out, 0, server_tools(usage), extra
