"""Find the cards under a directory, validate each one and build the catalog.

Every problem in every file is collected, with the line and column to edit, before anything
is raised: a person fixing cards wants the whole list at once.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from ..catalog import Catalog
from ..errors import CardErrors, CardProblem
from ..model import Offering
from ..units import slug
from .build import build_model, build_offering, build_provider, merge_variant
from .checks import check_cards
from .format import ModelCard, OfferingCard, OfferingFields, ProviderCard, VariantFileCard
from .loaded import LoadedCard, dotted
from .messages import did_you_mean, humanize, merge_union
from .salvage import placeholder, salvage
from .yamlsource import MAX_FILE_BYTES, load_text

SCHEMA_DIR = "schema"
SCHEMA_FILES: dict[type[BaseModel], str] = {
    ModelCard: "model.schema.json",
    ProviderCard: "provider.schema.json",
    OfferingCard: "offering.schema.json",
    VariantFileCard: "variant.schema.json",
}
_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")


def _kind_for(rel: Path) -> tuple[type[BaseModel], str, str] | None:
    parts = rel.parts
    if len(parts) == 3 and parts[0] == "models":
        return ModelCard, f"{parts[1]}/{Path(parts[2]).stem}", ""
    if len(parts) == 3 and parts[0] == "providers" and parts[2] == "provider.yaml":
        return ProviderCard, parts[1], parts[1]
    if len(parts) == 4 and parts[0] == "providers" and parts[2] == "models":
        return OfferingCard, Path(parts[3]).stem, parts[1]
    return None


def _path_in(value: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool, bool]:
    """The part of a pydantic ``loc`` that indexes the data, whether it ended at a key
    (``[key]``: the key itself is wrong) and whether it passed a union branch tag."""
    out: list[Any] = []
    node = value
    is_key = union = False
    for part in loc:
        if part == "[key]":
            is_key = True
        elif isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and part.endswith("]"):
            union = True  # a union branch tag such as list[literal[...]]
        elif isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out), is_key, union


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


def _problems_of(exc: ValidationError, loaded: LoadedCard, value: Any) -> list[CardProblem]:
    """Each pydantic error as a problem at its place, reworded; a union's branches at one
    place become one problem."""
    places: dict[tuple[tuple[Any, ...], bool], list[Any]] = {}
    for error in exc.errors():
        path, is_key, _ = _path_in(value, tuple(error["loc"]))
        places.setdefault((path, is_key), []).append(error)
    problems = []
    for (path, is_key), errors in places.items():
        first = errors[0]
        loaded.broken.add(dotted(path))
        if first["type"] == "missing":
            name = str(path[-1]) if path else "?"
            problems.append(
                CardProblem(
                    loaded.display,
                    *_line_col(loaded, path[:-1]),
                    dotted(path),
                    f"missing required field {name!r}",
                )
            )
            continue
        if first["type"] == "extra_forbidden":
            name = str(path[-1]) if path else "?"
            allowed = _allowed_fields(loaded.kind, path[:-1])
            message = f"unknown field {name!r}{did_you_mean(name, allowed)}"
            problems.append(loaded.problem(path, message, key=True))
            continue
        message = merge_union(errors) if len(errors) > 1 else humanize(first)
        if is_key:
            message = f"key {message}"
        problems.append(loaded.problem(path, message, key=is_key))
    return problems


def _line_col(loaded: LoadedCard, path: tuple[Any, ...]) -> tuple[int, int]:
    mark = loaded.source.mark_of(path)
    return mark.line, mark.col


def validate_card(loaded: LoadedCard) -> list[CardProblem]:
    """Validate ``loaded.source`` as ``loaded.kind``. On failure, keep the valid parts in
    ``loaded.card`` (see :mod:`catalog.cards.salvage`) so that the cross-field checks still run."""
    value = loaded.source.value
    if value is None:
        value = {}
    if not isinstance(value, dict):
        loaded.broken.add("")
        loaded.card = placeholder(loaded.kind)
        return [
            loaded.problem((), f"a card is a mapping of fields (key: value), not {_kind_of(value)}")
        ]
    # a scalar that was not a valid value is already reported (and read as None)
    reported = {dotted(path) for path in loaded.source.invalid}
    loaded.broken.update(reported)
    try:
        loaded.card = loaded.kind.model_validate(value)
    except ValidationError as exc:
        loaded.card = salvage(loaded.kind, value)
        return [
            p
            for p in _problems_of(exc, loaded, value)
            if not any(p.field == b or p.field.startswith(b + ".") for b in reported)
        ]
    loaded.valid = True
    return []


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return "a single value"


def parse_card(
    kind: type[BaseModel], text: str, display: str = "<card>"
) -> tuple[BaseModel | None, list[CardProblem]]:
    """One card from YAML text, as lint reads it: the card (None if it has any problem)
    and every problem found in it on its own (no cross-card checks, no line-1 check)."""
    source = load_text(text)
    loaded = LoadedCard(Path(display), display, kind, source)
    problems = [
        CardProblem(display, p.mark.line, p.mark.col, dotted(p.path), p.message)
        for p in source.problems
    ]
    if source.value is None and source.problems:
        return None, problems
    problems += validate_card(loaded)
    return (loaded.card if not problems else None), problems


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


#: The two directories that hold cards (anything else under the card directory is left
#: alone, so ``--data /`` does not walk the whole filesystem).
CARD_DIRS = ("models", "providers")
#: Cards are a few kilobytes; more files than this under the card directories is a mistake.
MAX_CARD_FILES = 20_000


def _read_card(path: Path) -> str:
    """The text of one card, at most :data:`~catalog.yamlsource.MAX_FILE_BYTES` + 1 bytes
    (``load_text`` reports a longer one)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    return data.decode("utf-8")


def _card_files(root: Path) -> tuple[list[Path], list[CardProblem]]:
    """The YAML files under ``root/models`` and ``root/providers``, sorted, and a problem for
    each entry that cannot be a card: a dangling or looping symbolic link, a FIFO or device,
    a directory named like a card. Directory links are not followed (no loops).
    A tree with neither directory, or with no card at all, is a problem too."""
    problems: list[CardProblem] = []
    found: list[Path] = []
    present = [root / name for name in CARD_DIRS if (root / name).is_dir()]
    if not present:
        where = "models/ and providers/"
        problems.append(
            CardProblem(str(root), 1, 1, "", f"no cards here: a card directory holds {where}")
        )
        return found, problems
    for top in present:
        for current, dirs, files in os.walk(top, followlinks=False):
            here = Path(current)
            dirs.sort()
            for name in sorted(dirs):
                if (here / name).is_symlink():
                    dirs.remove(name)
                    problems.append(
                        CardProblem(
                            str(here / name), 1, 1, "", "a link to a directory is not followed"
                        )
                    )
                elif name.endswith((".yaml", ".yml")):
                    problems.append(
                        CardProblem(str(here / name), 1, 1, "", "a directory, not a card file")
                    )
            for name in sorted(files):
                if not name.endswith((".yaml", ".yml")):
                    continue
                path = here / name
                try:
                    mode = path.stat().st_mode
                except OSError as exc:
                    reason = (
                        "a symbolic link that loops"
                        if exc.errno == errno.ELOOP
                        else "a symbolic link to nothing"
                        if path.is_symlink()
                        else exc.strerror
                    )
                    problems.append(CardProblem(str(path), 1, 1, "", f"cannot read it: {reason}"))
                    continue
                if not stat.S_ISREG(mode):
                    problems.append(
                        CardProblem(str(path), 1, 1, "", "not a regular file (a FIFO or device?)")
                    )
                    continue
                found.append(path)
                if len(found) > MAX_CARD_FILES:
                    problems.append(
                        CardProblem(
                            str(root), 1, 1, "", f"more than {MAX_CARD_FILES:,} card files here"
                        )
                    )
                    return sorted(found), problems
    if not found and not problems:
        problems.append(
            CardProblem(str(root), 1, 1, "", "no cards here: models/ and providers/ are empty")
        )
    return sorted(found), problems


def read_cards(root: Path) -> tuple[list[LoadedCard], list[CardProblem]]:
    """Read and validate every card below ``root`` (each on its own)."""
    cards: list[LoadedCard] = []
    problems: list[CardProblem] = []
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory")
    paths, problems = _card_files(root)
    for path in paths:
        rel = path.relative_to(root)
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
            text = _read_card(path)
        except UnicodeDecodeError as exc:
            problems.append(CardProblem(display, 1, 1, "", f"not UTF-8 text: {exc.reason}"))
            continue
        except OSError as exc:
            problems.append(CardProblem(display, 1, 1, "", f"cannot read it: {exc.strerror}"))
            continue
        source = load_text(text)
        if kind is OfferingCard and isinstance(source.value, dict) and "base" in source.value:
            kind = VariantFileCard
        loaded = LoadedCard(path, display, kind, source, id=card_id, provider=provider)
        for p in source.problems:
            problems.append(
                CardProblem(display, p.mark.line, p.mark.col, dotted(p.path), p.message)
            )
        if source.problems and source.value is None:
            # Unreadable, but it exists: other cards may still refer to its id.
            loaded.card = placeholder(kind)
            loaded.broken.add("")
            cards.append(loaded)
            continue
        problems.extend(_schema_line(loaded, text, root))
        problems.extend(validate_card(loaded))
        if kind in (OfferingCard, VariantFileCard):
            declared = loaded.card.id
            if isinstance(declared, str):
                if slug(declared) != card_id:
                    problems.append(
                        loaded.problem(
                            ("id",),
                            f"id {declared!r} belongs in a file named {slug(declared)}.yaml",
                        )
                    )
                loaded.id = declared
        cards.append(loaded)
    return cards, problems


def lint_cards(root: Path | str) -> list[CardProblem]:
    """Every problem in every card below ``root``, sorted by file, line and column."""
    cards, problems = read_cards(Path(root))
    return sorted(set(problems + check_cards(cards)))


def load_catalog(root: Path | str = "data") -> Catalog:
    """Load and check every card below ``root``; raise :class:`CardErrors` listing every
    problem if there is any."""
    cards, problems = read_cards(Path(root))
    problems.extend(check_cards(cards))
    if problems:
        raise CardErrors(problems)
    return assemble(cards)


def assemble(cards: list[LoadedCard]) -> Catalog:
    """The run-time catalog from cards that passed every check."""
    models = {c.id: build_model(c.id, c.card) for c in cards if c.kind is ModelCard}
    providers = {c.id: build_provider(c.id, c.card) for c in cards if c.kind is ProviderCard}
    bases = {(c.provider, c.id): c for c in cards if c.kind is OfferingCard}
    filed: dict[tuple[str, str], list[LoadedCard]] = {}
    for c in cards:
        if c.kind is VariantFileCard:
            filed.setdefault((c.provider, c.card.base), []).append(c)
    offerings: dict[str, Offering] = {}
    for (provider_id, base_id), c in bases.items():
        card: OfferingCard = c.card
        provider = providers[provider_id]
        variants: list[tuple[str, OfferingFields]] = [
            (name, variant) for name, variant in card.variants.items()
        ]
        variants += [
            (v.id.removeprefix(f"{base_id}:"), v.card)
            for v in sorted(filed.get((provider_id, base_id), []), key=lambda v: v.id)
        ]
        variant_ids = tuple(f"{base_id}:{name}" for name, _ in variants)
        base = build_offering(provider, base_id, card, variants=variant_ids)
        offerings[base.key] = base
        for name, variant in variants:
            merged = merge_variant(card, variant)
            full = f"{base_id}:{name}"
            built = build_offering(provider, full, merged, base=base_id, variant=name)
            offerings[built.key] = built
    return Catalog(
        models=MappingProxyType(models),
        providers=MappingProxyType(providers),
        offerings=MappingProxyType(offerings),
    )
