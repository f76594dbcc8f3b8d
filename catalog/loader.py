"""Find the cards under a directory, validate each one and build the catalog.

Every problem in every file is collected, with the line and column to edit, before anything
is raised: a person fixing cards wants the whole list at once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from .build import build_model, build_offering, build_provider, merge_variant
from .cards import ModelCard, OfferingCard, ProviderCard
from .catalog import Catalog
from .checks import check_cards
from .errors import CardErrors, CardProblem
from .model import Offering
from .yamlsource import Source, load_text

SCHEMA_DIR = "schema"
SCHEMA_FILES: dict[type[BaseModel], str] = {
    ModelCard: "model.schema.json",
    ProviderCard: "provider.schema.json",
    OfferingCard: "offering.schema.json",
}
_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")


def slug(offering_id: str) -> str:
    """The file stem for an id: characters other than letters, digits, '.', '_' and '-'
    (':' '@' '/') become '-'."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", offering_id)


@dataclass
class LoadedCard:
    path: Path
    display: str
    kind: type[BaseModel]
    source: Source
    card: Any = None
    id: str = ""
    provider: str = ""

    def problem(self, loc: tuple[Any, ...], message: str, *, key: bool = False) -> CardProblem:
        mark = self.source.mark_of(loc, key=key)
        field = ".".join(str(p) for p in loc)
        return CardProblem(self.display, mark.line, mark.col, field, message)


def _kind_for(rel: Path) -> tuple[type[BaseModel], str, str] | None:
    parts = rel.parts
    if len(parts) == 3 and parts[0] == "models":
        return ModelCard, f"{parts[1]}/{Path(parts[2]).stem}", ""
    if len(parts) == 3 and parts[0] == "providers" and parts[2] == "provider.yaml":
        return ProviderCard, parts[1], parts[1]
    if len(parts) == 4 and parts[0] == "providers" and parts[2] == "models":
        return OfferingCard, Path(parts[3]).stem, parts[1]
    return None


def _path_in(value: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of a pydantic ``loc`` that indexes the data (drops union tags)."""
    out: list[Any] = []
    node = value
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not part.endswith("]"):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out)


def _allowed_fields(kind: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    model: Any = kind
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = model.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            continue
        model = _model_in(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(error: Any, loaded: LoadedCard, path: tuple[Any, ...]) -> tuple[str, bool]:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        allowed = _allowed_fields(loaded.kind, path[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown field {name!r}{hint}", True
    if kind == "missing":
        return f"missing required field {str(error['loc'][-1])!r}", False
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if kind not in ("value_error", "assertion_error") and "input" in error:
        got = error["input"]
        if not isinstance(got, dict | list):
            message = f"{message}; got {got!r}"
    return message, False


def _validate(loaded: LoadedCard) -> list[CardProblem]:
    value = loaded.source.value
    if value is None:
        value = {}
    if not isinstance(value, dict):
        return [loaded.problem((), "a card is a mapping of fields")]
    try:
        loaded.card = loaded.kind.model_validate(value)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = _path_in(value, tuple(error["loc"]))
            message, is_key = _message(error, loaded, path)
            if error["type"] == "missing":
                path = path[:-1]
                problems.append(loaded.problem(path, message))
            else:
                problems.append(loaded.problem(path, message, key=is_key))
        return problems
    return []


def _schema_line(loaded: LoadedCard, text: str, root: Path) -> list[CardProblem]:
    first = text.split("\n", 1)[0]
    expected_file = root / SCHEMA_DIR / SCHEMA_FILES[loaded.kind]
    rel = Path(*([".."] * (len(loaded.path.relative_to(root).parts) - 1))) / SCHEMA_DIR
    expected = (rel / SCHEMA_FILES[loaded.kind]).as_posix()
    match = _SCHEMA_LINE.match(first)
    if not match:
        return [
            CardProblem(
                loaded.display,
                1,
                1,
                "",
                f"line 1 must be '# yaml-language-server: $schema={expected}'",
            )
        ]
    target = (loaded.path.parent / match.group(1)).resolve()
    if target != expected_file.resolve():
        return [
            CardProblem(
                loaded.display, 1, 1, "", f"line 1 points at {match.group(1)}; use {expected}"
            )
        ]
    return []


def read_cards(root: Path) -> tuple[list[LoadedCard], list[CardProblem]]:
    """Read and validate every card below ``root`` (each on its own)."""
    cards: list[LoadedCard] = []
    problems: list[CardProblem] = []
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory")
    for path in sorted(root.rglob("*.y*ml")):
        rel = path.relative_to(root)
        if rel.parts[0] not in ("models", "providers"):
            continue
        display = str(path)
        kind_info = _kind_for(rel)
        if kind_info is None:
            problems.append(
                CardProblem(
                    display,
                    1,
                    1,
                    "",
                    "not a card location: use models/<creator>/<model>.yaml, "
                    "providers/<provider>/provider.yaml or "
                    "providers/<provider>/models/<offering>.yaml",
                )
            )
            continue
        if path.suffix != ".yaml":
            problems.append(CardProblem(display, 1, 1, "", "cards end in .yaml"))
            continue
        kind, card_id, provider = kind_info
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(CardProblem(display, 1, 1, "", f"not UTF-8 text: {exc.reason}"))
            continue
        source = load_text(text)
        loaded = LoadedCard(path, display, kind, source, id=card_id, provider=provider)
        for p in source.problems:
            field = ".".join(str(x) for x in p.path)
            problems.append(CardProblem(display, p.mark.line, p.mark.col, field, p.message))
        if source.problems and source.value is None:
            continue
        problems.extend(_schema_line(loaded, text, root))
        problems.extend(_validate(loaded))
        if loaded.card is not None and kind is OfferingCard:
            declared = loaded.card.id
            if declared is not None:
                if slug(declared) != card_id:
                    problems.append(
                        loaded.problem(
                            ("id",),
                            f"id {declared!r} belongs in a file named {slug(declared)}.yaml",
                        )
                    )
                loaded.id = declared
        if loaded.card is not None:
            cards.append(loaded)
    return cards, problems


def load_catalog(root: Path | str = "data") -> Catalog:
    """Load and check every card below ``root``; raise :class:`CardErrors` listing every
    problem if there is any."""
    cards, problems = read_cards(Path(root))
    problems.extend(check_cards(cards))
    if problems:
        raise CardErrors(problems)
    return assemble(cards)


def assemble(cards: list[LoadedCard]) -> Catalog:
    models = {c.id: build_model(c.id, c.card) for c in cards if c.kind is ModelCard}
    providers = {c.id: build_provider(c.id, c.card) for c in cards if c.kind is ProviderCard}
    offerings: dict[str, Offering] = {}
    for c in cards:
        if c.kind is not OfferingCard:
            continue
        card: OfferingCard = c.card
        provider = providers[c.provider]
        variant_ids = tuple(f"{c.id}:{name}" for name in card.variants)
        base = build_offering(provider, c.id, card, variants=variant_ids)
        offerings[base.key] = base
        for name, variant in card.variants.items():
            merged = merge_variant(card, variant)
            built = build_offering(provider, f"{c.id}:{name}", merged, base=c.id, variant=name)
            offerings[built.key] = built
    return Catalog(
        models=MappingProxyType(models),
        providers=MappingProxyType(providers),
        offerings=MappingProxyType(offerings),
    )
