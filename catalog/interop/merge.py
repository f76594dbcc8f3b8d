"""Import into a directory that already holds another source's cards: merge, never wipe.

``catalog import SOURCE --out DIR --merge`` reads the cards already in ``DIR`` (written by an
earlier import) and merges the new source's cards into them:

- an offering that only the new source names is added (with its model card); the same
  model is the same ``provider/id``, the same id in another case (``GLM-5`` / ``glm-5``), or
  an id the card already there matches by its rules (a dated snapshot id); an added card's
  match rules that would name an offering already there are dropped (reported);
- where both name the same model, the card
  already there **keeps its prices and every fact it states**; a fact it does not state
  (context window, output cap, description, modalities, features; on a model card release
  date, family, open weights, ...) is taken from the new source, the source is added to the
  card's ``sources`` and a note says which facts came from it;
- a fact both state with different values is kept as it is and listed in the import report
  (``merge: <field>``, both values), as are the new source's prices for an offering that
  already has prices (prices are compared by ``catalog crosscheck``, never blended);
- provider cards: the one already there is kept (serving the endpoints of both); the new
  source's other provider cards are added.

Cards are read with the card loader's YAML reader (numbers as exact Decimals) and written
back by :func:`~catalog.interop.tree.write_tree`, deterministically.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..cards.format import MatchRule
from ..cards.yamlsource import load_text
from ..matching import Matcher, build_matcher
from .report import ImportReport

Cards = tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]

#: Offering facts taken from the new source when the card there does not state them.
OFFERING_FACTS = ("description", "modalities", "features")
#: ``limits`` keys merged one by one.
LIMIT_FACTS = ("context_window", "max_output_tokens")
#: Model card facts merged the same way.
MODEL_FACTS = (
    "family",
    "description",
    "architecture",
    "license",
    "open_weights",
    "release_date",
    "native_context",
    "modalities",
    "reasoning",
)


def _read(path: Path) -> dict[str, Any]:
    value = load_text(path.read_text(encoding="utf-8")).value
    return value if isinstance(value, dict) else {}


def read_tree(root: Path) -> Cards:
    """The provider, offering and model cards of a tree ``write_tree`` wrote (empty when
    ``root`` holds none)."""
    providers: dict[str, Any] = {}
    offerings: dict[tuple[str, str], Any] = {}
    models: dict[str, Any] = {}
    for path in sorted((root / "providers").glob("*/provider.yaml")):
        pid = path.parent.name
        providers[pid] = _read(path)
        for card_path in sorted((path.parent / "models").rglob("*.yaml")):
            card = _read(card_path)
            if "id" in card:
                offerings[(pid, str(card["id"]))] = card
    for path in sorted((root / "models").glob("*/*.yaml")):
        models[f"{path.parent.name}/{path.stem}"] = _read(path)
    return providers, offerings, models


def _fill(
    have: dict[str, Any],
    new: dict[str, Any],
    fields: tuple[str, ...],
    label: str,
    report: ImportReport,
    where: tuple[str, str],
) -> list[str]:
    """Take ``fields`` from ``new`` into ``have`` where ``have`` lacks them; report the ones
    that differ. Returns the fields taken."""
    taken = []
    for field in fields:
        if field not in new:
            continue
        if field not in have:
            have[field] = new[field]
            taken.append(field)
        elif have[field] != new[field]:
            report.add(
                where[0],
                where[1],
                f"merge: {field}",
                f"kept {have[field]!r}; {label} says {new[field]!r}",
                "the two sources disagree; the card already there is kept",
            )
    return taken


def _matcher(card: dict[str, Any]) -> Matcher | None:
    rule = card.get("match")
    if not isinstance(rule, dict):
        return None
    try:
        return build_matcher(MatchRule.model_validate(rule))
    except (ValueError, re.error):
        return None


def _same_model(
    pid: str, oid: str, index: dict[str, list[tuple[str, Matcher | None]]]
) -> tuple[str, str] | None:
    """The offering already there (``index``: provider → its ids and match rules) that
    names the same model as ``pid``/``oid``: the same id in any case, or one whose match
    rules take ``oid`` (a dated snapshot id), as a record with that id would resolve."""
    ref = oid.lower()
    for o, _ in index.get(pid, ()):
        if o == oid:
            return (pid, o)
    for o, matcher in index.get(pid, ()):
        if o.lower() == ref or (matcher is not None and matcher.test(ref)):
            return (pid, o)
    return None


def merge_cards(existing: Cards, new: Cards, label: str, report: ImportReport) -> Cards:
    """``existing`` with ``new`` merged in (see the module's rules); ``label`` names the new
    source in notes and report lines (its provenance)."""
    providers = {**new[0], **existing[0]}
    for pid, card in existing[0].items():
        if pid in new[0]:
            # the card there is kept; it serves every endpoint either source names
            served = {**(new[0][pid].get("endpoints") or {}), **(card.get("endpoints") or {})}
            providers[pid] = {**card, "endpoints": served}
    offerings = dict(existing[1])
    models = dict(existing[2])
    index: dict[str, list[tuple[str, Matcher | None]]] = {}
    for (p, o), c in sorted(offerings.items()):
        index.setdefault(p, []).append((o, _matcher(c)))
    for new_key, card in sorted(new[1].items()):
        key = _same_model(*new_key, index) or new_key
        have = offerings.get(key)
        if have is None:
            card = dict(card)
            matcher = _matcher(card)
            named = sorted(
                o for o, _ in index.get(key[0], ()) if matcher and matcher.test(o.lower())
            )
            if named:
                # the rules would name offerings already there: a lint error (two rules
                # for one id); the offering keeps its own id only
                del card["match"]
                report.add(
                    key[0],
                    key[1],
                    "merge: match",
                    ", ".join(named),
                    "match rules not written: they name offerings already there",
                )
            offerings[key] = card
            index.setdefault(key[0], []).append((key[1], _matcher(card)))
            if card.get("model") in new[2] and card["model"] not in models:
                models[card["model"]] = new[2][card["model"]]
            continue
        have = dict(have)
        taken = _fill(have, card, OFFERING_FACTS, label, report, key)
        limits = dict(have.get("limits") or {})
        got = _fill(limits, card.get("limits") or {}, LIMIT_FACTS, label, report, key)
        cap, window = limits.get("max_output_tokens"), limits.get("context_window")
        if got and cap and window and cap > window:
            # the two sources' limits do not fit together: the one taken is not written
            dropped = "max_output_tokens" if "max_output_tokens" in got else "context_window"
            del limits[dropped]
            got.remove(dropped)
            report.add(
                key[0],
                key[1],
                f"merge: limits.{dropped}",
                f"output cap {cap:,} above context window {window:,}",
                "the two sources' limits disagree; not written",
            )
        if got:
            have["limits"] = limits
            taken += [f"limits.{f}" for f in got]
        if card.get("pricing") and card["pricing"] != have.get("pricing"):
            report.add(
                key[0],
                key[1],
                "merge: pricing",
                f"{label} prices differ",
                "the card already there keeps its prices (compare with catalog crosscheck)",
            )
        if taken:
            have["notes"] = [
                *(have.get("notes") or []),
                f"{', '.join(taken)} from {label} (merged: the card did not state them).",
            ]
            have["sources"] = [*(have.get("sources") or []), *(card.get("sources") or [])]
        offerings[key] = have
        model_key = have.get("model")
        if model_key in models and card.get("model") in new[2]:
            model = dict(models[model_key])
            got = _fill(model, new[2][card["model"]], MODEL_FACTS, label, report, key)
            if got:
                model["notes"] = [
                    *(model.get("notes") or []),
                    f"{', '.join(got)} from {label} (merged).",
                ]
                model["sources"] = [*(model.get("sources") or []), label]
            models[model_key] = model
    return providers, offerings, models


__all__ = ["LIMIT_FACTS", "MODEL_FACTS", "OFFERING_FACTS", "merge_cards", "read_tree"]
