"""Anthropic messages usage.

``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and ``cache_creation_input_tokens``:
the three are already disjoint, so nothing is subtracted (subtracting here is how cached
tokens get billed twice, or not at all). ``output_tokens`` includes any thinking and the
shape does not split it out, so all of it is output. ``server_tool_use`` counts
(``web_search_requests`` → ``web_search``, ``web_fetch_requests`` → ``web_fetch``) become
tool calls when no ``tool_usage`` map is given; zero counts are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .counts import Counts, details, get_count

SERVER_TOOLS = {"web_search_requests": "web_search", "web_fetch_requests": "web_fetch"}


def to_counts(usage: Mapping[str, Any]) -> Counts:
    inp = get_count(usage, "input_tokens", "usage.input_tokens", required=True)
    out = get_count(usage, "output_tokens", "usage.output_tokens", required=True)
    read = get_count(usage, "cache_read_input_tokens", "usage.cache_read_input_tokens")
    write = get_count(usage, "cache_creation_input_tokens", "usage.cache_creation_input_tokens")
    tools: dict[str, int] = {}
    server = details(usage, "server_tool_use", "usage.server_tool_use")
    for key, name in SERVER_TOOLS.items():
        calls = get_count(server, key, f"usage.server_tool_use.{key}")
        if calls:
            tools[name] = calls
    return inp, read, write, out, 0, tools
