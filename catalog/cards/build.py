"""Turn validated cards into the run-time catalog: merge variants, resolve fallbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..kinds import EXTRA_KINDS
from ..matching import build_matcher
from ..model import (
    Endpoint,
    Model,
    Offering,
    Parameter,
    PricePlan,
    Provider,
    RequestCharge,
    Rule,
    RuleKind,
    Tier,
    TokenPrice,
    ToolCharge,
)
from ..rates import PriceState, Rate
from .format import (
    ModelCard,
    OfferingCard,
    OfferingFields,
    ParamSpec,
    PricePlanCard,
    ProviderCard,
    TokenRates,
)

#: A token kind with no rate of its own is charged at this kind's rate.
FALLBACK = {"cache_read": "input", "cache_write": "input", "reasoning": "output"}

_MISSING = Rate(PriceState.UNPUBLISHED)


def build_model(model_id: str, card: ModelCard) -> Model:
    mods = card.modalities
    return Model(
        id=model_id,
        name=card.name,
        creator=card.creator,
        family=card.family,
        description=card.description,
        architecture=card.architecture,
        total_parameters=card.parameters.total if card.parameters else None,
        active_parameters=card.parameters.active if card.parameters else None,
        license=card.license,
        open_weights=card.open_weights,
        weights_host=card.weights_host,
        release_date=card.release_date,
        native_context=card.native_context,
        extended_context=card.extended_context,
        input_modalities=tuple(mods.input) if mods else (),
        output_modalities=tuple(mods.output) if mods else (),
        reasoning=card.reasoning,
        benchmarks=tuple(b.model_dump() for b in card.benchmarks),
        superseded_by=card.superseded_by,
        notes=tuple(card.notes),
        sources=tuple(card.sources),
    )


def build_parameter(name: str, spec: ParamSpec, path: tuple[str, ...] | None = None) -> Parameter:
    path = path if path is not None else tuple(name.split("."))
    types = (spec.type,) if isinstance(spec.type, str) else tuple(spec.type)
    return Parameter(
        name=name,
        path=path,
        types=types,
        required=spec.required,
        default=spec.default,
        has_default="default" in spec.model_fields_set and spec.default is not None,
        minimum=spec.minimum,
        maximum=spec.maximum,
        step=spec.step,
        values=tuple(spec.values) if spec.values is not None else None,
        values_known=tuple(spec.values_known) if spec.values_known is not None else None,
        values_count=spec.values_count,
        value_descriptions=tuple(spec.value_descriptions),
        const=spec.const,
        const_is_offering_id=spec.const_is_offering_id,
        format=spec.format,
        min_length=spec.min_length,
        max_length=spec.max_length,
        min_items=spec.min_items,
        max_items=spec.max_items,
        items=build_parameter(f"{name}[]", spec.items, ()) if spec.items else None,
        properties=(
            MappingProxyType({k: build_parameter(k, v, (k,)) for k, v in spec.properties.items()})
            if spec.properties is not None
            else None
        ),
        description=spec.description,
    )


def build_provider(provider_id: str, card: ProviderCard) -> Provider:
    return Provider(
        id=provider_id,
        name=card.name,
        base_url=card.base_url,
        auth=card.auth,
        endpoints=MappingProxyType(
            {k: Endpoint(k, v.method, v.path) for k, v in card.endpoints.items()}
        ),
        parameters=MappingProxyType({k: build_parameter(k, v) for k, v in card.parameters.items()}),
        notes=tuple(card.notes),
        sources=tuple(card.sources),
    )


def _token_prices(rates: TokenRates) -> Mapping[str, TokenPrice]:
    """The five base kinds always (each with its fallback), then every other kind the card
    prices itself (:mod:`catalog.kinds`); :meth:`Tier.price_of` resolves the rest."""
    given: dict[str, Rate | None] = {
        "input": rates.input_mtok,
        "cache_read": rates.cache_read_mtok,
        "cache_write": rates.cache_write_mtok,
        "output": rates.output_mtok,
        "reasoning": rates.reasoning_mtok,
    }
    out: dict[str, TokenPrice] = {}
    for kind in ("input", "output"):
        out[kind] = TokenPrice(given[kind] or _MISSING)
    for kind, base in FALLBACK.items():
        own = given[kind]
        out[kind] = TokenPrice(own) if own is not None else TokenPrice(out[base].rate, base)
    for kind in EXTRA_KINDS:
        own = getattr(rates, f"{kind}_mtok")
        if own is not None:
            out[kind] = TokenPrice(own)
    return MappingProxyType(out)


def build_plan(card: PricePlanCard, until: dt.datetime | None, index: int) -> PricePlan:
    tiers: list[Tier] = []
    if card.tiers is not None:
        inclusive = card.tiers.boundary == "upper_inclusive"
        lower: int | None = None
        for i, row in enumerate(card.tiers.rows):
            tiers.append(
                Tier(i, lower, row.up_to, inclusive, _token_prices(row), row.up_to_published)
            )
            lower = row.up_to
        by, boundary = card.tiers.by, card.tiers.boundary
    else:
        tiers.append(Tier(0, None, None, True, _token_prices(card)))
        by, boundary = "input_tokens", "upper_inclusive"
    tools: list[ToolCharge] = []
    lookup: dict[str, ToolCharge] = {}
    for name, fee in card.tools.items():
        charge = ToolCharge(
            name=name,
            label=fee.label or name,
            per_call=fee.per_call,
            aliases=tuple(fee.aliases),
            included_in=fee.included_in,
        )
        tools.append(charge)
        for alias in (name, *fee.aliases):
            lookup[alias] = charge
    fees = tuple(
        RequestCharge(
            name=name,
            label=fee.label or name,
            per_request=fee.per_request,
            when=MappingProxyType(dict(fee.when)),
            or_when_tools_used=tuple(fee.or_when_tools_used),
        )
        for name, fee in card.request_fees.items()
    )
    version = card.version or (
        card.effective_from.date().isoformat() if card.effective_from else f"v{index + 1}"
    )
    return PricePlan(
        effective_from=card.effective_from,
        effective_until=until,
        version=version,
        currency=card.currency,
        tier_by=by,
        tier_boundary=boundary,
        tiered=card.tiers is not None,
        tiers=tuple(tiers),
        tools=tuple(tools),
        request_fees=fees,
        notes=tuple(card.notes),
        tool_lookup=MappingProxyType(lookup),
        context=card.context,
        daily_utc=(
            (_minutes(card.daily_utc.from_), _minutes(card.daily_utc.to))
            if card.daily_utc is not None
            else None
        ),
    )


def build_plans(cards: list[PricePlanCard]) -> tuple[PricePlan, ...]:
    """The default context's versions without a daily window (each until the next one)."""
    return _versions([c for c in cards if c.context == "default" and c.daily_utc is None])


def build_contexts(cards: list[PricePlanCard]) -> Mapping[str, tuple[PricePlan, ...]]:
    """Every other group of versions, keyed ``context`` or ``context@HH:MM-HH:MM`` (a daily
    window). Each group has its own effective dates."""
    groups: dict[str, list[PricePlanCard]] = {}
    for card in cards:
        if card.context == "default" and card.daily_utc is None:
            continue
        key = card.context
        if card.daily_utc is not None:
            key += f"@{card.daily_utc.from_}-{card.daily_utc.to}"
        groups.setdefault(key, []).append(card)
    return MappingProxyType({key: _versions(group) for key, group in groups.items()})


def _versions(cards: list[PricePlanCard]) -> tuple[PricePlan, ...]:
    plans = []
    for i, card in enumerate(cards):
        until = cards[i + 1].effective_from if i + 1 < len(cards) else None
        plans.append(build_plan(card, until, i))
    return tuple(plans)


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes)


def build_rules(cards: OfferingFields) -> tuple[Rule, ...]:
    rules = []
    for rule in cards.rules or []:
        kind: RuleKind = "requires" if rule.requires is not None else "conflicts_with"
        then = rule.requires if rule.requires is not None else rule.conflicts_with
        rules.append(
            Rule(
                kind,
                MappingProxyType(dict(rule.when)),
                MappingProxyType(dict(then or {})),
                rule.message,
            )
        )
    return tuple(rules)


def merge_variant(base: OfferingCard, variant: OfferingFields) -> OfferingFields:
    """A variant's fields replace the base's wholesale; unset fields are inherited."""
    merged: dict[str, Any] = {name: getattr(base, name) for name in OfferingFields.model_fields}
    for name in variant.model_fields_set & OfferingFields.model_fields.keys():
        merged[name] = getattr(variant, name)
    return OfferingFields.model_construct(**merged)


def build_offering(
    provider: Provider,
    offering_id: str,
    fields: OfferingFields,
    *,
    base: str | None = None,
    variant: str | None = None,
    variants: tuple[str, ...] = (),
) -> Offering:
    params: dict[str, Parameter] = dict(provider.parameters)
    for name, spec in (fields.parameters or {}).items():
        params[name] = build_parameter(name, spec)
    mods = fields.modalities
    limits = fields.limits
    return Offering(
        id=offering_id,
        provider=provider.id,
        name=fields.name or offering_id,
        model=fields.model or "",
        status=fields.status or "available",
        new=fields.new,
        task=fields.task,
        description=fields.description,
        region=fields.region,
        context_window=limits.context_window if limits else None,
        max_output_tokens=limits.max_output_tokens if limits else None,
        input_modalities=tuple(mods.input) if mods else (),
        output_modalities=tuple(mods.output) if mods else (),
        features=tuple(fields.features or ()),
        endpoints=tuple(fields.endpoints or ()),
        native_inference=fields.native_inference,
        weight_precision=fields.weight_precision,
        parameters=MappingProxyType(params),
        rules=build_rules(fields),
        pricing=build_plans(list(fields.pricing or [])),
        contexts=build_contexts(list(fields.pricing or [])),
        notes=tuple(fields.notes or ()),
        sources=tuple(fields.sources or ()),
        base=base,
        variant=variant,
        variants=variants,
        # A variant is addressed as base:name; the base's rules name the base only.
        match=build_matcher(fields.match) if fields.match is not None and base is None else None,
    )
