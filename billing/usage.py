"""The canonical usage value every provider shape is turned into.

Token kinds are disjoint: ``input`` excludes cached reads and cache writes, and ``output``
excludes reasoning. So no token can be priced twice, whatever shape it was reported in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from catalog.kinds import INPUT_KINDS
from catalog.model import tier_count


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
    #: counts of the kinds beyond the five above (``catalog.kinds``: ``cache_write_1h``,
    #: ``output_audio``, ``input_tool``…), each above 0 and disjoint from every other kind
    extra: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def prompt_tokens(self) -> int:
        """Every input token: uncached, cache reads and cache writes, of every modality."""
        n = self.input + self.cache_read + self.cache_write
        if self.extra:
            n += sum(v for k, v in self.extra.items() if k in INPUT_KINDS)
        return n

    @property
    def completion_tokens(self) -> int:
        """Every output token, reasoning included, of every modality."""
        n = self.output + self.reasoning
        if self.extra:
            n += sum(v for k, v in self.extra.items() if k not in INPUT_KINDS)
        return n

    def kinds(self) -> dict[str, int]:
        """Every token kind's count above 0 (the five base kinds and the extra ones)."""
        out = {
            k: v
            for k, v in (
                ("input", self.input),
                ("cache_read", self.cache_read),
                ("cache_write", self.cache_write),
                ("output", self.output),
                ("reasoning", self.reasoning),
            )
            if v
        }
        out.update(self.extra)
        return out

    def tier_count(self, by: str) -> int:
        """The count a plan's tiers are selected by (catalog.model.tier_count, the one tier
        rule, over :meth:`kinds`). ValueError for an unknown ``by``."""
        return tier_count(by, self.kinds())
