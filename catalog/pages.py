"""Text for people: the catalog list and a model page like the providers' own."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from .catalog import Catalog
from .documents import dec
from .fields import PriceState, Rate
from .model import Offering, Parameter, PricePlan
from .units import format_tokens


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


def list_rows(catalog: Catalog) -> list[dict[str, str]]:
    rows = []
    for o in catalog:
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


def _plan_lines(plan: PricePlan) -> list[str]:
    out = []
    when = plan.effective_from.date().isoformat() if plan.effective_from else "always"
    out.append(f"Price version {plan.version} (from {when}, {plan.currency})")
    if plan.tiered:
        rule = (
            "count equal to a bound stays in the lower tier"
            if plan.tier_boundary == "upper_inclusive"
            else "count equal to a bound moves to the higher tier"
        )
        out.append(
            f"  Tiers selected by {plan.tier_by} ({plan.tier_boundary}: {rule}); "
            "a tier prices the whole request; beyond the top tier is an error"
        )
    rows = []
    for kind in ("input", "cache_read", "cache_write", "output", "reasoning"):
        cells = []
        for tier in plan.tiers:
            tp = tier.prices[kind]
            text = money(tp.rate)
            if tp.inherited_from:
                text = f"as {tp.inherited_from}"
            cells.append(f"{tier.label} {text}" if plan.tiered else text)
        rows.append(f"  {kind.replace('_', ' '):<12} per 1M tokens  " + "; ".join(cells))
    out.extend(rows)
    for tool in plan.tools:
        aliases = f" (also {', '.join(tool.aliases)})" if tool.aliases else ""
        covered = f", included in request fee {tool.included_in}" if tool.included_in else ""
        out.append(
            f"  tool {tool.name:<17} per call       {money(tool.per_call)}{covered}{aliases}"
        )
    for fee in plan.request_fees:
        cond = ", ".join(f"{k}={v}" for k, v in fee.when.items())
        used = (
            f" or when {', '.join(fee.or_when_tools_used)} is used"
            if fee.or_when_tools_used
            else ""
        )
        out.append(
            f"  fee  {fee.name:<17} per request    {money(fee.per_request)} when {cond}{used}"
        )
    out.extend(f"  note: {n}" for n in plan.notes)
    return out


def _param_line(p: Parameter) -> str:
    kind = "/".join(p.types)
    bits = []
    if p.required:
        bits.append("required")
    if p.has_default:
        bits.append(f"default {p.default!r}")
    if p.minimum is not None or p.maximum is not None:
        bits.append(f"range {dec(p.minimum) or '-'} to {dec(p.maximum) or '-'}")
    if p.step is not None:
        bits.append(f"step {dec(p.step)}")
    if p.values is not None:
        bits.append("allowed " + ", ".join(map(str, p.values)))
    if p.values_known is not None:
        known = ", ".join(map(str, p.values_known)) or "none shown"
        bits.append(f"{p.values_count or '?'} allowed values (known: {known})")
    if p.const is not None:
        bits.append(f"value {p.const}")
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
    return f"  {p.name:<28} {kind:<14} {'; '.join(bits)}"


def _yn(value: bool | None) -> str:
    return "unknown" if value is None else ("Yes" if value else "No")


def show_page(catalog: Catalog, offering: Offering) -> str:
    provider = catalog.providers[offering.provider]
    model = catalog.models.get(offering.model)
    lines = [offering.name, "=" * len(offering.name)]
    by = f"{model.creator} · " if model else ""
    lines.append(f"{by}{offering.task or ''} · sold by {provider.name}")
    if offering.description:
        lines.extend(["", *textwrap.wrap(offering.description, 90)])
    lines += ["", "At a glance"]
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
        (
            "Supported endpoints",
            ", ".join(
                f"{provider.endpoints[e].method} {provider.endpoints[e].path or e}"
                for e in offering.endpoints
            ),
        ),
    ]
    if offering.base:
        glance.insert(1, ("Variant of", offering.base))
    lines += [f"  {k:<20} {v}" for k, v in glance]
    lines += ["", "Pricing"]
    for plan in offering.pricing:
        lines += _plan_lines(plan)
    lines += ["", "Parameters"]
    lines += [_param_line(p) for p in offering.parameters.values()]
    if offering.rules:
        lines += ["", "Rules"]
        for r in offering.rules:
            when = ", ".join(f"{k}={v}" for k, v in r.when.items())
            then = ", ".join(f"{k}={v}" for k, v in r.then.items())
            verb = "requires" if r.kind == "requires" else "conflicts with"
            lines.append(f"  {when} {verb} {then}" + (f"  ({r.message})" if r.message else ""))
    if offering.variants:
        lines += ["", "Variants"]
        for vid in offering.variants:
            v = catalog.resolve(f"{offering.provider}/{vid}")
            lines.append(
                f"  {vid}  region {v.region or '-'}, context {tokens(v.context_window)}, "
                f"max output {tokens(v.max_output_tokens)}"
            )
    if model is not None:
        lines += ["", f"Model facts ({model.id})"]
        facts = [
            ("Creator", model.creator),
            ("Parameters", _params(model.total_parameters, model.active_parameters)),
            ("Architecture", model.architecture or "unknown"),
            ("Licence", model.license or "unknown"),
            ("Open weights", _yn(model.open_weights)),
            ("Released", model.release_date.isoformat() if model.release_date else "unknown"),
            ("Native context", tokens(model.native_context)),
            ("Superseded by", model.superseded_by or "-"),
        ]
        lines += [f"  {k:<20} {v}" for k, v in facts]
        for b in model.benchmarks:
            value = b["value"]
            shown = dec(value) if isinstance(value, Decimal) else value
            lines.append(f"  {b['name']}: {shown} {b.get('unit') or ''}".rstrip())
    notes = list(offering.notes)
    if notes:
        lines += ["", "Notes", *(f"  - {n}" for n in notes)]
    return "\n".join(lines)


def _params(total: int | None, active: int | None) -> str:
    if total is None:
        return "unknown"
    text = f"{total:,} total"
    if active is not None:
        text += f", {active:,} active"
    return text
