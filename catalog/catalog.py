"""The loaded catalog and id resolution."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .errors import AmbiguousOfferingError, UnknownOfferingError
from .model import Model, Offering, Provider


@dataclass(frozen=True)
class Catalog:
    models: Mapping[str, Model]
    providers: Mapping[str, Provider]
    #: every offering and variant, keyed by provider/id
    offerings: Mapping[str, Offering]
    _by_id: dict[str, list[Offering]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for offering in self.offerings.values():
            self._by_id.setdefault(offering.id, []).append(offering)

    def __iter__(self) -> Iterator[Offering]:
        return iter(sorted(self.offerings.values(), key=lambda o: (o.provider, o.id)))

    def find(self, ref: str) -> Offering | None:
        """Like :meth:`resolve`, but None for an unknown id (ambiguity still raises)."""
        try:
            return self.resolve(ref)
        except AmbiguousOfferingError:
            raise
        except UnknownOfferingError:
            return None

    def resolve(self, ref: str) -> Offering:
        """Resolve an id: exactly first (provider ids contain ':'), then ``provider/id``,
        then ``base:variant``."""
        found = self._by_id.get(ref)
        if found:
            if len(found) > 1:
                keys = tuple(sorted(o.key for o in found))
                raise AmbiguousOfferingError(
                    f"{ref!r} is ambiguous: it is sold by several providers; use one of "
                    + ", ".join(keys),
                    keys,
                )
            return found[0]
        if ref in self.offerings:
            return self.offerings[ref]
        if ":" in ref:
            base, _, variant = ref.rpartition(":")
            for prefix in (base, *(o.key for o in self._by_id.get(base, []))):
                candidate = self.offerings.get(f"{prefix}:{variant}")
                if candidate is not None:
                    return candidate
        raise UnknownOfferingError(f"unknown model {ref!r}{self._hint(ref)}")

    def _hint(self, ref: str) -> str:
        import difflib  # here for start-up time: only a wrong id needs it

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
