"""The catalog, public unless anonymous access is turned off: ``GET /v1/models``,
``GET /v1/models/{id}`` and ``GET /v1/models/{id}/schema``.

The documents are those of ``ratecard catalog list --json`` and ``catalog compile`` (one per
offering and variant, with the model card as ``model_card``), built once and kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from catalog import UnknownOfferingError, compile_endpoint
from catalog.publish import list_doc, model_doc, offering_doc

from .problems import ProblemError, problem_responses
from .state import ServiceState, json_response, state_of

router = APIRouter(tags=["catalog"])

_OPTIONAL_KEY: list[dict[str, list[str]]] = [{}, {"bearer": []}]


async def _catalog_access(request: Request) -> ServiceState:
    state = state_of(request)
    await state.tenant(request, required=not state.config.anonymous_catalog)
    return state


def _document(state: ServiceState, ref: str) -> dict[str, Any]:
    cache = state.docs
    found = cache.get(ref)
    if found is not None:
        return found
    catalog = state.catalog
    try:
        offering = catalog.resolve(ref)
    except UnknownOfferingError as exc:
        model = catalog.find_model(ref)
        if model is None:
            raise ProblemError(404, str(exc)) from None
        doc = model_doc(model)
    else:
        doc = offering_doc(catalog, offering)
        card = catalog.models.get(offering.model)
        doc["model_card"] = model_doc(card) if card else None
    if len(cache) < 10_000:
        cache[ref] = doc
    return doc


@router.get(
    "/v1/models",
    summary="List offerings and variants",
    description="One row per offering and variant, as `ratecard catalog list --json`. Every "
    "filter given must match: `provider`, `status`, `model` (the model card's id), "
    "`endpoint`, `feature`, `base` (the variants of an offering) and `q` (a case-insensitive "
    "part of the id or name).",
    openapi_extra={"security": _OPTIONAL_KEY},
    responses=problem_responses(401, 422),
)
async def list_models(
    request: Request,
    provider: str | None = Query(None, max_length=200),
    status: str | None = Query(None, max_length=64),
    model: str | None = Query(None, max_length=200),
    endpoint: str | None = Query(None, max_length=64),
    feature: str | None = Query(None, max_length=64),
    base: str | None = Query(None, max_length=200),
    q: str | None = Query(None, max_length=200),
) -> Response:
    state = await _catalog_access(request)
    rows = []
    needle = q.lower() if q else None
    for offering, row in zip(state.catalog, list_doc(state.catalog), strict=True):
        if (
            (provider is not None and offering.provider != provider)
            or (status is not None and offering.status != status)
            or (model is not None and offering.model != model)
            or (endpoint is not None and endpoint not in offering.endpoints)
            or (feature is not None and feature not in offering.features)
            or (base is not None and offering.base != base)
            or (
                needle is not None
                and needle not in offering.id.lower()
                and needle not in (offering.name or "").lower()
            )
        ):
            continue
        rows.append(row)
    return json_response({"object": "list", "data": rows})


@router.get(
    "/v1/models/{model_id:path}/schema",
    summary="The request JSON Schema of an offering",
    description="The draft 2020-12 JSON Schema a request body to this offering must meet, "
    "for `endpoint` (default: the offering's first endpoint), as `catalog compile` writes it.",
    openapi_extra={"security": _OPTIONAL_KEY},
    responses=problem_responses(401, 404, 422),
)
async def model_schema(
    request: Request,
    model_id: str,
    endpoint: str | None = Query(None, max_length=64),
) -> Response:
    state = await _catalog_access(request)
    try:
        offering = state.catalog.resolve(model_id)
    except UnknownOfferingError as exc:
        raise ProblemError(404, str(exc)) from None
    name = endpoint or (offering.endpoints[0] if offering.endpoints else None)
    if name is None or name not in offering.endpoints:
        served = ", ".join(offering.endpoints) or "none"
        raise ProblemError(
            404, f"{offering.id} does not serve the endpoint {name!r} (it serves: {served})"
        )
    return json_response(
        dict(compile_endpoint(offering, name).schema), media_type="application/schema+json"
    )


@router.get(
    "/v1/models/{model_id:path}",
    summary="One offering's compiled document",
    description="The document `ratecard catalog compile` writes for the offering or variant "
    "(ids with `:`, `@` and `/` may be percent-encoded or written as they are), with its "
    "model card as `model_card`; a model card's own id gives the model card.",
    openapi_extra={"security": _OPTIONAL_KEY},
    responses=problem_responses(401, 404),
)
async def get_model(request: Request, model_id: str) -> Response:
    state = await _catalog_access(request)
    return json_response(_document(state, model_id))
