"""The request validators in compiled form: plain data, cheap to unpickle.

Nothing here imports pydantic, the card loader or dataclasses (named tuples are cheaper to
define at start-up and to unpickle), so ``ratecard validate`` can start from a
cached pickle (see :mod:`catalog.requests.cache`). The schemas are built by
:mod:`catalog.requests.schemas`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

_EMPTY: Mapping[Any, Any] = MappingProxyType({})


class ParamFacts(NamedTuple):
    """What the token estimator reads of a parameter."""

    default: Any = None
    maximum: Decimal | None = None


class OfferingInfo(NamedTuple):
    id: str
    key: str
    name: str
    status: str
    endpoints: tuple[str, ...]
    input_modalities: tuple[str, ...]
    context_window: int | None
    max_output_tokens: int | None
    parameters: Mapping[str, ParamFacts]


class PartialEnum(NamedTuple):
    """A parameter whose source gives how many values exist but not all their names."""

    path: tuple[str, ...]  # "*" stands for every item of an array
    name: str
    known: tuple[Any, ...]
    count: int | None  # type: ignore[assignment]  # (shadows tuple.count)


class RuleFacts(NamedTuple):
    kind: str  # "requires" or "conflicts_with"
    when: Mapping[str, Any]
    then: Mapping[str, Any]
    message: str | None
    #: the defaults of the ``then`` parameters that have one
    defaults: Mapping[str, Any]


class CompiledEndpoint(NamedTuple):
    offering: str  # provider/id
    endpoint: str
    #: the standalone draft 2020-12 schema (multipleOf included)
    schema: Mapping[str, Any]
    #: what the fast validator runs: without multipleOf and annotations; for runware.task
    #: the schema of one task (the body's array is walked in Python)
    fast: Mapping[str, Any]
    per_task: bool
    #: nested {"props": {name: subtree}, "items": subtree, "step": Decimal}
    steps: Mapping[str, Any]
    partial: tuple[PartialEnum, ...]
    rules: tuple[RuleFacts, ...]
    #: the output-token limit's default, if the table gives one
    max_tokens_default: Any = None
    #: top-level numbers the validator checks itself when they arrive as Decimal (name →
    #: (integer?, minimum, maximum)): jsonschema-rs converts Decimals slowly. A value that
    #: fails here goes to the full check, so this lane can only speed up acceptance.
    decimal_lane: Mapping[str, tuple[bool, Decimal | None, Decimal | None]] = _EMPTY


class CompiledCatalog(NamedTuple):
    digest: str
    offerings: Mapping[str, OfferingInfo]  # by provider/id
    by_id: Mapping[str, tuple[str, ...]]  # id → provider/id keys
    endpoints: Mapping[tuple[str, str], CompiledEndpoint] = _EMPTY

    def resolve(self, ref: str) -> tuple[OfferingInfo | None, str | None]:
        """The offering for a body's ``model``, or None and why not."""
        keys = self.by_id.get(ref)
        if keys:
            if len(keys) > 1:
                return None, f"{ref!r} is sold by several providers ({', '.join(keys)})"
            return self.offerings[keys[0]], None
        if ref in self.offerings:
            return self.offerings[ref], None
        return None, None
