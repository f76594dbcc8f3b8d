"""The canonical usage value every provider shape is turned into.

Token kinds are disjoint: ``input`` excludes cached reads and cache writes, and ``output``
excludes reasoning. So no token can be priced twice, whatever shape it was reported in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class Usage:
    input: int = 0  #: uncached input tokens
    cache_read: int = 0  #: input tokens read from a cache
    cache_write: int = 0  #: input tokens written to a cache
    output: int = 0  #: output tokens, reasoning excluded
    reasoning: int = 0  #: reasoning (thinking) tokens
    tools: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    #: request parameters that change the price (tool_web_search: true)
    request: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def prompt_tokens(self) -> int:
        """Every input token: uncached, cache reads and cache writes."""
        return self.input + self.cache_read + self.cache_write

    @property
    def completion_tokens(self) -> int:
        """Every output token, reasoning included."""
        return self.output + self.reasoning
