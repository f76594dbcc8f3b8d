"""Errors a person editing a card can act on.

Exception hierarchy::

    CatalogError
    ├── CardErrors                 every problem found in a set of cards (lint)
    ├── UnknownOfferingError       an id that resolves to no offering (also a KeyError)
    │   └── AmbiguousOfferingError an id that several providers sell: name one of .choices
    └── RequestError               a request body that is not JSON at all (also a ValueError)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class CardProblem:
    """One problem in one card, printed as ``path:line:col: field: message``."""

    path: str
    line: int
    col: int
    field: str
    message: str

    def __str__(self) -> str:
        field = self.field or "(card)"
        return f"{self.path}:{self.line}:{self.col}: {field}: {self.message}"


class CatalogError(Exception):
    """Base class of every error the catalog raises."""


class CardErrors(CatalogError):
    """Raised when cards have problems; carries all of them, sorted."""

    def __init__(self, problems: list[CardProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownOfferingError(CatalogError, KeyError):
    """An offering id that the catalog cannot resolve (unknown or ambiguous)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class AmbiguousOfferingError(UnknownOfferingError):
    """An id that several providers sell; :attr:`choices` are the ``provider/id`` keys that
    name one of them."""

    def __init__(self, message: str, choices: tuple[str, ...]) -> None:
        self.choices = choices
        super().__init__(message)


class RequestError(CatalogError, ValueError):
    """A request body that is not JSON at all, or JSON that is refused (``parse_request``);
    ``pointer`` is where, when known."""

    def __init__(self, message: str, pointer: str = "") -> None:
        self.pointer = pointer
        super().__init__(message)
