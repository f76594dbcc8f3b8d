"""Properties: arbitrary JSON never makes validation raise; requests generated from the
parameter specs are accepted; one value pushed out of range is rejected at its pointer.

The strategies are built from catalog.model.Parameter here (hypothesis-jsonschema 0.23.1
does not work with this hypothesis)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import Catalog, Parameter, RequestValidator

from .request_corpus import RUNWARE, base_request

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        ["NaN", "Infinity", "-0", "1e999", "0.5", "qwen3-5-4b", "alibaba:qwen@3.5-27b"]
    )
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
KEYS = st.sampled_from(
    [
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "settings",
        "content",
        "role",
        "taskUUID",
        "stop",
    ]
)


def _mutated_bodies() -> st.SearchStrategy[Any]:
    """Valid-looking bodies with one subtree replaced by arbitrary JSON."""
    models = st.sampled_from(["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1", *RUNWARE])
    return st.builds(
        lambda model, key, value: {**base_request(model), key: value}, models, KEYS, JSON
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(JSON, _mutated_bodies(), st.lists(_mutated_bodies(), max_size=3)),
    endpoint=st.sampled_from(
        [None, "chat.completions", "completions", "responses", "messages", "runware.task"]
    ),
    lenient=st.booleans(),
)
def test_never_raises(
    validator: RequestValidator, body: Any, endpoint: str | None, lenient: bool
) -> None:
    result = validator.validate(body, endpoint=endpoint, lenient=lenient)
    assert result.valid == (not result.issues)
    for issue in (*result.issues, *result.warnings):
        assert issue.rule != "internal", issue
        assert isinstance(issue.message, str) and issue.message


def test_deep_nesting_is_an_issue(validator: RequestValidator) -> None:
    deep: Any = "x"
    for _ in range(3000):
        deep = [deep]
    result = validator.validate({"model": "qwen3-5-4b", "messages": deep})
    assert not result.valid
    assert validator.validate_text("[" * 100000 + "]" * 100000).issues


# ---------------------------------------------------------------- generated requests


def _step_values(low: Decimal, high: Decimal, step: Decimal) -> st.SearchStrategy[Any]:
    first, last = math.ceil(low / step), math.floor(high / step)
    return st.integers(first, last).map(lambda k: Decimal(k) * step)


def value_strategy(param: Parameter) -> st.SearchStrategy[Any] | None:
    types = param.types
    if param.values is not None:
        return st.sampled_from(param.values)
    if param.const is not None:
        return st.just(param.const)
    if "integer" in types:
        low = int(param.minimum) if param.minimum is not None else -(10**6)
        high = int(param.maximum) if param.maximum is not None else 10**6
        return st.integers(low, high)
    if "number" in types:
        low = param.minimum if param.minimum is not None else Decimal(-1000)
        high = param.maximum if param.maximum is not None else Decimal(1000)
        if param.step is not None:
            return _step_values(low, high, param.step)
        return st.decimals(low, high, places=3) | st.sampled_from([low, high])
    if "boolean" in types:
        return st.booleans()
    if "string" in types:
        if param.format == "uuid4":
            return st.uuids(version=4).map(str)
        if param.format == "uri":
            return st.just("https://example.com/hook")
        if param.values_known:
            return st.sampled_from(param.values_known)
        return st.text(
            alphabet=st.characters(codec="utf-8"),
            min_size=param.min_length or 0,
            max_size=min(param.max_length or 20, 20),
        )
    if "array" in types and param.items is not None and "string" in param.items.types:
        return st.lists(
            st.text(max_size=8), min_size=param.min_items or 0, max_size=param.max_items or 4
        )
    return None


def _params(catalog: Catalog, model: str) -> dict[str, Parameter]:
    offering = catalog.resolve(model)
    in_rules = {k for rule in offering.rules for k in (*rule.when, *rule.then)}
    skip = {"model", "messages", "taskType", "taskUUID", "max_pixels", *in_rules}
    return {n: p for n, p in offering.parameters.items() if n not in skip}


@st.composite
def generated(draw: st.DrawFn, catalog: Catalog, model: str) -> tuple[Any, dict[str, Parameter]]:
    body = base_request(model)
    chosen: dict[str, Parameter] = {}
    for name, param in _params(catalog, model).items():
        strategy = value_strategy(param)
        if strategy is None or not draw(st.booleans()):
            continue
        node = body
        for part in param.path[:-1]:
            node = node.setdefault(part, {})
        node[param.path[-1]] = draw(strategy)
        chosen[name] = param
    return body, chosen


MODELS = ["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1", "alibaba:qwen@3.5-27b"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), model=st.sampled_from(MODELS))
def test_generated_requests_are_accepted_and_mutations_rejected(
    catalog: Catalog, validator: RequestValidator, data: st.DataObject, model: str
) -> None:
    body, chosen = data.draw(generated(catalog, model))
    result = validator.validate(body)
    assert result.valid, (body, result.issues)
    bounded = [p for p in chosen.values() if p.maximum is not None or p.minimum is not None]
    if not bounded:
        return
    param = data.draw(st.sampled_from(bounded))
    bump = param.step or (Decimal(1) if "integer" in param.types else Decimal("0.01"))
    if param.maximum is not None and data.draw(st.booleans()):
        bad = param.maximum + bump
    elif param.minimum is not None:
        bad = param.minimum - bump
    else:
        bad = param.maximum + bump  # type: ignore[operator]
    node = body
    for part in param.path[:-1]:
        node = node[part]
    node[param.path[-1]] = int(bad) if bad == bad.to_integral_value() else bad
    result = validator.validate(body)
    where = "/" + "/".join(param.path)
    assert not result.valid
    assert where in [i.pointer for i in result.issues], (where, result.issues)
