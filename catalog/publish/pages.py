"""Text for people: the catalog list and a model page like the providers' own."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..kinds import EXTRA_KINDS
from ..model import Model, Offering, Parameter, PricePlan
from ..rates import PriceState, Rate
from ..units import format_tokens
from .documents import dec


def value_text(value: Any) -> str:
    """A request value as a person writes it in JSON: 0.7, true, "medium", null."""
    if isinstance(value, Decimal):
        return dec(value) or "0"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _assignments(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={value_text(v)}" for k, v in values.items())


def money(rate: Rate, *, with_list: bool = True) -> str:
    if rate.state is PriceState.UNPUBLISHED:
        return "unpublished"
    if rate.state is PriceState.NOT_APPLICABLE:
        return "not applicable"
    if rate.price == 0:
        return "free"
    text = f"${rate.price}"
    if with_list and rate.list_price is not None:
        text += f" (was ${rate.list_price})"
    return text


def tokens(count: int | None) -> str:
    return "-" if count is None else f"{format_tokens(count)} ({count:,})"


def _headline_rates(offering: Offering) -> tuple[str, str]:
    plan = offering.plan_at(None)
    if plan is None:
        return "-", "-"
    first = plan.tiers[0]
    suffix = "+" if len(plan.tiers) > 1 else ""
    return (
        money(first.prices["input"].rate, with_list=False) + suffix,
        money(first.prices["output"].rate, with_list=False) + suffix,
    )


def list_rows(
    catalog: Catalog, offerings: Iterable[Offering] | None = None
) -> list[dict[str, str]]:
    """One row per offering (``offerings``, else every one in the catalog)."""
    rows = []
    for o in catalog if offerings is None else offerings:
        inp, out = _headline_rates(o)
        rows.append(
            {
                "id": o.id,
                "provider": o.provider,
                "status": o.status,
                "context": format_tokens(o.context_window) if o.context_window else "-",
                "max_output": format_tokens(o.max_output_tokens) if o.max_output_tokens else "-",
                "input_per_1m": inp,
                "output_per_1m": out,
            }
        )
    return rows


def table(rows: list[dict[str, str]], headers: dict[str, str]) -> str:
    widths = {
        k: max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in headers.items()
    }
    lines = ["  ".join(h.ljust(widths[k]) for k, h in headers.items()).rstrip()]
    for r in rows:
        lines.append("  ".join(r[k].ljust(widths[k]) for k in headers).rstrip())
    return "\n".join(lines)


LIST_HEADERS = {
    "id": "ID",
    "provider": "PROVIDER",
    "status": "STATUS",
    "context": "CONTEXT",
    "max_output": "MAX OUT",
    "input_per_1m": "INPUT/1M",
    "output_per_1m": "OUTPUT/1M",
}


_TIER_COUNTS = {
    "input_tokens": "prompt tokens, cached included",
    "uncached_input_tokens": "uncached prompt tokens",
    "total_tokens": "prompt and output tokens",
}


def _plan_lines(plan: PricePlan) -> list[str]:
    out = []
    when = plan.effective_from.date().isoformat() if plan.effective_from else "always"
    until = f" until {plan.effective_until.date().isoformat()}" if plan.effective_until else ""
    context = "" if plan.context == "default" else f"; context {plan.context}"
    if plan.daily_utc is not None:
        start, end = plan.daily_utc
        context += f"; daily {start // 60:02}:{start % 60:02}-{end // 60:02}:{end % 60:02} UTC"
    out.append(f"Price version {plan.version} (from {when}{until}; {plan.currency}{context})")
    if plan.tiered:
        rule = (
            "a count equal to a bound stays in the lower tier"
            if plan.tier_boundary == "upper_inclusive"
            else "a count equal to a bound moves to the higher tier"
        )
        count = _TIER_COUNTS.get(plan.tier_by, plan.tier_by)
        out.append(f"  Tiers by {plan.tier_by} ({count}); {plan.tier_boundary}: {rule}.")
        out.append("  The tier prices the whole request; beyond the top tier is an error.")
    for kind in ("input", "cache_read", "cache_write", "output", "reasoning"):
        cells = []
        for tier in plan.tiers:
            tp = tier.prices[kind]
            text = f"as {tp.inherited_from}" if tp.inherited_from else money(tp.rate)
            cells.append(f"{tier.label} {text}" if plan.tiered else text)
        out.append(f"  {kind.replace('_', ' '):<12} per 1M tokens  " + "; ".join(cells))
    for kind in EXTRA_KINDS:  # the other kinds the card prices itself
        if not any(kind in tier.prices for tier in plan.tiers):
            continue
        cells = []
        for tier in plan.tiers:
            tp = tier.price_of(kind)
            text = f"as {tp.inherited_from}" if tp.inherited_from else money(tp.rate)
            cells.append(f"{tier.label} {text}" if plan.tiered else text)
        out.append(f"  {kind.replace('_', ' '):<12} per 1M tokens  " + "; ".join(cells))
    fees = {fee.name: fee for fee in plan.request_fees}
    for tool in plan.tools:
        aliases = f"  [tool_usage: {', '.join((tool.name, *tool.aliases))}]"
        price = money(tool.per_call)
        if tool.included_in is not None:
            fee = fees.get(tool.included_in)
            covered = f" ({money(fee.per_request)} per request)" if fee else ""
            price = f"included in the {tool.included_in} request fee{covered}"
        out.append(f"  tool {tool.label:<24} per call       {price}{aliases}")
    for fee in plan.request_fees:
        used = (
            f" or when {', '.join(fee.or_when_tools_used)} is used"
            if fee.or_when_tools_used
            else ""
        )
        out.append(
            f"  fee  {fee.label:<24} per request    {money(fee.per_request)}"
            + (f" when {_assignments(fee.when)}{used}" if fee.when or used else " on every request")
        )
    out.extend(f"  note: {n}" for n in plan.notes)
    return out


def _param_line(p: Parameter) -> str:
    kind = "/".join(p.types)
    bits = []
    if p.required:
        bits.append("required")
    if p.has_default:
        bits.append(f"default {value_text(p.default)}")
    if p.minimum is not None or p.maximum is not None:
        bits.append(f"range {dec(p.minimum) or '-'} to {dec(p.maximum) or '-'}")
    if p.step is not None:
        bits.append(f"step {dec(p.step)}")
    if p.values is not None:
        bits.append("allowed " + ", ".join(value_text(v) for v in p.values))
    if p.values_known is not None:
        known = ", ".join(value_text(v) for v in p.values_known) or "none shown"
        bits.append(f"{p.values_count or '?'} allowed values (known: {known})")
    if p.const is not None:
        bits.append(f"value {value_text(p.const)}")
    if p.const_is_offering_id:
        bits.append("value: the offering id")
    if p.format:
        bits.append(f"format {p.format}")
    if p.max_items is not None:
        bits.append(f"max items {p.max_items}")
    if p.min_items is not None:
        bits.append(f"min items {p.min_items}")
    if p.min_length is not None or p.max_length is not None:
        bits.append(f"length {p.min_length or 0} to {p.max_length or '-'}")
    line = f"  {p.name:<28} {kind:<14} {'; '.join(bits)}".rstrip()
    if p.description:
        wrapped = textwrap.wrap(" ".join(p.description.split()), 86)
        line += "".join(f"\n      {w}" for w in wrapped)
    return line


def _yn(value: bool | None) -> str:
    return "unknown" if value is None else ("Yes" if value else "No")


def _glance(offering: Offering, provider_endpoints: Mapping[str, Any]) -> list[tuple[str, str]]:
    def endpoint(name: str) -> str:
        spec = provider_endpoints.get(name)
        return f"{spec.method} {spec.path}" if spec is not None and spec.path else name

    glance = [
        ("Model id", offering.id),
        ("Status", offering.status.replace("_", " ")),
        ("Input modalities", ", ".join(offering.input_modalities) or "-"),
        ("Output modalities", ", ".join(offering.output_modalities) or "-"),
        ("Context window", tokens(offering.context_window)),
        ("Max output tokens", tokens(offering.max_output_tokens)),
        ("Weight precision", offering.weight_precision or "-"),
        ("Region", offering.region or "-"),
        ("Features", ", ".join(offering.features) or "-"),
        ("Native inference", _yn(offering.native_inference)),
        ("New", _yn(offering.new)),
        ("Supported endpoints", ", ".join(endpoint(e) for e in offering.endpoints) or "-"),
    ]
    if offering.base:
        glance.insert(1, ("Variant of", offering.base))
    return glance


def show_page(catalog: Catalog, offering: Offering) -> str:
    """A model page like the providers' own: at a glance, pricing, parameters, rules,
    variants, then the facts of the model it sells."""
    provider = catalog.providers[offering.provider]
    model = catalog.models.get(offering.model)
    lines = [offering.name, "=" * len(offering.name)]
    by = f"{model.creator} · " if model else ""
    lines.append(f"{by}{offering.task or '-'} · sold by {provider.name}")
    if offering.description:
        lines.extend(["", *textwrap.wrap(offering.description, 90)])
    lines += ["", "At a glance"]
    lines += [f"  {k:<20} {v}" for k, v in _glance(offering, provider.endpoints)]
    lines += ["", "Pricing"]
    for plan in offering.pricing:
        lines += _plan_lines(plan)
    for plans in offering.contexts.values():
        for plan in plans:
            lines += _plan_lines(plan)
    if not offering.pricing:
        lines.append("  no price plan: prices are unpublished")
    lines += ["", "Parameters"]
    lines += [_param_line(p) for p in offering.parameters.values()]
    if offering.rules:
        lines += ["", "Rules"]
        for r in offering.rules:
            when, then = _assignments(r.when), _assignments(r.then)
            verb = "requires" if r.kind == "requires" else "conflicts with"
            lines.append(f"  {when} {verb} {then}" + (f"  ({r.message})" if r.message else ""))
    if offering.variants:
        lines += ["", "Variants"]
        for vid in offering.variants:
            v = catalog.resolve(f"{offering.provider}/{vid}")
            inp, out = _headline_rates(v)
            lines.append(
                f"  {vid}: region {v.region or '-'}, context {tokens(v.context_window)}, "
                f"max output {tokens(v.max_output_tokens)}, input {inp}, output {out} per 1M"
            )
        lines.append(f"  (ratecard catalog show {offering.variants[0]} for a variant's page)")
    if model is not None:
        lines += ["", f"Model facts ({model.id})", *_model_lines(model)]
    notes = list(offering.notes)
    if notes:
        lines += ["", "Notes", *(f"  - {n}" for n in notes)]
    return "\n".join(lines)


def _model_lines(model: Model) -> list[str]:
    facts = [
        ("Name", model.name),
        ("Creator", model.creator),
        ("Family", model.family or "-"),
        ("Parameters", _params(model.total_parameters, model.active_parameters)),
        ("Architecture", model.architecture or "unknown"),
        ("Licence", model.license or "unknown"),
        ("Open weights", _yn(model.open_weights)),
        ("Weights", model.weights_host or "-"),
        ("Released", model.release_date.isoformat() if model.release_date else "unknown"),
        ("Input modalities", ", ".join(model.input_modalities) or "-"),
        ("Output modalities", ", ".join(model.output_modalities) or "-"),
        ("Reasoning", _yn(model.reasoning)),
        ("Native context", tokens(model.native_context)),
        ("Extended context", tokens(model.extended_context)),
        ("Superseded by", model.superseded_by or "-"),
    ]
    lines = [f"  {k:<20} {v}" for k, v in facts]
    if model.benchmarks:
        lines.append("  Benchmarks")
    for b in model.benchmarks:
        value = b["value"]
        shown = format(value, "f") if isinstance(value, Decimal) else str(value)
        if b.get("as_published"):
            # the exact value with separators: 62M (62,000,000), decimal as published
            exact = format(value, ",f") if isinstance(value, Decimal) else str(value)
            shown = f"{b['as_published']} ({exact})"
        lines.append(f"    {b['name']}: {shown} {b.get('unit') or ''}".rstrip())
        if b.get("comparison"):
            lines.append(f"      {b['comparison']}")
        lines.append(f"      source: {b['source']}")
    return lines


def model_page(catalog: Catalog, model: Model) -> str:
    """The page of a model card alone (seed 002), with the offerings that sell it."""
    lines = [model.name, "=" * len(model.name)]
    if model.description:
        lines.extend(["", *textwrap.wrap(" ".join(model.description.split()), 90)])
    lines += ["", f"Model facts ({model.id})", *_model_lines(model)]
    sold = [o for o in catalog if o.model == model.id]
    lines += ["", "Offerings"]
    lines += [f"  {o.provider}/{o.id} ({o.status.replace('_', ' ')})" for o in sold] or [
        "  none in this catalog"
    ]
    if model.notes:
        lines += ["", "Notes", *(f"  - {n}" for n in model.notes)]
    return "\n".join(lines)


def _params(total: int | None, active: int | None) -> str:
    if total is None:
        return "unknown"
    text = f"{total:,} total"
    if active is not None:
        text += f", {active:,} active"
    return text
