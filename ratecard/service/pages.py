"""Model pages (HTML): ``GET /models`` and ``GET /models/{id}``, from the same compiled
documents as ``/v1/models`` (``catalog.publish.html``). Public unless anonymous catalog access
is turned off."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from catalog.publish import index_page, list_doc, model_card_page, offering_page

from .catalog_routes import _catalog_access, _document
from .problems import problem_responses

router = APIRouter(tags=["pages"])

_HTML: dict[int | str, dict[str, Any]] = {
    200: {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}
}
_OPTIONAL_KEY: list[dict[str, list[str]]] = [{}, {"bearer": []}]


def page_link(ref: str) -> str:
    return "/models/" + quote(ref, safe="")


def variant_docs(state: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [_document(state, f"{doc['provider']}/{v}") for v in doc.get("variants") or ()]


@router.get(
    "/models",
    summary="Model pages: the index",
    openapi_extra={"security": _OPTIONAL_KEY},
    responses={**_HTML, **problem_responses(401)},
)
async def models_index(request: Request) -> Response:
    state = await _catalog_access(request)
    return Response(index_page(list_doc(state.catalog), link=page_link), media_type="text/html")


@router.get(
    "/models/{model_id:path}",
    summary="One model page",
    description="The offering's page like the providers' own: at a glance, pricing with "
    "tiers, list prices and tool rows, parameters, variants and model facts.",
    openapi_extra={"security": _OPTIONAL_KEY},
    responses={**_HTML, **problem_responses(401, 404)},
)
async def model_page(request: Request, model_id: str) -> Response:
    state = await _catalog_access(request)
    doc = _document(state, model_id)
    if doc.get("object") != "model":  # a model card: its facts page is the JSON for now
        return Response(model_card_page(doc), media_type="text/html")
    html = offering_page(doc, variant_docs(state, doc), link=page_link)
    return Response(html, media_type="text/html")
