"""Export cards as LiteLLM's ``model_cost`` JSON (usable with ``litellm.register_model``).

LiteLLM treats a missing price as 0 and prices tiers by ``*_above_<N>k_tokens`` with
``k`` = 1,000 and an open top tier. So, never to turn a price into a free one:

- an offering whose input or output price is unpublished, or whose plan has request fees
  or tier bounds LiteLLM cannot say (not a multiple of 1,000, or a tier count other than
  prompt tokens), is **left out** and reported;
- a not-applicable rate is omitted (the charge cannot occur) and reported;
- a tool fee LiteLLM has no key for is omitted and reported (LiteLLM does not price that
  tool at all); ``web_search`` becomes ``search_context_cost_per_query``;
- a bounded top tier becomes LiteLLM's open one, with a report line (LiteLLM prices the
  counts ratecard refuses).

Prices are written per token as exact decimal numbers (``0.00000009``).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..model import Offering, PricePlan
from .exported_rate import Omit, exported_price, exported_tool_fees, left_out
from .litellm import INCLUSIVE_THRESHOLDS, TOKEN_KEYS
from .report import ImportReport

_KEYS = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "reasoning": "output_cost_per_reasoning_token",
}
_KEYS.update({kind: key for key, kind in TOKEN_KEYS.items() if kind not in _KEYS})
_PER_TOKEN = Decimal("0.000001")


#: price context → LiteLLM's key suffix (``input_cost_per_token_batches``)
_SUFFIX = {"batch": "_batches", "priority": "_priority", "flex": "_flex"}


def _plan_keys(o: Offering, plan: PricePlan, report: ImportReport, ctx: str) -> dict[str, Any]:
    """LiteLLM's price keys for one plan (``ctx``: the context's key suffix, or "")."""
    if plan.request_fees:
        raise Omit("request fees: LiteLLM has no per-request fee")
    if plan.tiered and plan.tier_by != "input_tokens":
        raise Omit(f"tiers by {plan.tier_by}: LiteLLM tiers by prompt tokens")
    out: dict[str, Any] = {}
    for i, tier in enumerate(plan.tiers):
        suffix = ""
        if i > 0:
            lower = tier.lower
            assert lower is not None
            bound = lower if tier.upper_inclusive else lower - 1
            if o.provider in INCLUSIVE_THRESHOLDS:
                bound += 1  # LiteLLM applies this provider's _above_N from N on
            if bound % 1000:
                raise Omit(f"tier bound {bound:,} is not a multiple of 1,000 (LiteLLM's k)")
            suffix = f"_above_{bound // 1000}k_tokens"
        for kind, key in _KEYS.items():
            price = exported_price(
                o,
                tier.prices.get(kind),
                kind,
                report,
                key + suffix + ctx,
                "LiteLLM would charge 0",
                ("input", "output"),
            )
            if price is not None:
                out[key + suffix + ctx] = (price * _PER_TOKEN).normalize()
    top = plan.tiers[-1]
    if plan.tiered and top.upper is not None:
        report.add(
            o.provider,
            o.id,
            "top tier" + ctx,
            f"{top.upper:,}",
            "LiteLLM's top tier is open: it prices counts above this that ratecard refuses",
        )
    if ctx:
        return out  # tools: LiteLLM has one search fee for every context
    note = "LiteLLM has no key for this tool's fee: omitted (LiteLLM does not price it)"
    for _, per_call in exported_tool_fees(o, plan.tools, report, ("web_search",), note):
        out["search_context_cost_per_query"] = {
            f"search_context_size_{size}": per_call for size in ("low", "medium", "high")
        }
    return out


def entry(o: Offering, report: ImportReport) -> dict[str, Any] | None:
    """The LiteLLM entry of ``o``, or None (reported) when LiteLLM cannot hold its prices.
    The ``batch``, ``priority`` and ``flex`` contexts (one version, no daily window) are
    written with LiteLLM's ``_batches`` / ``_priority`` / ``_flex`` key suffixes; other
    contexts and daily windows are reported, not written."""
    plan = o.plan_at(None)
    held = {
        key: group[0]
        for key, group in o.contexts.items()
        if key in _SUFFIX and len(group) == 1 and group[0].effective_from is None
    }
    report.contexts_left_out(o.provider, o.id, [k for k in o.contexts if k not in held], "LiteLLM")
    try:
        if plan is None:
            raise Omit("no price plan")
        out: dict[str, Any] = {"litellm_provider": o.provider, "mode": "chat"}
        if o.context_window:
            out["max_input_tokens"] = o.context_window
        if o.max_output_tokens:
            out["max_output_tokens"] = o.max_output_tokens
        out.update(_plan_keys(o, plan, report, ""))
        for context, ctx_plan in sorted(held.items()):
            out.update(_plan_keys(o, ctx_plan, report, _SUFFIX[context]))
        out["source"] = o.sources[0] if o.sources else "ratecard"
        return out
    except Omit as why:
        left_out(report, o, why)
        return None


def export_litellm(catalog: Catalog, report: ImportReport) -> str:
    """The ``model_cost`` JSON of every offering LiteLLM can hold, keyed ``provider/id``."""
    doc: dict[str, Any] = {}
    for o in catalog:
        found = entry(o, report)
        if found is not None:
            doc[o.key] = found
    return dumps_exact(doc)


_MARK = "\u0001dec:"
_MARKED = re.compile(r'"\\u0001dec:([0-9.]+)"')


def dumps_exact(doc: Any) -> str:
    """JSON with every Decimal written as a number from its exact decimal text."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return _MARK + format(value, "f")
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(doc), indent=2, sort_keys=True)
    return _MARKED.sub(lambda m: m.group(1), text) + "\n"


__all__ = ["dumps_exact", "entry", "export_litellm"]
