"""Export cards as an OpenRouter-style ``/api/v1/models`` document, for a platform's own API.

OpenRouter prices are per-token decimal strings (``prompt``, ``completion``, ``request``,
``image``, ``web_search``, ``internal_reasoning``, ``input_cache_read``,
``input_cache_write``), one price per key and no tiers. So, never to turn a price into a free
one, an offering with tiers, request fees or an unpublished input or output price is **left
out** and reported; a not-applicable rate and a tool fee the format has no key for are
omitted and reported. ``context_length``, ``top_provider.max_completion_tokens``, the
modalities and ``supported_parameters`` (the parameter table's names) come from the card.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..model import Offering
from .exported_rate import Omit, exported_price, exported_tool_fees, left_out
from .report import ImportReport

_KEYS = {
    "input": "prompt",
    "output": "completion",
    "reasoning": "internal_reasoning",
    "cache_read": "input_cache_read",
    "cache_write": "input_cache_write",
}
_PER_TOKEN = Decimal("0.000001")


def _text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def model_entry(o: Offering, report: ImportReport) -> dict[str, Any] | None:
    """One ``data`` item for ``o``, or None (reported) when the format cannot hold it."""
    plan = o.plan_at(None)
    report.contexts_left_out(o.provider, o.id, o.contexts, "OpenRouter")

    def omit(why: str) -> None:
        left_out(report, o, why)

    if plan is None:
        omit("no price plan")
        return None
    if plan.tiered:
        omit("tiered prices: OpenRouter's pricing has one price per key")
        return None
    pricing: dict[str, str] = {}
    every_request = Decimal(0)
    for fee in plan.request_fees:
        if fee.when or fee.or_when_tools_used:
            omit("a conditional request fee: OpenRouter's 'request' is a fee on every request")
            return None
        if fee.per_request.price is None:
            omit(f"request fee {fee.name} unpublished")
            return None
        every_request += fee.per_request.price
    if plan.request_fees:
        pricing["request"] = _text(every_request)
    for kind, key in _KEYS.items():
        try:
            price = exported_price(
                o,
                plan.tiers[0].prices.get(kind),
                kind,
                report,
                key,
                "a missing price would read as free",
            )
        except Omit as why:
            omit(str(why))
            return None
        if price is not None:
            pricing[key] = _text(price * _PER_TOKEN)
    note = "no OpenRouter pricing key for this tool: omitted"
    try:
        per_call = exported_tool_fees(o, plan.tools, report, ("web_search",), note, _text)
    except Omit as unpublished:
        omit(str(unpublished))
        return None
    for name, price in per_call:
        pricing[name] = _text(price)
    inputs = list(o.input_modalities) or ["text"]
    outputs = list(o.output_modalities) or ["text"]
    return {
        "id": o.key,
        "canonical_slug": o.key,
        "name": o.name,
        "description": o.description or "",
        "context_length": o.context_window,
        "architecture": {
            "modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            "input_modalities": inputs,
            "output_modalities": outputs,
        },
        "pricing": pricing,
        "top_provider": {
            "context_length": o.context_window,
            "max_completion_tokens": o.max_output_tokens,
            "is_moderated": False,
        },
        "supported_parameters": sorted(o.parameters),
    }


def export_openrouter(catalog: Catalog, report: ImportReport) -> str:
    """The ``{"data": [...]}`` document of every offering the format can hold."""
    data = [e for e in (model_entry(o, report) for o in catalog) if e is not None]
    return json.dumps({"data": data}, indent=2, ensure_ascii=False) + "\n"


__all__ = ["export_openrouter", "model_entry"]
