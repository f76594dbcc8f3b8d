"""The loaded catalog and id resolution."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .errors import UnknownOfferingError
from .model import Model, Offering, Provider


@dataclass(frozen=True)
class Catalog:
    models: Mapping[str, Model]
    providers: Mapping[str, Provider]
    #: every offering and variant, keyed by provider/id
    offerings: Mapping[str, Offering]
    _by_id: dict[str, list[Offering]] = field(default_factory=dict, repr=False)
    #: lower-cased id named outright by an offering's match rules → those offerings
    _by_alias: dict[str, list[Offering]] = field(default_factory=dict, repr=False)
    #: offerings whose rules need a scan (starts_with, regex, ...)
    _scanned: list[Offering] = field(default_factory=list, repr=False)
    #: which data layer each offering came from (its directory), when layered
    layer_of: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for offering in self.offerings.values():
            self._by_id.setdefault(offering.id, []).append(offering)
            if offering.match is not None:
                ids = offering.match.equals_only()
                if ids is None:
                    self._scanned.append(offering)
                else:
                    for alias in ids:
                        self._by_alias.setdefault(alias, []).append(offering)

    def matching(self, ref: str, provider: str | None = None) -> list[Offering]:
        """The offerings whose match rules name ``ref`` (compared in lower case), sorted by
        key; only ``provider``'s when given."""
        lower = ref.lower()
        found = {o.key: o for o in self._by_alias.get(lower, ())}
        for offering in self._scanned:
            if offering.key not in found and offering.match is not None:
                if offering.match.test(lower):
                    found[offering.key] = offering
        return [
            found[k] for k in sorted(found) if provider is None or found[k].provider == provider
        ]

    def __iter__(self) -> Iterator[Offering]:
        return iter(sorted(self.offerings.values(), key=lambda o: (o.provider, o.id)))

    def find(self, ref: str, provider: str | None = None) -> Offering | None:
        """Like :meth:`resolve`, but None for an unknown id (ambiguity still raises)."""
        try:
            return self.resolve(ref, provider)
        except UnknownOfferingError as exc:
            if "ambiguous" in exc.message:
                raise
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
        found = list(self._by_id.get(ref, ()))
        keyed = self.offerings.get(ref)
        if keyed is not None and all(o is not keyed for o in found):
            found.append(keyed)
        if len(found) > 1:
            choices = ", ".join(sorted(o.key for o in found))
            if keyed is None or len(found) == len(self._by_id.get(ref, ())):
                why = "it is sold by several providers"
            else:
                why = (
                    f"it is one offering's provider/id and another's id "
                    f"({keyed.provider} sells {keyed.id!r})"
                )
            raise UnknownOfferingError(
                f"{ref!r} is ambiguous: {why}; use one of {choices}"
                + (" (or give the record a provider)" if keyed is not None else "")
            )
        if found:
            return found[0]
        if ":" in ref:
            base, _, variant = ref.rpartition(":")
            for prefix in (base, *(o.key for o in self._by_id.get(base, []))):
                candidate = self.offerings.get(f"{prefix}:{variant}")
                if candidate is not None:
                    return candidate
        if self._by_alias or self._scanned:
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
        raise UnknownOfferingError(f"{provider} sells no model {ref!r}{self._hint(ref)}")

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
            raise UnknownOfferingError(
                f"{ref!r} is ambiguous: the match rules of several offerings name it; "
                f"use one of {choices}"
            )
        return found[0] if found else None

    def key_collisions(self) -> list[tuple[str, str]]:
        """Every ``provider/id`` key that is also another offering's bare id, as
        (key, the other offering's key), sorted: such a text names two offerings, so
        resolving it without a provider fails with both as choices."""
        out = []
        for key, offering in self.offerings.items():
            for other in self._by_id.get(key, ()):
                if other is not offering:
                    out.append((key, other.key))
        return sorted(out)

    def _hint(self, ref: str) -> str:
        import difflib

        close = difflib.get_close_matches(ref, list(self._by_id), n=1, cutoff=0.6)
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
