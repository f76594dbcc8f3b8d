"""Match rules at run time: which offering a model id a provider returns names.

genai-prices maps the ids that responses carry (``claude-sonnet-4-5-20250929``,
``gpt-4o-2024-08-06``) to its models with clauses (equals, starts-with, ends-with,
contains, regex, any-of, all-of). Cards keep those clauses (``match:``) and the catalog
consults them after the exact id. Comparison is in lower case, as genai-prices does; a regex
is searched in the lower-cased id (genai-prices lower-cases the id before its clauses run).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Matcher:
    """One match clause. ``kind`` is equals, starts_with, ends_with, contains, regex,
    any_of or all_of; ``text`` holds the lower-cased operand (the pattern for regex) and
    ``parts`` the clauses of any_of / all_of."""

    kind: str
    text: str = ""
    parts: tuple[Matcher, ...] = ()
    pattern: re.Pattern[str] | None = None

    def test(self, ref: str) -> bool:
        """Whether the lower-cased id ``ref`` matches."""
        kind = self.kind
        if kind == "equals":
            return ref == self.text
        if kind == "starts_with":
            return ref.startswith(self.text)
        if kind == "ends_with":
            return ref.endswith(self.text)
        if kind == "contains":
            return self.text in ref
        if kind == "regex":
            assert self.pattern is not None
            return self.pattern.search(ref) is not None
        if kind == "any_of":
            return any(p.test(ref) for p in self.parts)
        return all(p.test(ref) for p in self.parts)

    def equals_only(self) -> frozenset[str] | None:
        """The ids this matches when it is only equals clauses (a lookup, not a scan)."""
        if self.kind == "equals":
            return frozenset({self.text})
        if self.kind == "any_of":
            found: set[str] = set()
            for part in self.parts:
                sub = part.equals_only()
                if sub is None:
                    return None
                found |= sub
            return frozenset(found)
        return None

    def literals(self) -> Iterator[str]:
        """Every equals operand inside (the ids the rule names outright)."""
        if self.kind == "equals":
            yield self.text
        for part in self.parts:
            yield from part.literals()


def build_matcher(rule: Any) -> Matcher:
    """A :class:`Matcher` from a :class:`catalog.cards.MatchRule` (or anything with the same
    attributes). Raises ``re.error`` for a regex that does not compile."""
    for kind in ("equals", "starts_with", "ends_with", "contains"):
        value = getattr(rule, kind, None)
        if value is not None:
            return Matcher(kind, value.lower())
    if getattr(rule, "regex", None) is not None:
        return Matcher("regex", rule.regex, pattern=re.compile(rule.regex))
    if getattr(rule, "any_of", None) is not None:
        return Matcher("any_of", parts=tuple(build_matcher(r) for r in rule.any_of))
    return Matcher("all_of", parts=tuple(build_matcher(r) for r in rule.all_of or ()))


__all__ = ["Matcher", "build_matcher"]
