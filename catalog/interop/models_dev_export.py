"""Export cards as a models.dev TOML tree (MIT; sst/models.dev's ``providers/`` layout).

``providers/<provider>/provider.toml`` (``name``, ``env``, ``npm``, ``doc`` / ``api`` where
known) and ``providers/<provider>/models/<id>.toml`` per offering (an id with ``/`` is a
sub-directory, as in models.dev), with the field names models.dev's ``api.json`` uses:
``name``, ``family``, ``release_date``, ``attachment``, ``reasoning``, ``tool_call``,
``structured_output``, ``temperature``, ``open_weights``, ``[cost]`` (``input``,
``output``, ``cache_read``, ``cache_write``, ``reasoning``: USD per 1M tokens),
``[[cost.tiers]]`` (``tier = {type = "context", size = N}``: the prices for a prompt over N
tokens), ``[limit]`` (``context``, ``output``) and ``[modalities]``. A fact a card does not
give is not written (models.dev's own schema wants more, e.g. ``last_updated``).

models.dev reads a missing price as "no cost given" and tools treat it as 0, so, never to
turn a price into a free one: an offering with an unpublished input or output price, request
fees, or tiers models.dev cannot say (not by prompt tokens) is **left out** and reported; a
not-applicable rate and a tool fee (no models.dev key) are omitted and reported; a bounded top
tier becomes models.dev's open one, with a report line.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..model import Offering
from ..rates import PriceState
from .models_dev_import import COST_KEYS
from .report import ImportReport

#: token kind → models.dev cost key (the import's table, read backwards)
_KEYS = {kind: key for key, kind in COST_KEYS.items()}
#: card feature → models.dev boolean
FEATURES: dict[str, str] = {
    "attachments": "attachment",
    "function_calling": "tool_call",
    "reasoning": "reasoning",
    "structured_output": "structured_output",
    "temperature": "temperature",
}


class _Omit(Exception):
    pass


def _rates(o: Offering, prices: Any, where: str, report: ImportReport) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for kind, key in _KEYS.items():
        token_price = prices.get(kind)
        if token_price is None or token_price.inherited_from is not None:
            continue
        rate = token_price.rate
        if rate.state is PriceState.UNPUBLISHED:
            raise _Omit(f"{kind} price unpublished (a missing cost reads as free)")
        if rate.state is PriceState.NOT_APPLICABLE:
            report.add(o.provider, o.id, f"{where}{key}", "not_applicable", "omitted")
            continue
        assert rate.price is not None
        out[key] = rate.price
    return out


def model_doc(o: Offering, catalog: Catalog, report: ImportReport) -> dict[str, Any] | None:
    """The models.dev fields of ``o`` (None, reported, when it is left out)."""
    plan = o.plan_at(None)
    report.contexts_left_out(o.provider, o.id, o.contexts, "models.dev")
    try:
        if plan is None:
            raise _Omit("no price plan")
        if plan.request_fees:
            raise _Omit("request fees: models.dev has no per-request fee")
        if plan.tiered and plan.tier_by != "input_tokens":
            raise _Omit(f"tiers by {plan.tier_by}: models.dev tiers by context (prompt) size")
        cost: dict[str, Any] = _rates(o, plan.tiers[0].prices, "cost.", report)
        tiers = []
        for i, tier in enumerate(plan.tiers[1:], start=1):
            lower = tier.lower
            assert lower is not None
            size = lower if tier.upper_inclusive else lower - 1
            rates = _rates(o, tier.prices, f"cost.tiers[{i - 1}].", report)
            tiers.append({**rates, "tier": {"type": "context", "size": size}})
        if tiers:
            cost["tiers"] = tiers
            top = plan.tiers[-1]
            if top.upper is not None:
                report.add(
                    o.provider,
                    o.id,
                    "top tier",
                    f"{top.upper:,}",
                    "models.dev's top tier is open: it prices counts above this that "
                    "ratecard refuses",
                )
        for tool in plan.tools:
            if tool.per_call.price != 0:
                report.add(
                    o.provider,
                    o.id,
                    f"tool:{tool.name}",
                    "unpublished" if tool.per_call.price is None else str(tool.per_call.price),
                    "models.dev has no tool fees: omitted",
                )
    except _Omit as why:
        report.add(o.provider, o.id, "(offering)", "", f"left out: {why}")
        return None
    model = catalog.models.get(o.model)
    doc: dict[str, Any] = {"name": o.name}
    if model is not None and model.family:
        doc["family"] = model.family
    if model is not None and model.release_date is not None:
        doc["release_date"] = model.release_date.isoformat()
    features = set(o.features)
    if "temperature" in o.parameters:
        features.add("temperature")
    for feature, key in FEATURES.items():
        if feature in features:
            doc[key] = True
    if "reasoning" not in doc and model is not None and model.reasoning is not None:
        doc["reasoning"] = model.reasoning
    if model is not None and model.open_weights is not None:
        doc["open_weights"] = model.open_weights
    doc["cost"] = cost
    limit = {}
    if o.context_window:
        limit["context"] = o.context_window
    if o.max_output_tokens:
        limit["output"] = o.max_output_tokens
    if limit:
        doc["limit"] = limit
    if o.input_modalities or o.output_modalities:
        doc["modalities"] = {
            "input": list(o.input_modalities or ("text",)),
            "output": list(o.output_modalities or ("text",)),
        }
    return doc


def provider_doc(catalog: Catalog, pid: str) -> dict[str, Any]:
    """``provider.toml``: the name, the SDK package its dialect implies, the docs URL."""
    p = catalog.providers.get(pid)
    endpoints = set(p.endpoints) if p is not None else set()
    messages_only = endpoints == {"messages"}
    doc: dict[str, Any] = {"name": p.name if p is not None else pid, "env": []}
    doc["npm"] = "@ai-sdk/anthropic" if messages_only else "@ai-sdk/openai-compatible"
    if p is not None and p.base_url:
        doc["api"] = p.base_url
    urls = [s for s in (p.sources if p is not None else ()) if s.startswith("https://")]
    if urls:
        doc["doc"] = urls[0]
    return doc


def export_models_dev(catalog: Catalog, out: Path, report: ImportReport) -> list[Path]:
    """Write the tree below ``out`` (its ``providers/`` replaced); the files written."""
    import shutil  # here: only this path removes a tree

    if (out / "providers").exists():
        shutil.rmtree(out / "providers")
    written: list[Path] = []
    providers: set[str] = set()
    for key in sorted(catalog.offerings):
        o = catalog.offerings[key]
        doc = model_doc(o, catalog, report)
        if doc is None:
            continue
        path = out / "providers" / o.provider / "models" / f"{o.id}.toml"
        if not path.resolve().is_relative_to((out / "providers" / o.provider).resolve()):
            report.add(o.provider, o.id, "(offering)", "", "left out: the id is not a file path")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps_toml(doc), encoding="utf-8")
        written.append(path)
        providers.add(o.provider)
    for pid in sorted(providers):
        path = out / "providers" / pid / "provider.toml"
        path.write_text(dumps_toml(provider_doc(catalog, pid)), encoding="utf-8")
        written.append(path)
    return sorted(written)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")
        return text
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"no TOML for {type(v).__name__}")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def dumps_toml(doc: dict[str, Any]) -> str:
    """TOML for a models.dev document: scalars first, then ``[table]`` and ``[[array]]``
    sections (one level deep, as models.dev writes them). Decimals are exact numbers."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for k, v in doc.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    for name, table in tables:
        arrays = [
            (k, v)
            for k, v in table.items()
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        ]
        lines.append("")
        lines.append(f"[{name}]")
        for k, v in table.items():
            if (k, v) not in arrays:
                lines.append(f"{_key(k)} = {_value(v)}")
        for k, items in arrays:
            for item in items:
                lines.append("")
                lines.append(f"[[{name}.{_key(k)}]]")
                for ik, iv in item.items():
                    lines.append(f"{_key(ik)} = {_value(iv)}")
    return "\n".join(lines) + "\n"


__all__ = ["FEATURES", "dumps_toml", "export_models_dev", "model_doc", "provider_doc"]
