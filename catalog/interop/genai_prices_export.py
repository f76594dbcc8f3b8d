"""Export cards as genai-prices provider YAML (one ``<provider>.yml`` per provider, in the
shape of genai-prices' ``prices/providers/*.yml``).

Each offering becomes a model: ``id``, ``name``, ``description``, ``context_window``,
``match`` (the card's rules, else ``equals: <id>``) and ``prices``: a mapping of price keys
(every token kind under genai-prices' unit name: ``input_mtok``, ``cache_write_1h_mtok``,
``input_audio_mtok``, ...; reasoning is ``output_reasoning_mtok``), or, with dated versions,
a list of ``{constraint: {start_date}, prices}``, and daily windows as ``{constraint:
{start_time, end_time}, prices}`` (DeepSeek's off-peak). A tiered rate is ``{base, tiers:
[{start, price}]}`` with genai-prices' rule (a tier applies above its start, to the whole
request, by input tokens); ``web_search`` / ``file_search`` per call are
``web_searches_kcount`` / ``storage_searches_kcount`` (per 1,000); a fee on every request is
``requests_kcount``; each price context is a ``price_variants`` entry (``when: {processing:
batch}`` or ``{service_tier: X}``, dated by ``constraint.start_date``, newest first).

genai-prices charges 0 for a missing price, so, never to make a price free: an offering with
an unpublished input or output price, a conditional request fee, tiers by another count, a
bounded top tier, or a daily window with a date or in a context is **left out** and
reported; a not-applicable rate or another tool's fee is omitted and reported.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..cards.dump import dump_yaml
from ..catalog import Catalog
from ..kinds import KINDS, chain
from ..model import OPEN_TOP, Offering, PricePlan
from .exported_rate import Omit, exported_price, exported_tool_fees, left_out
from .report import ImportReport

#: token kind → genai-prices price key: the card's kinds take genai-prices' unit names
#: (catalog/kinds.py), except reasoning.
_KEYS = {
    name: ("output_reasoning_mtok" if name == "reasoning" else kind.price_key)
    for name, kind in KINDS.items()
}
#: tool → genai-prices counted unit (per 1,000 calls)
_TOOLS = {"web_search": "web_searches_kcount", "file_search": "storage_searches_kcount"}


def _prices(o: Offering, plan: PricePlan, report: ImportReport) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fee in plan.request_fees:
        if fee.when or fee.or_when_tools_used:
            raise Omit("request fees: genai-prices has no conditional per-request fee")
        if fee.per_request.price is None:
            raise Omit(f"request fee {fee.name} unpublished")
        total = out.get("requests_kcount", Decimal(0)) + fee.per_request.price * 1000
        out["requests_kcount"] = total.normalize()
    if plan.tiered and (
        plan.tier_by != "input_tokens" or plan.tiers[-1].upper not in (None, OPEN_TOP)
    ):
        raise Omit("tiers genai-prices cannot say (by another count, or a bounded top tier)")
    for kind, key in _KEYS.items():
        values: list[Decimal] = []
        for tier in plan.tiers:
            price = exported_price(
                o,
                tier.prices.get(kind),
                kind,
                report,
                key,
                "genai-prices would charge 0",
                ("input", "output"),
            )
            if price is None:
                break
            values.append(price)
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
    note = "no genai-prices unit for this tool: omitted"
    for name, per_call in exported_tool_fees(o, plan.tools, report, _TOOLS, note):
        out[_TOOLS[name]] = (per_call * 1000).normalize()
    return out


def _match(o: Offering) -> dict[str, Any]:
    if o.match is None:
        return {"equals": o.id}

    def clause(m: Any) -> dict[str, Any]:
        if m.kind in ("any_of", "all_of"):
            return {"or" if m.kind == "any_of" else "and": [clause(p) for p in m.parts]}
        return {m.kind: m.text}

    return {"or": [{"equals": o.id}, clause(o.match)]}


def _start(plan: PricePlan) -> dt.date:
    assert plan.effective_from is not None
    if plan.effective_from.time() != plan.effective_from.time().min:
        raise Omit("a price version that starts within a day (genai-prices: dates)")
    return plan.effective_from.date()


def _time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00Z"


def _fill(prices: dict[str, Any], standard: dict[str, Any]) -> dict[str, Any]:
    """A context's prices with every key the standard prices: genai-prices takes a key the
    variant lacks from the standard prices, ratecard from the context's own fallback chain
    (a batch cache read at the batch input rate), so the fallback is written out."""
    out = dict(prices)
    for name, key in _KEYS.items():
        if key in standard and key not in out:
            for parent in chain(name)[1:]:
                if _KEYS[parent] in out:
                    out[key] = out[_KEYS[parent]]
                    break
    return out


def _versions(o: Offering, report: ImportReport) -> tuple[Any, list[dict[str, Any]]]:
    """genai-prices' ``prices`` (a mapping, or dated versions and daily windows) and its
    ``price_variants`` (one per context version: ``processing: batch`` or ``service_tier``)."""
    if not o.pricing:
        raise Omit("no price plan")
    versions: list[dict[str, Any]] = []
    for plan in o.pricing:
        prices = _prices(o, plan, report)
        if plan.effective_from is None:
            versions.append({"prices": prices})
        else:
            versions.append({"constraint": {"start_date": _start(plan)}, "prices": prices})
    variants: list[dict[str, Any]] = []
    standard = versions[-1]["prices"]
    for key, group in sorted(o.contexts.items()):
        context, _, window = key.partition("@")
        if window:
            if context != "default" or len(group) > 1 or group[0].effective_from is not None:
                raise Omit(f"a daily window genai-prices cannot say ({key}, dated or in a context)")
            assert group[0].daily_utc is not None
            start, end = group[0].daily_utc
            constraint = {"start_time": _time(start), "end_time": _time(end)}
            versions.append({"constraint": constraint, "prices": _prices(o, group[0], report)})
            continue
        when = {"processing": "batch"} if context == "batch" else {"service_tier": context}
        # newest first: genai-prices takes each key from the first active variant
        for plan in reversed(group):
            variant: dict[str, Any] = {
                "when": when,
                "prices": _fill(_prices(o, plan, report), standard),
            }
            if plan.effective_from is not None:
                variant["constraint"] = {"start_date": _start(plan)}
            variants.append(variant)
        first = group[0].effective_from
        if first is not None:
            report.add(
                o.provider,
                o.id,
                f"context {context}",
                first.date().isoformat(),
                "before this date genai-prices prices the context at the standard prices; "
                "ratecard refuses such records",
            )
    return versions, variants


def model_entry(o: Offering, report: ImportReport) -> dict[str, Any] | None:
    """One genai-prices model for ``o``, or None (reported) when it cannot say its prices."""
    try:
        versions, variants = _versions(o, report)
    except Omit as why:
        left_out(report, o, why)
        return None
    entry: dict[str, Any] = {"id": o.id, "name": o.name}
    if o.description:
        entry["description"] = o.description
    if o.context_window:
        entry["context_window"] = o.context_window
    entry["match"] = _match(o)
    entry["prices"] = versions[0]["prices"] if len(versions) == 1 else versions
    if variants:
        entry["price_variants"] = variants
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
