"""Export cards as genai-prices provider YAML (one ``<provider>.yml`` per provider, in the
shape of genai-prices' ``prices/providers/*.yml``).

Each offering becomes a model: ``id``, ``name``, ``description``, ``context_window``,
``match`` (the card's rules, else ``equals: <id>``) and ``prices``: a mapping of price keys
(``input_mtok``, ``output_mtok``, ``cache_read_mtok``, ``cache_write_mtok``,
``output_reasoning_mtok``), or, with dated versions, a list of ``{constraint: {start_date},
prices}``. A tiered rate is ``{base, tiers: [{start, price}]}`` with genai-prices' rule (a tier
applies above its start, to the whole request, by input tokens); ``web_search`` per call is
``web_searches_kcount`` (per 1,000).

genai-prices charges 0 for a missing price, so, never to make a price free: an offering with
an unpublished input or output price, request fees, tiers by another count, or a bounded
top tier is **left out** and reported; a not-applicable rate or another tool's fee is
omitted and reported.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..cards.dump import dump_yaml
from ..catalog import Catalog
from ..model import OPEN_TOP, Offering, PricePlan
from ..rates import PriceState
from .report import ImportReport

_KEYS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "reasoning": "output_reasoning_mtok",
}


class _Omit(Exception):
    pass


def _prices(o: Offering, plan: PricePlan, report: ImportReport) -> dict[str, Any]:
    if plan.request_fees:
        raise _Omit("request fees: genai-prices has no conditional per-request fee")
    if plan.tiered and (
        plan.tier_by != "input_tokens" or plan.tiers[-1].upper not in (None, OPEN_TOP)
    ):
        raise _Omit("tiers genai-prices cannot say (by another count, or a bounded top tier)")
    out: dict[str, Any] = {}
    for kind, key in _KEYS.items():
        values: list[Decimal] = []
        for tier in plan.tiers:
            token_price = tier.prices.get(kind)
            if token_price is None or token_price.inherited_from is not None:
                break
            rate = token_price.rate
            if rate.state is PriceState.UNPUBLISHED:
                if kind in ("input", "output"):
                    raise _Omit(f"{kind} price unpublished (genai-prices would charge 0)")
                raise _Omit(f"{kind} price unpublished")
            if rate.state is PriceState.NOT_APPLICABLE:
                report.add(o.provider, o.id, key, "not_applicable", "omitted")
                break
            assert rate.price is not None
            values.append(rate.price)
        if not values:
            continue
        if len(values) == 1:
            out[key] = values[0]
            continue
        tiers = []
        for tier, price in zip(plan.tiers[1:], values[1:], strict=True):
            assert tier.lower is not None
            start = tier.lower if tier.upper_inclusive else tier.lower - 1
            tiers.append({"start": start, "price": price})
        out[key] = {"base": values[0], "tiers": tiers}
    for tool in plan.tools:
        if tool.per_call.price is None:
            raise _Omit(f"tool {tool.name} fee unpublished")
        if tool.name == "web_search":
            out["web_searches_kcount"] = (tool.per_call.price * 1000).normalize()
        elif tool.per_call.price != 0:
            report.add(
                o.provider,
                o.id,
                f"tool:{tool.name}",
                format(tool.per_call.price, "f"),
                "no genai-prices unit for this tool: omitted",
            )
    return out


def _match(o: Offering) -> dict[str, Any]:
    if o.match is None:
        return {"equals": o.id}

    def clause(m: Any) -> dict[str, Any]:
        if m.kind in ("any_of", "all_of"):
            return {"or" if m.kind == "any_of" else "and": [clause(p) for p in m.parts]}
        return {m.kind: m.text}

    return {"or": [{"equals": o.id}, clause(o.match)]}


def model_entry(o: Offering, report: ImportReport) -> dict[str, Any] | None:
    """One genai-prices model for ``o``, or None (reported) when it cannot say its prices."""
    try:
        if not o.pricing:
            raise _Omit("no price plan")
        versions = []
        for plan in o.pricing:
            prices = _prices(o, plan, report)
            if plan.effective_from is None:
                versions.append({"prices": prices})
            else:
                if plan.effective_from.time() != plan.effective_from.time().min:
                    raise _Omit("a price version that starts within a day (genai-prices: dates)")
                start = plan.effective_from.date()
                versions.append({"constraint": {"start_date": start}, "prices": prices})
    except _Omit as why:
        report.add(o.provider, o.id, "(offering)", "", f"left out: {why}")
        return None
    entry: dict[str, Any] = {"id": o.id, "name": o.name}
    if o.description:
        entry["description"] = o.description
    if o.context_window:
        entry["context_window"] = o.context_window
    entry["match"] = _match(o)
    entry["prices"] = versions[0]["prices"] if len(versions) == 1 else versions
    return entry


def export_genai_prices(catalog: Catalog, out: Path, report: ImportReport) -> list[Path]:
    """``out/<provider>.yml`` per provider with at least one exportable offering."""
    by_provider: dict[str, list[dict[str, Any]]] = {}
    for o in catalog:
        entry = model_entry(o, report)
        if entry is not None:
            by_provider.setdefault(o.provider, []).append(entry)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pid, models in sorted(by_provider.items()):
        provider = catalog.providers[pid]
        doc = {
            "name": provider.name,
            "id": pid,
            "api_pattern": provider.base_url or "",
            "models": models,
        }
        path = out / f"{pid}.yml"
        path.write_text(dump_yaml(doc), encoding="utf-8")
        written.append(path)
    return written


__all__ = ["export_genai_prices", "model_entry"]
