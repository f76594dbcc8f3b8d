"""Checks across fields and across cards.

They run on every card, including one that failed validation: such a card arrives here
salvaged (see :mod:`catalog.cards.salvage`), with None wherever a part was broken. None means
"unknown" to every check below, which then stays silent rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from ..errors import CardProblem
from ..units import format_tokens
from .build import merge_variant
from .format import (
    ModelCard,
    OfferingCard,
    OfferingFields,
    ParamSpec,
    PricePlanCard,
    ProviderCard,
    VariantFileCard,
)
from .loaded import KEY, LoadedCard
from .messages import did_you_mean, show

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
_RATE_KEYS = ("input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok", "reasoning_mtok")


def param_types(spec: ParamSpec) -> tuple[str, ...] | None:
    """The spec's types, or None when unknown (a broken ``type``)."""
    if spec.type is None:
        return None
    if isinstance(spec.type, str):
        return (spec.type,)
    if any(t is None for t in spec.type):
        return None
    return tuple(spec.type)


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


def check_param(spec: ParamSpec | None, loc: Loc) -> Found:
    if spec is None:
        return
    types = param_types(spec)
    lo, hi = spec.minimum, spec.maximum
    if lo is not None and hi is not None and lo > hi:
        yield (*loc, "minimum"), f"minimum {lo} is above maximum {hi}"
    if spec.step is not None and spec.step <= 0:
        yield (*loc, "step"), f"step must be positive; got {spec.step}"
    if (
        spec.min_length is not None
        and spec.max_length is not None
        and spec.min_length > spec.max_length
    ):
        yield (*loc, "min_length"), f"min_length {spec.min_length} is above max_length"
    if (
        spec.min_items is not None
        and spec.max_items is not None
        and spec.min_items > spec.max_items
    ):
        yield (*loc, "min_items"), f"min_items {spec.min_items} is above max_items"
    if spec.values is not None and spec.values_known is not None:
        yield (*loc, "values_known"), "give values (all of them) or values_known, not both"
    if spec.values_known is not None and spec.values_count is not None:
        if len(spec.values_known) > spec.values_count:
            yield (
                (*loc, "values_known"),
                f"{len(spec.values_known)} values known but values_count is {spec.values_count}",
            )
    if types is not None:
        if "enum" in types and spec.values is None and spec.values_known is None:
            yield (*loc, "type"), "an enum needs values (or values_known)"
        if "array" in types and spec.items is None:
            yield (*loc, "items"), "an array needs items (the spec of each item)"
        if spec.default is not None:
            yield from check_value(spec, spec.default, (*loc, "default"), "default")
        for i, value in enumerate(spec.values or []):
            yield from check_value(spec, value, (*loc, "values", i), "allowed value", False)
    if spec.items is not None:
        yield from check_param(spec.items, (*loc, "items"))
    for name, prop in (spec.properties or {}).items():
        yield from check_param(prop, (*loc, "properties", name))


def check_value(spec: ParamSpec, value: Any, loc: Loc, what: str, check_enum: bool = True) -> Found:
    """Problems of one value (a default, an allowed value, a value a rule names) against
    its parameter's spec."""
    types = param_types(spec)
    if types is None:
        return
    if not _type_ok(value, types):
        yield loc, f"{what} {show(value)} is not of type {' or '.join(types)}"
        return
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if spec.minimum is not None and value < spec.minimum:
            yield loc, f"{what} {show(value)} is below the minimum {show(spec.minimum)}"
        if spec.maximum is not None and value > spec.maximum:
            yield loc, f"{what} {show(value)} is above the maximum {show(spec.maximum)}"
        if spec.step is not None and spec.step > 0 and not _multiple(Decimal(value), spec.step):
            yield loc, f"{what} {show(value)} is not a multiple of the step {show(spec.step)}"
    if check_enum and spec.values is not None and value not in spec.values:
        allowed = ", ".join(show(v) for v in spec.values)
        yield loc, f"{what} {show(value)} is not one of the allowed values ({allowed})"
    if spec.const is not None and value != spec.const:
        yield loc, f"{what} {show(value)} differs from the only allowed value {show(spec.const)}"
    if isinstance(value, str):
        if spec.max_length is not None and len(value) > spec.max_length:
            yield loc, f"{what} is longer than max_length {spec.max_length}"
        if spec.min_length is not None and len(value) < spec.min_length:
            yield loc, f"{what} is shorter than min_length {spec.min_length}"


def _missing_rate(key: str) -> str:
    return f"missing {key}: write a price, 'unpublished' or 'not_applicable'"


def check_plan(plan: PricePlanCard | None, loc: Loc, params: Mapping[str, ParamSpec]) -> Found:
    if plan is None:
        return
    tiers = plan.tiers
    if tiers is not None:
        for key in _RATE_KEYS:
            if getattr(plan, key) is not None:
                yield (*loc, key), "a tiered plan gives its token rates in each tier row only"
        rows = tiers.rows
        if rows is not None and not rows:
            yield (*loc, "tiers", "rows"), "a tiered plan needs at least one tier"
        previous: int | None = None
        for i, row in enumerate(rows or []):
            if row is None:
                previous = None
                continue
            where = (*loc, "tiers", "rows", i)
            if previous is not None and row.up_to is not None and row.up_to <= previous:
                yield (
                    (*where, "up_to"),
                    f"tiers must ascend without overlap: {format_tokens(row.up_to)} is not "
                    f"above the previous bound {format_tokens(previous)}",
                )
            if row.up_to is None and i + 1 < len(rows or []):
                yield (
                    (*where, "up_to"),
                    "only the last tier may be open (up_to: null means 'above the previous "
                    "bound, whatever the size')",
                )
            previous = row.up_to if row.up_to is not None else previous
            for key in ("input_mtok", "output_mtok"):
                if getattr(row, key) is None:
                    yield (*where, key), _missing_rate(key)
    else:
        for key in ("input_mtok", "output_mtok"):
            if getattr(plan, key) is None:
                yield (*loc, key), _missing_rate(key)
    tools = plan.tools or {}
    fees = plan.request_fees or {}
    names: dict[str, str] = {}
    for name, fee in tools.items():
        for alias in (name, *(fee.aliases or [])):
            if alias is None:
                continue
            if alias in names:
                yield (
                    (*loc, "tools", name, KEY),
                    f"tool name {alias!r} is already billed on the {names[alias]!r} row",
                )
            names[alias] = name
        if fee.included_in is not None and fee.included_in not in fees:
            yield (
                (*loc, "tools", name, "included_in"),
                f"no request fee named {fee.included_in!r} in this plan"
                + did_you_mean(fee.included_in, fees),
            )
    for name, req in fees.items():
        for param, value in (req.when or {}).items():
            where = (*loc, "request_fees", name, "when", param)
            if param not in params:
                yield (
                    (*where, KEY),
                    (
                        f"no parameter {param!r} in this offering's table"
                        + did_you_mean(param, params)
                    ),
                )
            else:
                yield from check_value(params[param], value, where, "value")
        for i, tool in enumerate(req.or_when_tools_used or []):
            if tool is not None and tool not in names:
                yield (
                    (*loc, "request_fees", name, "or_when_tools_used", i),
                    f"no tool row {tool!r} in this plan" + did_you_mean(tool, names),
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
        if rule is None:
            continue
        part = "requires" if rule.requires is not None else "conflicts_with"
        then = rule.requires if rule.requires is not None else rule.conflicts_with
        for section, values in (("when", rule.when), (part, then)):
            for param, value in (values or {}).items():
                where = (*loc, "rules", i, section, param)
                if param not in params:
                    yield (
                        (*where, KEY),
                        (
                            f"rule names {param!r}, which is not in the parameter table"
                            + did_you_mean(param, params)
                        ),
                    )
                    continue
                yield from check_value(params[param], value, where, "value")
    plans = fields.pricing or []
    # versions follow each other within a context and daily window (catalog.build)
    last: dict[tuple[str, str], Any] = {}
    for i, plan in enumerate(plans):
        yield from check_plan(plan, (*loc, "pricing", i), params)
        if plan is None:
            continue
        if "@" in plan.context:
            # the catalog keys a windowed version "context@HH:MM-HH:MM" (catalog.build)
            yield (
                (*loc, "pricing", i, "context"),
                f"a price context's name holds no '@' (it separates the context from its "
                f"daily window); got {plan.context!r}",
            )
        window = plan.daily_utc
        group = (plan.context, f"{window.from_}-{window.to}" if window is not None else "")
        prev = last.get(group)
        last[group] = plan
        if prev is None:
            continue
        if plan.effective_from is None:
            where = (*loc, "pricing", i, "effective_from")
            yield where, "every version after the first needs effective_from"
        if prev is not None and prev.effective_from is not None and plan.effective_from:
            if plan.effective_from <= prev.effective_from:
                yield (
                    (*loc, "pricing", i, "effective_from"),
                    "price versions must be in ascending order of effective_from",
                )
    if fields.model is not None and fields.model not in models:
        yield (
            (*loc, "model"),
            (
                f"no model card {fields.model!r} in models/<creator>/<model>.yaml"
                + did_you_mean(fields.model, models)
            ),
        )
    if provider is not None and provider.endpoints is not None:
        for i, endpoint in enumerate(fields.endpoints or []):
            if endpoint is not None and endpoint not in provider.endpoints:
                served = ", ".join(str(e) for e in provider.endpoints)
                yield (
                    (*loc, "endpoints", i),
                    f"the provider does not serve {endpoint!r} (it serves {served})",
                )
    limits = fields.limits
    if limits and limits.context_window and limits.max_output_tokens:
        if limits.max_output_tokens > limits.context_window:
            yield (*loc, "limits", "max_output_tokens"), "max output exceeds the context window"


def _check_model(c: LoadedCard, models: set[str]) -> list[CardProblem]:
    card: ModelCard = c.card
    problems = []
    if card.superseded_by is not None:
        if card.superseded_by == c.id:
            problems.append(c.problem(("superseded_by",), "a model cannot supersede itself"))
        elif card.superseded_by not in models:
            problems.append(
                c.problem(
                    ("superseded_by",),
                    f"no model card {card.superseded_by!r}"
                    + did_you_mean(card.superseded_by, models),
                )
            )
    p = card.parameters
    if p and p.total is not None and p.active is not None and p.active > p.total:
        problems.append(c.problem(("parameters", "active"), "active exceeds total"))
    for i, bench in enumerate(card.benchmarks or []):
        if bench is not None and bench.as_published is not None:
            if not isinstance(bench.value, Decimal | int) or isinstance(bench.value, bool):
                continue  # validation reports a missing or non-numeric value
            why = abbreviation_mismatch(bench.as_published, bench.value)
            if why:
                problems.append(c.problem(("benchmarks", i, "value"), why))
    return problems


_DECIMAL_SUFFIX = {"K": 3, "M": 6, "B": 9, "T": 12}


def _multiple(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is a whole multiple of ``step`` (exactly; a quotient too long for
    the context is not a multiple anyone wrote)."""
    try:
        return value % step == 0
    except ArithmeticError:
        return False


def abbreviation_mismatch(published: str, value: Decimal) -> str | None:
    """Benchmark figures are decimal (Artificial Analysis' 62M tokens is 62,000,000), unlike
    token limits, whose K and M are 1,024 and 1,048,576. ``value`` must round to
    ``as_published`` read in decimal, at the precision written; None when it does."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KkMBT])\s*", published)
    if found is None:
        return None
    number = Decimal(found[1])
    shift = _DECIMAL_SUFFIX[found[2].upper()]
    reading = number.scaleb(shift)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    half = Decimal(5).scaleb(exponent - 1 + shift)
    if abs(value - reading) <= half:
        return None
    return (
        f"{value:,f} does not match as_published {published!r}: benchmark figures are decimal "
        f"({published.strip()} = {reading:,f}; K and M are 1,024 and 1,048,576 only in token "
        "limits)"
    )


def _report_variant(
    c: LoadedCard, prefix: Loc, name: str, variant: OfferingFields, found: Found, base: set[Any]
) -> list[CardProblem]:
    """A variant's problems, at the variant's own field when it sets it, else said to be
    inherited (and only when the base does not already report the same)."""
    out = []
    for loc, msg in found:
        if loc and loc[0] in variant.model_fields_set:
            out.append(c.problem((*prefix, *loc), msg))
        elif (loc, msg) not in base:
            out.append(c.problem(loc, f"inherited by variant {name!r}: {msg}"))
    return out


def check_cards(cards: list[LoadedCard]) -> list[CardProblem]:
    """Every problem across fields and cards, sorted. Problems inside a part that failed
    validation (``LoadedCard.broken``) are left to the validation message."""
    problems: list[CardProblem] = []
    models = {c.id for c in cards if c.kind is ModelCard}
    providers = {c.id: c for c in cards if c.kind is ProviderCard}
    offerings = {(c.provider, c.id): c for c in cards if c.kind is OfferingCard}
    seen: dict[str, LoadedCard] = {}
    files: dict[str, str] = {}  # provider/file stem -> the id written there

    def claim(c: LoadedCard, full: str, loc: Loc) -> None:
        key = f"{c.provider}/{full}"
        if key in seen:
            problems.append(c.problem(loc, f"id {full!r} is already used by {seen[key].display}"))
            return
        seen[key] = c
        stem = f"{c.provider}/{file_stem(full)}"
        other = files.get(stem)
        if other is not None and other != full:
            problems.append(
                c.problem(
                    loc,
                    f"ids {other!r} and {full!r} would be written to the same file "
                    f"({file_stem(full)}.json) by compile; rename one",
                )
            )
        else:
            files[stem] = full

    for c in sorted(cards, key=lambda c: c.display):
        found: list[CardProblem] = []
        if c.kind is ModelCard:
            found = _check_model(c, models)
        elif c.kind is ProviderCard:
            prov: ProviderCard = c.card
            for name, spec in (prov.parameters or {}).items():
                found += [c.problem(loc, m) for loc, m in check_param(spec, ("parameters", name))]
        elif c.kind in (OfferingCard, VariantFileCard):
            provider_card = providers.get(c.provider)
            if provider_card is None:
                found.append(
                    c.problem((), f"no provider card providers/{c.provider}/provider.yaml")
                )
            prov_card: ProviderCard | None = provider_card.card if provider_card else None
            shared = (prov_card.parameters if prov_card else None) or {}
            if c.kind is OfferingCard:
                off: OfferingCard = c.card
                base_found = set(check_fields(off, (), shared, prov_card, models))
                found += [c.problem(loc, msg) for loc, msg in base_found]
                claim(c, c.id, ("id",))
                for name, variant in (off.variants or {}).items():
                    claim(c, f"{c.id}:{name}", ("variants", name, KEY))
                    merged = merge_variant(off, variant)
                    checked = check_fields(merged, (), shared, prov_card, models)
                    found += _report_variant(
                        c, ("variants", name), name, variant, checked, base_found
                    )
            else:
                found += _check_variant_file(c, offerings, shared, prov_card, models)
                claim(c, c.id, ("id",))
        problems += [p for p in found if not c.is_broken(p)]
    problems += _check_match_rules(cards)
    problems += _supersession_loops([c for c in cards if c.kind is ModelCard])
    return sorted(set(problems))


def _check_match_rules(cards: list[LoadedCard]) -> list[CardProblem]:
    """Two offerings of one provider whose ids or match rules name the same id: every id
    and every id a rule names outright is tried against the provider's other offerings."""
    # here, not at the top: only this path needs it (keeps imports light and acyclic)
    from ..matching import build_matcher

    by_provider: dict[str, list[tuple[LoadedCard, Any]]] = {}
    out: list[CardProblem] = []
    for c in cards:
        if c.kind is OfferingCard and c.valid:
            rule = c.card.match
            try:
                matcher = build_matcher(rule) if rule is not None else None
            except re.error as exc:
                out.append(c.problem(("match",), f"the regex does not compile: {exc}"))
                continue
            by_provider.setdefault(c.provider, []).append((c, matcher))
    for entries in by_provider.values():
        names: dict[str, LoadedCard] = {}
        for c, matcher in entries:
            names.setdefault(c.id.lower(), c)
            for literal in matcher.literals() if matcher is not None else ():
                names.setdefault(literal, c)
        for name in sorted(names):
            hits = [
                c
                for c, matcher in entries
                if c.id.lower() == name or (matcher is not None and matcher.test(name))
            ]
            if len(hits) > 1:
                # The offering whose own id it is keeps it; the rules of the others are wrong.
                hits.sort(key=lambda c: (c.id.lower() != name, c.display))
                for c in hits[1:]:
                    out.append(
                        c.problem(
                            ("match",) if c.card.match is not None else ("id",),
                            f"the id {name!r} is also named by {hits[0].display}: two "
                            "offerings' ids or match rules must never name the same id",
                        )
                    )
    return out


def file_stem(offering_id: str) -> str:
    """The file stem compile writes an id to: ':' '@' '/' and other characters become '-'
    (the same rule as ``catalog.cards.loader.slug``)."""

    return re.sub(r"[^A-Za-z0-9._-]", "-", offering_id)


def _supersession_loops(cards: list[LoadedCard]) -> list[CardProblem]:
    """Each model whose ``superseded_by`` chain comes back to it (a → b → a): no model in
    such a loop has a newest successor. A model superseding itself is reported apart."""
    successor = {
        c.id: c.card.superseded_by
        for c in cards
        if isinstance(getattr(c.card, "superseded_by", None), str)
    }
    out = []
    for c in cards:
        chain = [c.id]
        current = successor.get(c.id)
        while current is not None and current not in chain and len(chain) <= len(successor):
            chain.append(current)
            current = successor.get(current)
        if current == c.id and len(chain) > 1:
            loop = " → ".join([*chain, c.id])
            out.append(c.problem(("superseded_by",), f"superseded_by goes round in a loop: {loop}"))
    return out


def _check_variant_file(
    c: LoadedCard,
    offerings: Mapping[tuple[str, str], LoadedCard],
    shared: Mapping[str, ParamSpec],
    provider: ProviderCard | None,
    models: set[str],
) -> list[CardProblem]:
    card: VariantFileCard = c.card
    if card.base is None:
        return []
    base = offerings.get((c.provider, card.base))
    if base is None:
        others = [oid for (prov, oid) in offerings if prov == c.provider]
        return [
            c.problem(
                ("base",),
                f"no offering {card.base!r} sold by {c.provider} to be a variant of"
                + did_you_mean(card.base, others),
            )
        ]
    out = []
    if card.id is not None and not card.id.startswith(f"{card.base}:"):
        out.append(c.problem(("id",), f"a variant's id is {card.base}:<name>; got {card.id!r}"))
    merged = merge_variant(base.card, card)
    for loc, msg in check_fields(merged, (), shared, provider, models):
        if loc and loc[0] in card.model_fields_set:  # the rest is the base card's to report
            out.append(c.problem(loc, msg))
    return out
