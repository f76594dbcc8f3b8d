"""The loaded catalog and id resolution."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .errors import AmbiguousOfferingError, UnknownOfferingError
from .matching import Matcher
from .model import Model, Offering, Provider


class CatalogIndex(NamedTuple):
    """What resolution needs without touching the offerings themselves (so that a large
    catalog can keep its offerings on disk until one is asked for)."""

    #: bare id → keys (provider/id) of the offerings with that id
    by_id: dict[str, tuple[str, ...]]
    #: lower-cased id a match rule names outright → keys
    by_alias: dict[str, tuple[str, ...]]
    #: (key, provider, matcher) of the offerings whose rules need a scan (starts_with, ...);
    #: a tuple, or the compiled cache's sequence that reads them on first use
    scanned: Sequence[tuple[str, str, Matcher]]


def index_of(offerings: Mapping[str, Offering]) -> CatalogIndex:
    """The :class:`CatalogIndex` of ``offerings`` (keyed by provider/id)."""
    by_id: dict[str, list[str]] = {}
    by_alias: dict[str, list[str]] = {}
    scanned: list[tuple[str, str, Matcher]] = []
    for key, offering in offerings.items():
        by_id.setdefault(offering.id, []).append(key)
        if offering.match is not None:
            ids = offering.match.equals_only()
            if ids is None:
                scanned.append((key, offering.provider, offering.match))
            else:
                for alias in sorted(ids):
                    by_alias.setdefault(alias, []).append(key)
    return CatalogIndex(
        {k: tuple(v) for k, v in by_id.items()},
        {k: tuple(v) for k, v in by_alias.items()},
        tuple(scanned),
    )


#: the look-ups a :class:`Catalog` keeps (:attr:`Catalog._memo`), at most
_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Catalog:
    models: Mapping[str, Model]
    providers: Mapping[str, Provider]
    #: every offering and variant, keyed by provider/id
    offerings: Mapping[str, Offering]
    #: which data layer each offering came from (its directory), when layered
    layer_of: Mapping[str, str] = field(default_factory=dict)
    #: built from ``offerings`` when not given
    index: CatalogIndex | None = field(default=None, repr=False, compare=False)
    #: what :meth:`matching` and :meth:`_hint` found for the names asked for last, by
    #: (method, name, provider): records of one model come by the thousand, and each look-up
    #: tests every offering's rules (a record of an unknown model cost 240 us, of a model
    #: named by a pattern about 30 more; about 25 with it)
    _memo: dict[tuple[str, str, str | None], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _remember(self, key: tuple[str, str, str | None], value: Any) -> Any:
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = value
        return value

    def __post_init__(self) -> None:
        if self.index is None:
            object.__setattr__(self, "index", index_of(self.offerings))

    @property
    def _ix(self) -> CatalogIndex:
        assert self.index is not None
        return self.index

    def _by_id(self, ref: str) -> list[Offering]:
        return [self.offerings[k] for k in self._ix.by_id.get(ref, ())]

    def matching(self, ref: str, provider: str | None = None) -> list[Offering]:
        """The offerings whose match rules name ``ref`` (compared in lower case), sorted by
        key; only ``provider``'s when given."""
        lower = ref.lower()
        kept = self._memo.get(("match", lower, provider))
        if kept is None:
            keys = set(self._ix.by_alias.get(lower, ()))
            for key, seller, matcher in self._ix.scanned:
                if (provider is None or seller == provider) and key not in keys:
                    if matcher.test(lower):
                        keys.add(key)
            found = [self.offerings[k] for k in sorted(keys)]
            kept = self._remember(
                ("match", lower, provider),
                tuple(o.key for o in found if provider is None or o.provider == provider),
            )
        return [self.offerings[k] for k in kept]

    def __iter__(self) -> Iterator[Offering]:
        return iter(sorted(self.offerings.values(), key=lambda o: (o.provider, o.id)))

    def find(self, ref: str, provider: str | None = None) -> Offering | None:
        """Like :meth:`resolve`, but None for an unknown id (ambiguity still raises)."""
        try:
            return self.resolve(ref, provider)
        except AmbiguousOfferingError:
            raise
        except UnknownOfferingError:
            return None

    def resolve(self, ref: str, provider: str | None = None) -> Offering:
        """Resolve an id. With ``provider``, only that provider's offerings: its id, then
        ``base:variant``, then its match rules. Without: the bare id (provider ids contain
        ':' and '/'), the ``provider/id`` key, ``base:variant``, then match rules (scoped to
        the provider when ``ref`` starts with one). An id that names several offerings
        (two providers' bare ids, or a bare id equal to another offering's
        ``provider/id``) is an error listing the choices, never a silent pick."""
        if provider is not None:
            return self._resolve_in(ref, provider)
        found = self._by_id(ref)
        keyed = self.offerings.get(ref) if "/" in ref else None
        if keyed is not None and all(o is not keyed for o in found):
            found.append(keyed)
        if len(found) > 1:
            choices = ", ".join(sorted(o.key for o in found))
            if keyed is None or len(found) == len(self._ix.by_id.get(ref, ())):
                why = "it is sold by several providers"
            else:
                why = (
                    f"it is one offering's provider/id and another's id "
                    f"({keyed.provider} sells {keyed.id!r})"
                )
            raise AmbiguousOfferingError(
                f"{ref!r} is ambiguous: {why}; use one of {choices}"
                + (" (or give the record a provider)" if keyed is not None else ""),
                tuple(sorted(o.key for o in found)),
            )
        if found:
            return found[0]
        if ":" in ref:
            base, _, variant = ref.rpartition(":")
            for prefix in (base, *self._ix.by_id.get(base, ())):
                candidate = self.offerings.get(f"{prefix}:{variant}")
                if candidate is not None:
                    return candidate
        if self._ix.by_alias or self._ix.scanned:
            matched = self._match(ref)
            if matched is not None:
                return matched
        raise UnknownOfferingError(f"unknown model {ref!r}{self._hint(ref)}")

    def _resolve_in(self, ref: str, provider: str) -> Offering:
        if provider not in self.providers:
            raise UnknownOfferingError(f"unknown provider {provider!r}")
        found = self.offerings.get(f"{provider}/{ref}")
        if found is not None:
            return found
        if ":" in ref:
            base, _, variant = ref.rpartition(":")
            found = self.offerings.get(f"{provider}/{base}:{variant}")
            if found is not None:
                return found
        matched = self._pick(ref, self.matching(ref, provider))
        if matched is not None:
            return matched
        sellers = sorted(self._ix.by_id.get(ref, ()))
        also = f" ({ref!r} is sold as {', '.join(sellers)})" if sellers else ""
        raise UnknownOfferingError(
            f"provider {provider!r} sells no model {ref!r}{also}{self._hint(ref, provider)}"
        )

    def _match(self, ref: str) -> Offering | None:
        """The one offering whose match rules name ``ref`` (or ``provider/ref``)."""
        if "/" in ref:
            provider, _, rest = ref.partition("/")
            if provider in self.providers:
                found = self._pick(ref, self.matching(rest, provider))
                if found is not None:
                    return found
        return self._pick(ref, self.matching(ref))

    def _pick(self, ref: str, found: list[Offering]) -> Offering | None:
        if len(found) > 1:
            # An id a rule names outright beats a pattern (genai-prices lists dated ids
            # with equals and families with starts_with).
            exact = [o for o in found if o.match and ref.lower() in set(o.match.literals())]
            if len(exact) == 1:
                return exact[0]
            choices = ", ".join(o.key for o in found)
            raise AmbiguousOfferingError(
                f"{ref!r} is ambiguous: the match rules of several offerings name it; "
                f"use one of {choices}",
                tuple(o.key for o in found),
            )
        return found[0] if found else None

    def key_collisions(self) -> list[tuple[str, str]]:
        """Every ``provider/id`` key that is also another offering's bare id, as
        (key, the other offering's key), sorted: such a text names two offerings, so
        resolving it without a provider fails with both as choices."""
        out = []
        for key in self.offerings:
            for other in self._ix.by_id.get(key, ()):
                if other != key:
                    out.append((key, other))
        return sorted(out)

    def _hint(self, ref: str, provider: str | None = None) -> str:
        """``"; did you mean 'x'?"`` for an unknown name, or ``""`` (kept: :attr:`_memo`)."""
        hint = self._memo.get(("hint", ref, provider))
        if hint is None:
            hint = self._remember(("hint", ref, provider), self._closest(ref, provider))
        return str(hint)

    def _closest(self, ref: str, provider: str | None) -> str:
        import difflib  # here for start-up time: only a wrong id needs it

        ids = list(self._ix.by_id)
        if provider is not None:
            prefix = f"{provider}/"
            ids = [k.removeprefix(prefix) for k in self.offerings if k.startswith(prefix)]
        close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.6)
        return f"; did you mean {close[0]!r}?" if close else ""

    def find_model(self, ref: str) -> Model | None:
        """A model card by id (``alibaba/qwen3.5-4b``), or by its name within its creator
        (``qwen3.5-4b``) when that is unique."""
        if ref in self.models:
            return self.models[ref]
        found = [m for key, m in self.models.items() if key.rpartition("/")[2] == ref]
        return found[0] if len(found) == 1 else None

    def model_of(self, offering: Offering) -> Model | None:
        return self.models.get(offering.model)
