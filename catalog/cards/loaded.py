"""A card as read from disk, with its source positions and what failed validation: shared by
the loader and the cross-card checks (its own module so that neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import CardProblem
from .yamlsource import Source

#: Ends a ``loc`` whose problem is a name (a key), to point at the key, not its value.
KEY: Any = type("Key", (), {"__repr__": lambda self: "KEY"})()


@dataclass
class LoadedCard:
    path: Path
    display: str
    kind: type[BaseModel]
    source: Source
    #: the validated card; for a card that failed validation, its salvaged valid parts
    card: Any = None
    id: str = ""
    provider: str = ""
    #: whether ``card`` passed validation whole
    valid: bool = False
    #: field paths (dotted) that failed validation; checks stay silent below them
    broken: set[str] = dataclass_field(default_factory=set)

    def problem(self, loc: tuple[Any, ...], message: str, *, key: bool = False) -> CardProblem:
        """A problem at ``loc``: at its value, or at its key if ``key`` or if ``loc`` ends
        with :data:`KEY` (the problem is the name itself)."""
        if loc and loc[-1] is KEY:
            loc, key = loc[:-1], True
        mark = self.source.mark_of(loc, key=key)
        return CardProblem(self.display, mark.line, mark.col, dotted(loc), message)

    def is_broken(self, problem: CardProblem) -> bool:
        """Whether ``problem`` sits in a part that already failed validation."""
        if problem.path != self.display:
            return False
        return any(
            b == "" or problem.field == b or problem.field.startswith(b + ".") for b in self.broken
        )


def dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)
