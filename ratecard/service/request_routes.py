"""Requests, with an API key: ``POST /v1/validate``, ``/v1/estimate`` and ``/v1/price``.

The answers are the documents of ``ratecard validate --json``, ``estimate --json`` and
``price --json``, from the same library functions.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from billing import EstimateError, estimate, estimate_doc, loads, price_one, priced_doc
from catalog import ENDPOINTS, dump_request

from .problems import ProblemError, problem_responses, refuse_unknown_query
from .state import dumps, json_response, state_of

router = APIRouter(tags=["requests"])

_KEY: list[dict[str, list[str]]] = [{"bearer": []}]
_ANY_JSON = {"content": {"application/json": {"schema": {}}}, "required": True}
NDJSON = "application/x-ndjson"

_ENDPOINT_QUERY = Query(
    None,
    description="the request's dialect (default: guessed from the body, as the CLI does)",
    pattern="^(" + "|".join(e.replace(".", r"\.") for e in ENDPOINTS) + ")$",
)


@router.post(
    "/v1/validate",
    summary="Validate a request body",
    description="The body is the request to check, in its provider's format. The answer is "
    "the `ratecard validate --json` object: `valid`, `model`, `endpoint`, `issues` (each "
    "with an RFC 6901 `pointer`, `rule`, `allowed` and `message`) and `warnings`; with "
    "`lenient=true`, unknown fields are dropped with a warning and `request` is the cleaned "
    "body. An invalid request is still a 200 answer: the verdict is `valid`.",
    openapi_extra={"security": _KEY, "requestBody": _ANY_JSON},
    responses=problem_responses(400, 401, 413, 422),
)
async def validate(
    request: Request,
    endpoint: str | None = _ENDPOINT_QUERY,
    lenient: bool = False,
) -> Response:
    return await _validate(request, endpoint, lenient)


async def _validate(request: Request, endpoint: str | None, lenient: bool) -> Response:
    state = state_of(request)
    await state.tenant(request)
    raw = await state.body(request)
    result = state.validator.validate_text(raw, endpoint=endpoint, lenient=lenient)
    doc = result.as_dict()
    if lenient:
        doc["request"] = result.request
    return Response(dump_request(doc), media_type="application/json")


def _budget(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        budget = Decimal(text)
    except InvalidOperation:
        raise ProblemError(422, f"budget {text!r} is not a decimal amount") from None
    if not budget.is_finite() or budget < 0:
        raise ProblemError(422, "budget must be a finite amount of at least 0")
    return budget


@router.post(
    "/v1/estimate",
    summary="Worst-case cost of a request",
    description="The worst case of sending the body, as `ratecard estimate --json`: the "
    "prompt's upper bound, the output cap, the thinking budget and each enabled tool's fee "
    "(`tool_calls` calls each), with the assumptions. With `budget` (a decimal amount in the "
    "offering's currency), `within_budget` says whether the worst case fits. A request that "
    "cannot be estimated (bad JSON, no or unknown model, an unpublished price) is a 422 "
    "problem with the CLI's sentence.",
    openapi_extra={"security": _KEY, "requestBody": _ANY_JSON},
    responses=problem_responses(400, 401, 413, 422),
)
async def estimate_route(
    request: Request,
    endpoint: str | None = _ENDPOINT_QUERY,
    budget: str | None = Query(None, max_length=64, description="a decimal amount, e.g. 0.05"),
    tool_calls: int = Query(1, ge=0, le=1_000_000),
) -> Response:
    state = state_of(request)
    await state.tenant(request)
    limit = _budget(budget)
    text = await state.text(request)
    try:
        body = loads(text)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ProblemError(422, f"the request is not valid JSON: {detail}") from None
    try:
        result = estimate(body, endpoint, state.catalog, tool_calls=tool_calls)
    except EstimateError as exc:
        raise ProblemError(422, exc.message) from None
    return json_response(estimate_doc(result, limit))


@router.post(
    "/v1/price",
    summary="Price usage records",
    description="One usage record (a JSON object) gives one `ratecard price --json` object. "
    "With `Content-Type: application/x-ndjson`, the body is JSON Lines and the answer is "
    "JSON Lines too, one priced record per non-blank input line, in order. A record that "
    "cannot be priced has `total: null` and an `error` sentence naming its line; the others "
    "are still priced, and the answer is 200.",
    openapi_extra={
        "security": _KEY,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                NDJSON: {"schema": {"description": "JSON Lines: one usage record per line"}},
            },
        },
    },
    responses={
        200: {
            "description": "the priced record(s)",
            "content": {"application/json": {"schema": {}}, NDJSON: {"schema": {}}},
        },
        **problem_responses(400, 401, 413, 422),
    },
)
async def price(request: Request) -> Response:
    state = state_of(request)
    await state.tenant(request)
    text = await state.text(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == NDJSON:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) > state.config.max_batch_lines:
            raise ProblemError(413, _too_many(len(lines), state.config.max_batch_lines))
        out = [dumps(_priced(line, n, state)) for n, line in lines]
        return Response("".join(o + "\n" for o in out), media_type=NDJSON)
    try:
        record = loads(text)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ProblemError(400, f"the body is not JSON: {detail}") from None
    if not isinstance(record, dict):
        raise ProblemError(
            422,
            "a usage record is a JSON object; send several as JSON Lines with "
            "Content-Type: application/x-ndjson",
        )
    return json_response(_priced(text, 1, state))


# -- the hot routes --------------------------------------------------------------------
# POST /v1/validate and /v1/price sit in a gateway's call path: app.py serves them through
# these plain Starlette routes, which read their query themselves (with FastAPI's rules and
# sentences) instead of paying for FastAPI's dependency solving on every request. The
# FastAPI routes above describe them in the OpenAPI document and share their code.

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "n", "no", "off"})


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw.lower() in _FALSE:
        return False
    if raw.lower() in _TRUE:
        return True
    message = f"{name}: Input should be a valid boolean, unable to interpret input"
    raise ProblemError(422, message, errors=[{"pointer": f"/query/{name}", "message": message}])


def _endpoint(request: Request) -> str | None:
    raw = request.query_params.get("endpoint")
    if raw is None or raw in ENDPOINTS:
        return raw
    message = f"endpoint: must be one of {', '.join(ENDPOINTS)}, got {raw[:64]!r}"
    raise ProblemError(422, message, errors=[{"pointer": "/query/endpoint", "message": message}])


async def _validate_hot(request: Request) -> Response:
    refuse_unknown_query(request, ("endpoint", "lenient"))
    return await _validate(request, _endpoint(request), _flag(request, "lenient"))


async def _price_hot(request: Request) -> Response:
    refuse_unknown_query(request, ())
    return await price(request)


def hot_routes() -> list[Route]:
    """POST /v1/validate and /v1/price as plain Starlette routes (see above)."""
    return [
        Route("/v1/validate", _validate_hot, methods=["POST"]),
        Route("/v1/price", _price_hot, methods=["POST"]),
    ]


def _priced(text: str, line: int, state: Any) -> dict[str, Any]:
    return priced_doc(price_one(text, line, state.catalog))


def _too_many(count: int, limit: int) -> str:
    return (
        f"the request holds {count:,} records; this service takes at most {limit:,} per "
        "request: send them in smaller batches"
    )
