"""Worst-case cost of a request before it is sent.

The estimate prices a made-up usage with the same rating code as real usage:

- **prompt**: catalog.requests.token_estimate's upper bound on the prompt tokens, all of it uncached
  (cache reads are never dearer than input on these cards, so no cache is the worst case);
- **output**: the request's output cap (``max_tokens``, ``max_completion_tokens``,
  ``max_output_tokens``, Runware ``settings.maxTokens``), else the parameter's default, else
  the offering's max output tokens;
- **thinking**: when thinking is on (``enable_thinking`` not false and ``reasoning_effort``
  not ``none``, defaults included) and the offering has a ``thinking_budget`` parameter, the
  request's budget (else its default) is added ON TOP of the output cap, billed as reasoning:
  the seed says the service reserves room for the answer when ``max_tokens`` is lower, so
  thinking is not inside ``max_tokens``. On the ``messages`` endpoint Anthropic's rule holds
  instead (``thinking.budget_tokens`` is inside ``max_tokens``), and where an offering has no
  budget parameter thinking is taken to be inside the output cap; both are stated;
- **tools**: every built-in tool the request enables (``tool_<name>`` parameters, defaults
  included) is priced at ``tool_calls`` calls (default 1). A model may call a tool any number
  of times, so for per-call fees this is a floor, and the assumptions say so; request fees
  switched on by the parameters or by those tools are included once;
- Runware: each task of the array is estimated and the costs added; a task is multiplied by
  its ``numberResults`` (each result is a generation).

A prompt beyond the top price tier is an error, like in pricing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from catalog import Catalog, Offering, UnknownOfferingError
from catalog.endpoints import ENDPOINTS, OUTPUT_CAPS
from catalog.requests.infer import infer_endpoint
from catalog.requests.token_estimate import estimate_prompt_tokens

from .charge import Charge
from .errors import EstimateError, PricingError
from .money import EXACT, decimal_text
from .rating import bundled_catalog, price
from .records import UsageRecord
from .text import explain_line
from .usage import Usage


@dataclass(frozen=True)
class TaskEstimate:
    offering: str
    endpoint: str
    prompt_tokens: int
    output_tokens: int
    reasoning_tokens: int
    tool_calls: Mapping[str, int]
    multiplier: int
    charge: Charge
    #: the charge's total times the multiplier
    worst_case: Decimal


@dataclass(frozen=True)
class Estimate:
    endpoint: str
    tasks: tuple[TaskEstimate, ...]
    worst_case: Decimal
    currency: str
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def detect_endpoint(body: Any) -> str:
    """The dialect the body is in, as ``ratecard validate`` infers it
    (:func:`catalog.requests.infer.infer_endpoint`): Runware task arrays, completions
    (``prompt``), responses (``input``), Anthropic messages (a top-level ``system``,
    ``thinking``, ``stop_sequences``, Anthropic content blocks), else chat.completions."""
    return infer_endpoint(body)


def estimate(
    body: Any,
    endpoint: str | None = None,
    catalog: Catalog | None = None,
    *,
    tool_calls: int = 1,
) -> Estimate:
    """The worst-case cost of sending ``body`` (see the module docstring)."""
    catalog = catalog or bundled_catalog()
    inferred = endpoint is None
    endpoint = endpoint or detect_endpoint(body)
    if endpoint not in ENDPOINTS:
        raise EstimateError(f"unknown endpoint {endpoint!r}; use one of {', '.join(ENDPOINTS)}")
    tasks = body if endpoint == "runware.task" and isinstance(body, list) else [body]
    if not tasks:
        raise EstimateError("the request has no tasks")
    assumptions: list[str] = []
    results = []
    for index, task in enumerate(tasks):
        where = f"task {index}: " if endpoint == "runware.task" and len(tasks) > 1 else ""
        try:
            results.append(_task(task, endpoint, catalog, tool_calls, assumptions, inferred))
        except EstimateError as exc:
            raise EstimateError(where + exc.message) from None
    total = Decimal(0)
    for result in results:
        total = EXACT.add(total, result.worst_case)
    currencies = {r.charge.currency for r in results}
    unique = list(dict.fromkeys(assumptions))
    served = results[0].endpoint  # the inferred endpoint, or the offering's only one
    return Estimate(served, tuple(results), total, ", ".join(sorted(currencies)), tuple(unique))


def estimate_doc(result: Estimate, budget: Decimal | None) -> dict[str, Any]:
    """``result`` as the JSON document ``ratecard estimate --json`` prints and
    ``POST /v1/estimate`` answers: amounts as decimal strings in ``result.currency``,
    ``within_budget`` null without a ``budget``, one entry per task with its lines."""
    return {
        "endpoint": result.endpoint,
        "currency": result.currency,
        "worst_case": decimal_text(result.worst_case),
        "budget": None if budget is None else decimal_text(budget),
        "within_budget": None if budget is None else result.worst_case <= budget,
        "tasks": [
            {
                "offering": t.offering,
                "prompt_tokens": t.prompt_tokens,
                "output_tokens": t.output_tokens,
                "reasoning_tokens": t.reasoning_tokens,
                "tool_calls": dict(t.tool_calls),
                "multiplier": t.multiplier,
                "worst_case": decimal_text(t.worst_case),
                "lines": [
                    {
                        "charge": li.charge,
                        "quantity": li.quantity,
                        "unit": li.unit,
                        "unit_price": format(li.unit_price, "f"),
                        "amount": decimal_text(li.amount),
                        "tier": li.tier,
                        "explain": explain_line(li),
                    }
                    for li in t.charge.lines
                ],
            }
            for t in result.tasks
        ],
        "assumptions": list(result.assumptions),
    }


def _task(
    body: Any,
    endpoint: str,
    catalog: Catalog,
    tool_calls: int,
    notes: list[str],
    inferred: bool = False,
) -> TaskEstimate:
    if not isinstance(body, Mapping):
        raise EstimateError("a request body must be a JSON object (Runware: an array of them)")
    model = body.get("model")
    if not isinstance(model, str):
        raise EstimateError("the request has no model: cannot tell which prices apply")
    try:
        offering = catalog.resolve(model)
    except UnknownOfferingError as exc:
        raise EstimateError(exc.message) from None
    if endpoint not in offering.endpoints:
        # as validate does: an inferred endpoint yields to an offering's only one
        if inferred and len(offering.endpoints) == 1:
            endpoint = offering.endpoints[0]
        else:
            raise EstimateError(
                f"{offering.id} does not serve {endpoint}; it serves "
                f"{', '.join(offering.endpoints)}"
            )
    params = dict(body)
    prompt, prompt_notes = estimate_prompt_tokens(body, endpoint, offering)
    notes.extend(prompt_notes)
    notes.append("No prompt tokens are assumed to be cached (the dearest case).")
    output = _output_cap(body, endpoint, offering, notes)
    reasoning = _thinking(body, endpoint, offering, notes)
    tools = _tools(params, offering, tool_calls, notes)
    multiplier = 1
    if endpoint == "runware.task":
        results = body.get("numberResults", 1)
        if _count(results) is None or results == 0:
            raise EstimateError(
                f"numberResults must be a whole number of at least 1 to estimate the cost; "
                f"got {_shown(results)}"
            )
        results = int(results)
        if results > 1:
            multiplier = results
            notes.append(f"numberResults {results}: the task is priced {results} times.")
    usage = Usage(
        input=prompt,
        output=output,
        reasoning=reasoning,
        tools=MappingProxyType(tools),
        request=MappingProxyType(params),
    )
    charge = _worst_context(body, offering, model, endpoint, usage, catalog, notes)
    worst = EXACT.multiply(charge.total, multiplier)
    return TaskEstimate(
        offering.id, endpoint, prompt, output, reasoning, tools, multiplier, charge, worst
    )


#: request values of ``service_tier`` that name no context (the provider picks one)
_AUTO_TIERS = frozenset({"auto"})
_DEFAULT_TIERS = frozenset({"default", "standard", "standard_only"})


def _worst_context(
    body: Mapping[str, Any],
    offering: Offering,
    model: str,
    endpoint: str,
    usage: Usage,
    catalog: Catalog,
    notes: list[str],
) -> Any:
    """The charge in the request's price context (``service_tier``), or, when it names none,
    the dearest of the contexts and daily windows the offering prices (issue 10)."""
    tier = body.get("service_tier")
    named = isinstance(tier, str) and tier not in _AUTO_TIERS
    options: list[tuple[str, dt.datetime | None]]
    if named:
        options = [("default" if tier in _DEFAULT_TIERS else str(tier), None)]
    else:
        options = [("default", None)]
        today = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        for key, plans in offering.contexts.items():
            context, _, window = key.partition("@")
            if not window:
                options.append((context, None))
                continue
            for plan in plans:
                if plan.daily_utc is not None:
                    start = plan.daily_utc[0]
                    options.append((context, today.replace(hour=start // 60, minute=start % 60)))
    best: Any = None
    best_label = ""
    for context, when in dict.fromkeys(options):
        record = UsageRecord(
            0, "", None, model, when, endpoint, usage, None, MappingProxyType({}), None, context
        )
        try:
            charge = price(record, catalog)
        except PricingError as exc:
            if named or context == "default":
                raise EstimateError(f"cannot estimate: {exc.message}") from None
            continue  # a context the offering prices only at other times
        if best is None or charge.total > best.total:
            best = charge
            best_label = context + (f" at {when:%H:%M} UTC" if when is not None else "")
    if len(dict.fromkeys(options)) > 1:
        notes.append(
            f"The request names no service_tier: priced in the dearest context the offering "
            f"prices ({best_label})."
        )
    return best


def _get(body: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = body
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, Decimal | float) and value >= 0 and value == int(value):
        return int(value)
    return None


def _output_cap(
    body: Mapping[str, Any], endpoint: str, offering: Offering, notes: list[str]
) -> int:
    for path in OUTPUT_CAPS[endpoint]:
        given = _get(body, path)
        if given is None:
            continue
        name = ".".join(path)
        cap = _count(given)
        if cap is None:
            # never fall back to a default the request overrode (with a bad value)
            raise EstimateError(
                f"{name} must be a whole number of tokens to estimate the output; "
                f"got {_shown(given)}"
            )
        notes.append(f"Output is at most the request's {name} ({cap:,} tokens).")
        top = offering.max_output_tokens
        if top is not None and cap > top:
            notes.append(
                f"{name} {cap:,} is above {offering.id}'s max output ({top:,} tokens): the "
                "request is invalid (see ratecard validate); it is priced as written."
            )
        return cap
    for path in OUTPUT_CAPS[endpoint]:
        spec = offering.parameters.get(".".join(path))
        if spec is not None and spec.has_default and _count(spec.default) is not None:
            cap = _count(spec.default)
            assert cap is not None
            notes.append(f"Output is at most {'.'.join(path)}'s default ({cap:,} tokens).")
            return cap
    if offering.max_output_tokens is not None:
        notes.append(
            f"The request sets no output cap: output is at most the offering's max output "
            f"({offering.max_output_tokens:,} tokens)."
        )
        return offering.max_output_tokens
    raise EstimateError(
        f"the request sets no output cap and {offering.id} publishes no max output tokens"
    )


def _param(body: Mapping[str, Any], offering: Offering, name: str) -> Any:
    if name in body:
        value = body[name]
        spec = offering.parameters.get(name)
        wants_bool = spec is not None and spec.types == ("boolean",)
        if (wants_bool or name == "enable_thinking") and not isinstance(value, bool):
            # a switch the estimate cannot read would silently drop a fee or the thinking
            raise EstimateError(
                f"{name} must be true or false to estimate the cost; got {_shown(value)}"
            )
        return value
    spec = offering.parameters.get(name)
    return spec.default if spec is not None and spec.has_default else None


def _shown(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else json.dumps(value)


def _thinking(body: Mapping[str, Any], endpoint: str, offering: Offering, notes: list[str]) -> int:
    if _param(body, offering, "enable_thinking") is False:
        return 0
    if _param(body, offering, "reasoning_effort") == "none":
        return 0
    if endpoint == "messages":
        if isinstance(body.get("thinking"), Mapping):
            notes.append("Thinking (thinking.budget_tokens) is inside max_tokens (Anthropic).")
        return 0
    spec = offering.parameters.get("thinking_budget")
    if spec is None:
        if offering.parameters.get("enable_thinking") is not None or (
            offering.parameters.get("settings.thinkingLevel") is not None
        ):
            notes.append(
                "The offering publishes no thinking budget: thinking is taken to be inside "
                "the output cap."
            )
        return 0
    given = body.get("thinking_budget")
    budget = _count(given)
    if given is not None and budget is None:
        raise EstimateError(
            "thinking_budget must be a whole number of tokens to estimate the reasoning; "
            f"got {_shown(given)}"
        )
    source = "the request's"
    if budget is None:
        budget = _count(spec.default) if spec.has_default else None
        source = "the default"
    if budget is None:
        budget = _count(spec.maximum) or 0
        source = "the largest allowed"
    notes.append(
        f"Thinking is on: {source} thinking_budget ({budget:,} tokens) is added on top of the "
        "output cap and billed as reasoning (the service reserves room for the answer)."
    )
    return budget


def _tools(
    params: Mapping[str, Any], offering: Offering, calls: int, notes: list[str]
) -> dict[str, int]:
    plan = offering.plan_at(None)
    if plan is None or not plan.tool_lookup:
        return {}
    tools: dict[str, int] = {}
    for name in offering.parameters:
        if not name.startswith("tool_"):
            continue
        row = plan.tool_lookup.get(name[len("tool_") :])
        if row is None or _param(params, offering, name) is not True:
            continue
        tools[row.name] = tools.get(row.name, 0) + calls  # two tools may share a row
    if tools:
        names = ", ".join(sorted(tools))
        notes.append(
            f"Enabled built-in tools ({names}) are priced at {calls} call(s) each; a model may "
            "call a tool more often, so per-call fees here are a floor."
        )
    return tools
