"""Hypothesis strategies for valid authored cards (pydantic-valid, not necessarily lint-clean)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from catalog.cards.fields import PriceState, Rate
from catalog.cards.format import (
    Benchmark,
    EndpointSpec,
    Limits,
    Modalities,
    ModelCard,
    OfferingCard,
    ParameterCounts,
    ParamSpec,
    PricePlanCard,
    ProviderCard,
    RequestFee,
    RuleCard,
    TierRow,
    Tiers,
    ToolFee,
    VariantCard,
)

ENDPOINTS = ["chat.completions", "completions", "responses", "messages", "runware.task"]
TYPES = ["integer", "number", "boolean", "string", "enum", "array", "object"]

#: Printable text, as people write it in cards (no control characters or surrogates).
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp", "Co")),
    max_size=24,
)
names = st.from_regex(r"[a-z][a-z0-9_.]{0,12}", fullmatch=True)


def money(max_places: int = 6) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_places).flatmap(
        lambda places: st.decimals(
            min_value=0,
            max_value=Decimal(100_000),
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )


exact = st.builds(lambda m, neg: -m if neg else m, money(4), st.booleans())

rates = st.one_of(
    money().map(lambda p: Rate(PriceState.PUBLISHED, p)),
    st.tuples(money(), money()).map(lambda t: Rate(PriceState.PUBLISHED, t[0], t[1])),
    st.sampled_from([Rate(PriceState.UNPUBLISHED), Rate(PriceState.NOT_APPLICABLE)]),
)
token_counts = st.integers(0, 10**7)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12), exact, text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=6,
)


def _some(**optional: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=optional)


def _model(cls: Any, fixed: dict[str, st.SearchStrategy[Any]], **optional: Any) -> Any:
    return st.fixed_dictionaries(fixed, optional=optional).map(lambda kw: cls(**kw))


leaf_params = _model(
    ParamSpec,
    {"type": st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), max_size=3))},
    required=st.booleans(),
    default=json_values,
    minimum=exact,
    maximum=exact,
    step=exact,
    values=st.lists(json_scalars, max_size=4),
    values_known=st.lists(json_scalars, max_size=2),
    values_count=st.integers(0, 5),
    value_descriptions=st.lists(text, max_size=2),
    const=json_scalars,
    const_is_offering_id=st.booleans(),
    format=st.sampled_from(["uuid4", "uri", "date-time", "email"]),
    min_length=token_counts,
    max_length=token_counts,
    min_items=st.integers(0, 10),
    max_items=st.integers(0, 10),
    description=st.one_of(st.none(), text),
)
params = st.one_of(
    leaf_params,
    _model(
        ParamSpec,
        {"type": st.just("array")},
        items=leaf_params,
        properties=st.dictionaries(names, leaf_params, max_size=2),
    ),
)

token_rates = {
    "input_mtok": rates,
    "cache_read_mtok": rates,
    "cache_write_mtok": rates,
    "output_mtok": rates,
    "reasoning_mtok": rates,
}
tier_rows = _model(TierRow, {"up_to": token_counts}, **token_rates)
tiers = _model(
    Tiers,
    {"rows": st.lists(tier_rows, min_size=1, max_size=3)},
    by=st.sampled_from(["input_tokens", "uncached_input_tokens", "total_tokens"]),
    boundary=st.sampled_from(["upper_inclusive", "lower_inclusive"]),
)
tool_fees = _model(
    ToolFee,
    {"per_call": rates},
    label=text,
    aliases=st.lists(names, max_size=3),
    included_in=names,
)
request_fees = _model(
    RequestFee,
    {"per_request": rates, "when": st.dictionaries(names, json_scalars, max_size=2)},
    label=text,
    or_when_tools_used=st.lists(names, max_size=2),
)
instants = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.just(dt.UTC),
)
plans = _model(
    PricePlanCard,
    {},
    effective_from=instants,
    version=text,
    tiers=tiers,
    tools=st.dictionaries(names, tool_fees, max_size=3),
    request_fees=st.dictionaries(names, request_fees, max_size=2),
    notes=st.lists(text, max_size=2),
    **token_rates,
)
rules = st.one_of(
    _model(
        RuleCard,
        {
            "when": st.dictionaries(names, json_scalars, max_size=2),
            "requires": st.dictionaries(names, json_scalars, max_size=2),
        },
        message=text,
    ),
    _model(
        RuleCard,
        {
            "when": st.dictionaries(names, json_scalars, max_size=2),
            "conflicts_with": st.dictionaries(names, json_scalars, max_size=2),
        },
    ),
)
modalities = _model(
    Modalities,
    {},
    input=st.lists(st.sampled_from(["text", "image", "video", "audio"]), max_size=3),
    output=st.lists(st.sampled_from(["text", "image", "video", "audio"]), max_size=2),
)
limits = _model(Limits, {}, context_window=token_counts, max_output_tokens=token_counts)

offering_fields: dict[str, st.SearchStrategy[Any]] = {
    "region": st.one_of(st.none(), text),
    "new": st.booleans(),
    "task": text,
    "description": text,
    "limits": limits,
    "modalities": modalities,
    "features": st.lists(names, max_size=4),
    "native_inference": st.one_of(st.none(), st.booleans()),
    "weight_precision": text,
    "parameters": st.dictionaries(names, params, max_size=4),
    "rules": st.lists(rules, max_size=2),
    "pricing": st.lists(plans, max_size=2),
    "notes": st.lists(text, max_size=2),
    "sources": st.lists(text, max_size=2),
}
variants = _model(
    VariantCard,
    {},
    name=text,
    status=st.sampled_from(["available", "coming_soon", "deprecated", "retired"]),
    endpoints=st.lists(st.sampled_from(ENDPOINTS), max_size=3),
    **offering_fields,
)
offerings = _model(
    OfferingCard,
    {
        "name": text,
        "model": names,
        "status": st.sampled_from(["available", "coming_soon", "deprecated", "retired"]),
        "endpoints": st.lists(st.sampled_from(ENDPOINTS), max_size=3),
    },
    id=names,
    variants=st.dictionaries(names, variants, max_size=2),
    **offering_fields,
)
models = _model(
    ModelCard,
    {"name": text, "creator": text},
    family=text,
    architecture=text,
    parameters=_model(
        ParameterCounts, {}, total=st.integers(0, 10**13), active=st.integers(0, 10**13)
    ),
    license=st.one_of(st.none(), text),
    open_weights=st.booleans(),
    release_date=st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    native_context=token_counts,
    extended_context=token_counts,
    modalities=modalities,
    reasoning=st.booleans(),
    benchmarks=st.lists(
        _model(
            Benchmark,
            {"name": names, "value": money(), "source": text},
            unit=text,
            comparison=text,
        ),
        max_size=2,
    ),
    superseded_by=names,
    notes=st.lists(text, max_size=2),
)
providers = _model(
    ProviderCard,
    {
        "name": text,
        "endpoints": st.dictionaries(
            st.sampled_from(ENDPOINTS),
            _model(EndpointSpec, {}, method=st.sampled_from(["GET", "POST"]), path=text),
            max_size=3,
        ),
    },
    base_url=text,
    parameters=st.dictionaries(names, params, max_size=3),
)
