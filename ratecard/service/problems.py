"""RFC 9457 problem documents (``application/problem+json``): every error the service sends.

A problem carries ``type`` (``about:blank``: the status says what kind), ``title`` (the
status phrase), ``status``, ``detail`` (the sentence the command line prints for the same
failure), ``instance`` (the request path) and ``request_id``; some add ``errors`` (each with
an RFC 6901 ``pointer`` and a ``message``). No exception text or trace is ever included
unless it is a sentence written for people.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """Raised by a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_doc(
    request: Request | None,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        doc["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            doc["request_id"] = request_id
    if errors:
        doc["errors"] = errors
    return doc


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = json.dumps(problem_doc(request, status, detail, errors), ensure_ascii=False)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


#: The OpenAPI schema of a problem document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"pointer": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entries of an operation for these problem statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def refuse_unknown_query(request: Request, known: Collection[str]) -> None:
    """A 422 problem naming each query parameter of ``request`` not in ``known``: a typo such
    as ``?budgte=0.01`` is an error, never ignored."""
    if not request.scope.get("query_string"):
        return
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        takes = ", ".join(sorted(known)) or "no query parameters"
        names = ", ".join(repr(u) for u in unknown)
        raise ProblemError(
            422,
            f"unknown query parameter {names}; {request.url.path} takes: {takes}",
            errors=[{"pointer": f"/query/{u}", "message": "unknown parameter"} for u in unknown],
        )
