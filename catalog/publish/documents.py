"""Machine-readable documents for models and offerings, in the spirit of
``GET /v1/models/{id}``. Token counts are exact integers; prices are decimal strings."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..catalog import Catalog
from ..model import Model, Offering, Parameter, PricePlan
from ..rates import PriceState, Rate
from ..requests.dialects.common import json_value

FORMAT_VERSION = 1


def dec(value: Decimal | None) -> str | None:
    """Exact decimal text, no exponent."""
    if value is None:
        return None
    if value == 0:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def price_text(value: Decimal | None) -> str | None:
    """A published price exactly as the card wrote it ("0.090" stays "0.090")."""
    return None if value is None else format(value, "f")


def rate_doc(rate: Rate, inherited_from: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"state": rate.state.value}
    if rate.state is PriceState.PUBLISHED:
        doc["price"] = price_text(rate.price)
        doc["free"] = rate.price == 0
        if rate.list_price is not None:
            doc["list_price"] = price_text(rate.list_price)
    if inherited_from:
        doc["charged_as"] = inherited_from
    return doc


def plan_doc(plan: PricePlan) -> dict[str, Any]:
    doc = _plan_doc(plan)
    if plan.context != "default":
        doc["context"] = plan.context
    if plan.daily_utc is not None:
        start, end = plan.daily_utc
        doc["daily_utc"] = {
            "from": f"{start // 60:02}:{start % 60:02}",
            "to": f"{end // 60:02}:{end % 60:02}",
        }
    return doc


def _plan_doc(plan: PricePlan) -> dict[str, Any]:
    return {
        "version": plan.version,
        "effective_from": plan.effective_from.isoformat() if plan.effective_from else None,
        "effective_until": plan.effective_until.isoformat() if plan.effective_until else None,
        "currency": plan.currency,
        "token_unit": "1M tokens",
        "tiered": plan.tiered,
        "tier_count": plan.tier_by,
        "tier_boundary": plan.tier_boundary,
        "tiers": [
            {
                "label": tier.label,
                "above": tier.lower,
                "up_to": tier.upper,
                "upper_inclusive": tier.upper_inclusive,
                "prices": {
                    kind: rate_doc(tp.rate, tp.inherited_from) for kind, tp in tier.prices.items()
                },
            }
            for tier in plan.tiers
        ],
        "tools": [
            {
                "name": tool.name,
                "label": tool.label,
                "unit": "call",
                "aliases": list(tool.aliases),
                "per_call": rate_doc(tool.per_call),
                "included_in": tool.included_in,
            }
            for tool in plan.tools
        ],
        "request_fees": [
            {
                "name": fee.name,
                "label": fee.label,
                "unit": "request",
                "per_request": rate_doc(fee.per_request),
                "when": dict(fee.when),
                "or_when_tools_used": list(fee.or_when_tools_used),
            }
            for fee in plan.request_fees
        ],
        "notes": list(plan.notes),
    }


def parameter_doc(param: Parameter) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": param.name,
        "path": list(param.path),
        "type": list(param.types) if len(param.types) > 1 else param.types[0],
        "required": param.required,
    }
    if param.has_default:
        doc["default"] = json_value(param.default)
    for key in ("minimum", "maximum", "step"):
        value = getattr(param, key)
        if value is not None:
            doc[key] = dec(value)
    for key in ("min_length", "max_length", "min_items", "max_items", "format", "values_count"):
        value = getattr(param, key)
        if value is not None:
            doc[key] = value
    if param.values is not None:
        doc["values"] = list(param.values)
    if param.values_known is not None:
        doc["values_known"] = list(param.values_known)
        doc["values_complete"] = False
    if param.value_descriptions:
        doc["value_descriptions"] = list(param.value_descriptions)
    if param.const is not None:
        doc["const"] = param.const
    if param.const_is_offering_id:
        doc["const_is_offering_id"] = True
    if param.items is not None:
        doc["items"] = parameter_doc(param.items)
    if param.properties is not None:
        doc["properties"] = {k: parameter_doc(v) for k, v in param.properties.items()}
    if param.description:
        doc["description"] = param.description
    return doc


def model_doc(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "object": "model_card",
        "name": model.name,
        "creator": model.creator,
        "family": model.family,
        "description": model.description,
        "architecture": model.architecture,
        "parameters": {"total": model.total_parameters, "active": model.active_parameters},
        "license": model.license,
        "open_weights": model.open_weights,
        "weights_host": model.weights_host,
        "release_date": model.release_date.isoformat() if model.release_date else None,
        "native_context": model.native_context,
        "extended_context": model.extended_context,
        "modalities": {
            "input": list(model.input_modalities),
            "output": list(model.output_modalities),
        },
        "reasoning": model.reasoning,
        "benchmarks": [
            {k: dec(v) if isinstance(v, Decimal) else v for k, v in b.items()}
            for b in model.benchmarks
        ],
        "superseded_by": model.superseded_by,
        "notes": list(model.notes),
        "sources": list(model.sources),
    }


def offering_doc(catalog: Catalog, offering: Offering) -> dict[str, Any]:
    provider = catalog.providers[offering.provider]
    return {
        "id": offering.id,
        "object": "model",
        "provider": offering.provider,
        "name": offering.name,
        "model": offering.model,
        "status": offering.status,
        "callable": offering.callable,
        "new": offering.new,
        "task": offering.task,
        "description": offering.description,
        "region": offering.region,
        "context_window": offering.context_window,
        "max_output_tokens": offering.max_output_tokens,
        "modalities": {
            "input": list(offering.input_modalities),
            "output": list(offering.output_modalities),
        },
        "features": list(offering.features),
        "endpoints": [
            {
                "name": name,
                "method": provider.endpoints[name].method,
                "path": provider.endpoints[name].path,
            }
            for name in offering.endpoints
            if name in provider.endpoints
        ],
        "native_inference": offering.native_inference,
        "weight_precision": offering.weight_precision,
        "parameters": [parameter_doc(p) for p in offering.parameters.values()],
        "rules": [
            {"kind": r.kind, "when": dict(r.when), "then": dict(r.then), "message": r.message}
            for r in offering.rules
        ],
        "pricing": [plan_doc(plan) for plan in offering.pricing],
        **(
            {
                "price_contexts": {
                    key: [plan_doc(plan) for plan in plans]
                    for key, plans in offering.contexts.items()
                }
            }
            if offering.contexts
            else {}
        ),
        "base": offering.base,
        "variant": offering.variant,
        "variants": list(offering.variants),
        "notes": list(offering.notes),
        "sources": list(offering.sources),
    }


def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    return {
        "object": "catalog",
        "format_version": FORMAT_VERSION,
        "models": [model_doc(m) for _, m in sorted(catalog.models.items())],
        "offerings": [offering_doc(catalog, o) for o in catalog],
    }


def list_doc(catalog: Catalog, offerings: Iterable[Offering] | None = None) -> list[dict[str, Any]]:
    """One row per offering and variant (``offerings``, else all): exact token counts, the
    first tier's input and output rates (with their state), and the number of tiers, from
    the plan in effect now."""
    rows = []
    for o in catalog if offerings is None else offerings:
        plan = o.plan_at(None)
        first = plan.tiers[0].prices if plan else None
        rows.append(
            {
                "id": o.id,
                "provider": o.provider,
                "status": o.status,
                "context_window": o.context_window,
                "max_output_tokens": o.max_output_tokens,
                "input_per_1m": rate_doc(first["input"].rate) if first else None,
                "output_per_1m": rate_doc(first["output"].rate) if first else None,
                "tiers": len(plan.tiers) if plan and plan.tiered else 1,
                "base": o.base,
            }
        )
    return rows
