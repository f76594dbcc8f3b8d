"""Checks across fields and across cards, run after each card is valid on its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .build import merge_variant
from .cards import ModelCard, OfferingCard, OfferingFields, ParamSpec, PricePlanCard, ProviderCard
from .errors import CardProblem

if TYPE_CHECKING:
    from .loader import LoadedCard

Loc = tuple[Any, ...]
Found = Iterator[tuple[Loc, str]]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, Decimal),
    "boolean": (bool,),
    "string": (str,),
    "enum": (str, int, Decimal, bool),
    "array": (list,),
    "object": (dict,),
}


def _type_ok(value: Any, types: tuple[str, ...]) -> bool:
    for t in types:
        if t in ("integer", "number") and isinstance(value, bool):
            continue
        if t == "integer" and isinstance(value, Decimal):
            if value == value.to_integral_value():
                return True
            continue
        if isinstance(value, _JSON_TYPES[t]):
            return True
    return False


def check_param(spec: ParamSpec, loc: Loc) -> Found:
    types = (spec.type,) if isinstance(spec.type, str) else tuple(spec.type)
    if spec.minimum is not None and spec.maximum is not None and spec.minimum > spec.maximum:
        yield (*loc, "minimum"), f"minimum {spec.minimum} is above maximum {spec.maximum}"
    if spec.step is not None and spec.step <= 0:
        yield (*loc, "step"), "step must be positive"
    if (
        spec.min_length is not None
        and spec.max_length is not None
        and spec.min_length > spec.max_length
    ):
        yield (*loc, "min_length"), "min_length is above max_length"
    if (
        spec.min_items is not None
        and spec.max_items is not None
        and spec.min_items > spec.max_items
    ):
        yield (*loc, "min_items"), "min_items is above max_items"
    if spec.values is not None and spec.values_known is not None:
        yield (*loc, "values_known"), "give values (all of them) or values_known, not both"
    if spec.values_known is not None and spec.values_count is not None:
        if len(spec.values_known) > spec.values_count:
            yield (
                (*loc, "values_known"),
                (f"{len(spec.values_known)} values known but values_count is {spec.values_count}"),
            )
    if "enum" in types and spec.values is None and spec.values_known is None:
        yield (*loc, "type"), "an enum needs values (or values_known)"
    if "array" in types and spec.items is None:
        yield (*loc, "items"), "an array needs items"
    if spec.default is not None:
        yield from _check_value(spec, types, spec.default, (*loc, "default"), "default")
    for i, value in enumerate(spec.values or []):
        yield from _check_value(spec, types, value, (*loc, "values", i), "allowed value", False)
    if spec.items is not None:
        yield from check_param(spec.items, (*loc, "items"))
    for name, prop in (spec.properties or {}).items():
        yield from check_param(prop, (*loc, "properties", name))


def _check_value(
    spec: ParamSpec,
    types: tuple[str, ...],
    value: Any,
    loc: Loc,
    what: str,
    check_enum: bool = True,
) -> Found:
    if not _type_ok(value, types):
        yield loc, f"{what} {value!r} is not of type {' or '.join(types)}"
        return
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if spec.minimum is not None and value < spec.minimum:
            yield loc, f"{what} {value} is below the minimum {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            yield loc, f"{what} {value} is above the maximum {spec.maximum}"
        if spec.step is not None and spec.step > 0 and Decimal(value) % spec.step != 0:
            yield loc, f"{what} {value} is not a multiple of the step {spec.step}"
    if check_enum and spec.values is not None and value not in spec.values:
        allowed = ", ".join(str(v) for v in spec.values)
        yield loc, f"{what} {value!r} is not one of the allowed values ({allowed})"
    if spec.const is not None and value != spec.const:
        yield loc, f"{what} {value!r} differs from the only allowed value {spec.const!r}"
    if isinstance(value, str):
        if spec.max_length is not None and len(value) > spec.max_length:
            yield loc, f"{what} is longer than max_length {spec.max_length}"
        if spec.min_length is not None and len(value) < spec.min_length:
            yield loc, f"{what} is shorter than min_length {spec.min_length}"


def check_plan(plan: PricePlanCard, loc: Loc, params: Mapping[str, ParamSpec]) -> Found:
    own = [
        k
        for k in (
            "input_mtok",
            "cache_read_mtok",
            "cache_write_mtok",
            "output_mtok",
            "reasoning_mtok",
        )
        if getattr(plan, k) is not None
    ]
    if plan.tiers is not None:
        for key in own:
            yield (*loc, key), "a tiered plan gives its token rates in each tier row"
        previous: int | None = None
        for i, row in enumerate(plan.tiers.rows):
            if previous is not None and row.up_to <= previous:
                yield (
                    (*loc, "tiers", "rows", i, "up_to"),
                    (
                        f"tiers must ascend without overlap: {row.up_to} is not above the "
                        f"previous bound {previous}"
                    ),
                )
            previous = row.up_to
            for key in ("input_mtok", "output_mtok"):
                if getattr(row, key) is None:
                    yield (
                        (*loc, "tiers", "rows", i),
                        (f"missing {key}: write a price, 'unpublished' or 'not_applicable'"),
                    )
        if not plan.tiers.rows:
            yield (*loc, "tiers", "rows"), "a tiered plan needs at least one tier"
    else:
        for key in ("input_mtok", "output_mtok"):
            if getattr(plan, key) is None:
                yield loc, f"missing {key}: write a price, 'unpublished' or 'not_applicable'"
    names: dict[str, str] = {}
    for name, fee in plan.tools.items():
        for alias in (name, *fee.aliases):
            if alias in names:
                yield (
                    (*loc, "tools", name),
                    (f"tool name {alias!r} is already billed on the {names[alias]!r} row"),
                )
            names[alias] = name
        if fee.included_in is not None and fee.included_in not in plan.request_fees:
            yield (
                (*loc, "tools", name, "included_in"),
                (f"no request fee named {fee.included_in!r} in this plan"),
            )
    for name, req in plan.request_fees.items():
        for param, value in req.when.items():
            if param not in params:
                yield (
                    (*loc, "request_fees", name, "when", param),
                    (f"no parameter {param!r} in this offering's table"),
                )
            else:
                spec = params[param]
                types = (spec.type,) if isinstance(spec.type, str) else tuple(spec.type)
                yield from _check_value(
                    spec, types, value, (*loc, "request_fees", name, "when", param), "value"
                )
        for tool in req.or_when_tools_used:
            if tool not in names:
                yield (
                    (*loc, "request_fees", name, "or_when_tools_used"),
                    (f"no tool row {tool!r} in this plan"),
                )


def check_fields(
    fields: OfferingFields,
    loc: Loc,
    shared: Mapping[str, ParamSpec],
    provider: ProviderCard | None,
    models: set[str],
) -> Found:
    params = {**shared, **(fields.parameters or {})}
    for name, spec in (fields.parameters or {}).items():
        yield from check_param(spec, (*loc, "parameters", name))
    for i, rule in enumerate(fields.rules or []):
        then = rule.requires if rule.requires is not None else rule.conflicts_with
        part = "requires" if rule.requires is not None else "conflicts_with"
        for section, values in (("when", rule.when), (part, then or {})):
            for param, value in values.items():
                where = (*loc, "rules", i, section, param)
                if param not in params:
                    yield where, f"rule names {param!r}, which is not in the parameter table"
                    continue
                spec = params[param]
                types = (spec.type,) if isinstance(spec.type, str) else tuple(spec.type)
                yield from _check_value(spec, types, value, where, "value")
    plans = fields.pricing or []
    for i, plan in enumerate(plans):
        yield from check_plan(plan, (*loc, "pricing", i), params)
        if i and plan.effective_from is None:
            yield (*loc, "pricing", i), "every version after the first needs effective_from"
        prev = plans[i - 1].effective_from if i else None
        if i and prev is not None and plan.effective_from is not None:
            if plan.effective_from <= prev:
                yield (
                    (*loc, "pricing", i, "effective_from"),
                    ("price versions must be in ascending order of effective_from"),
                )
    if fields.model is not None and fields.model not in models:
        yield (*loc, "model"), f"no model card {fields.model!r} (models/<creator>/<model>.yaml)"
    if provider is not None:
        for i, endpoint in enumerate(fields.endpoints or []):
            if endpoint not in provider.endpoints:
                yield (*loc, "endpoints", i), f"the provider does not serve {endpoint!r}"
    limits = fields.limits
    if limits and limits.context_window and limits.max_output_tokens:
        if limits.max_output_tokens > limits.context_window:
            yield (*loc, "limits", "max_output_tokens"), "max output exceeds the context window"


def check_cards(cards: list[LoadedCard]) -> list[CardProblem]:
    problems: list[CardProblem] = []
    models = {c.id for c in cards if c.kind is ModelCard}
    providers = {c.id: c for c in cards if c.kind is ProviderCard}
    seen: dict[str, LoadedCard] = {}
    for c in cards:
        if c.kind is ModelCard:
            card: ModelCard = c.card
            if card.superseded_by is not None and card.superseded_by not in models:
                problems.append(
                    c.problem(("superseded_by",), f"no model card {card.superseded_by!r}")
                )
            if card.superseded_by == c.id:
                problems.append(c.problem(("superseded_by",), "a model cannot supersede itself"))
            p = card.parameters
            if p and p.total is not None and p.active is not None and p.active > p.total:
                problems.append(c.problem(("parameters", "active"), "active exceeds total"))
        elif c.kind is ProviderCard:
            prov: ProviderCard = c.card
            for name, spec in prov.parameters.items():
                problems.extend(
                    c.problem(loc, msg) for loc, msg in check_param(spec, ("parameters", name))
                )
        elif c.kind is OfferingCard:
            off: OfferingCard = c.card
            provider_card = providers.get(c.provider)
            if provider_card is None:
                problems.append(
                    c.problem((), f"no provider card providers/{c.provider}/provider.yaml")
                )
            prov_card = provider_card.card if provider_card else None
            shared = prov_card.parameters if prov_card else {}
            base_found = set(check_fields(off, (), shared, prov_card, models))
            problems.extend(c.problem(loc, msg) for loc, msg in base_found)
            ids = [c.id] + [f"{c.id}:{v}" for v in off.variants]
            for n, full in enumerate(ids):
                key = f"{c.provider}/{full}"
                loc: Loc = ("id",) if n == 0 else ("variants", full.rsplit(":", 1)[1])
                if key in seen:
                    problems.append(
                        c.problem(loc, f"id {full!r} is already used by {seen[key].display}")
                    )
                else:
                    seen[key] = c
            for name, variant in off.variants.items():
                merged = merge_variant(off, variant)
                for loc, msg in check_fields(merged, (), shared, prov_card, models):
                    if loc and loc[0] in variant.model_fields_set:
                        problems.append(c.problem(("variants", name, *loc), msg))
                    elif (loc, msg) not in base_found:
                        problems.append(c.problem(loc, f"inherited by variant {name!r}: {msg}"))
    return _dedupe(problems)


def _dedupe(problems: list[CardProblem]) -> list[CardProblem]:
    return sorted(set(problems))
