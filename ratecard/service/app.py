"""The FastAPI application: ``create_app(config)``.

Routes: the catalog (``catalog_routes``), requests (``request_routes``), the ledger
(``ledger_routes``), model pages (``pages``), and ``/healthz``, ``/readyz``, ``/metrics``.
Every error is a problem document (:mod:`.problems`); an unexpected exception is logged with
its trace and answered with a 500 problem naming the request id (:mod:`.observe`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from billing import period_problem
from billing.ledger import current_revision, ensure_schema, head_revision, make_engine, make_pricer
from catalog import ENDPOINTS, RequestValidator, compile_requests, load_catalog

from . import catalog_routes, ledger_routes, pages, request_routes
from .config import ServiceConfig
from .observe import AccessMiddleware, Metrics, configure_logging
from .problems import (
    PROBLEM_SCHEMA,
    ProblemError,
    problem_response,
    problem_responses,
    refuse_unknown_query,
)
from .state import ServiceState, json_response, state_of

VERSION = "0.1.0"

DESCRIPTION = """\
ratecard over HTTP: the model catalog, request validation, worst-case estimates, exact
pricing, idempotent usage ingest and invoices. Requests, events and invoices need an API key
(`Authorization: Bearer KEY`; `ratecard tenant create NAME` prints one). Every error is an
RFC 9457 problem document (`application/problem+json`)."""


def _http_sentence(status: int, request: Request) -> str:
    if status == 404:
        return f"there is no route {request.url.path}; see /openapi.json for the routes"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}"
    return "the request could not be served"


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    return "/" + "/".join(parts)


async def known_query(request: Request) -> None:
    """A query parameter the route does not take is an error, never ignored: a typo such as
    ``?budgte=0.01`` would otherwise estimate with no budget."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    refuse_unknown_query(request, {p.alias for p in getattr(dependant, "query_params", ())})


#: ``ratecard serve --workers N`` hands each worker process its settings in these variables
CONFIG_ENV = "RATECARD_SERVE_CONFIG"
LOG_LEVEL_ENV = "RATECARD_SERVE_LOG_LEVEL"


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``ratecard serve --workers N`` (uvicorn's app
    factory): its settings are the JSON of :meth:`ServiceConfig.to_json` in
    ``$RATECARD_SERVE_CONFIG``; the parent process brought the database to the newest
    schema before it started the workers."""
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    config = ServiceConfig.from_json(os.environ[CONFIG_ENV])
    return create_app(config, migrate=False)


def _invalid_sentence(loc: tuple[Any, ...], error: Any) -> str:
    """One sentence for a parameter FastAPI refused: the project's own words for the
    parameters with a pattern (a period, a customer, an endpoint), pydantic's otherwise."""
    where = ".".join(str(p) for p in loc[1:]) or "the request"
    value = error.get("input")
    if error.get("type") == "string_pattern_mismatch" and isinstance(value, str):
        field = str(loc[-1])
        if field == "period":
            why = period_problem(value) or "it is not a calendar month"
            return f"period must be YYYY-MM (for example 2026-11), got {value!r}: {why}"
        if field == "customer":
            return f"customer must not contain '/', got {value!r}"
        if field == "endpoint":
            return f"endpoint must be one of {', '.join(ENDPOINTS)}, got {value!r}"
    return f"{where}: {error['msg']}"


def create_app(config: ServiceConfig, *, migrate: bool = True) -> FastAPI:
    """The service for ``config``: loads the cards, compiles the validators, opens the
    database (bringing it to the newest schema unless ``migrate=False``)."""
    catalog = load_catalog(config.data)
    engine = make_engine(config.db)
    if migrate:
        ensure_schema(engine)
    metrics = Metrics()
    state = ServiceState(
        config=config,
        catalog=catalog,
        validator=RequestValidator(compile_requests(catalog)),
        engine=engine,
        metrics=metrics,
        pricer=make_pricer(catalog),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()  # after uvicorn let the requests in flight finish

    app = FastAPI(
        lifespan=lifespan,
        dependencies=[Depends(known_query)],
        title="ratecard",
        version=VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ratecard = state

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(
            request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers
        )

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = (
            exc.detail
            if isinstance(exc.detail, str)
            and exc.status_code
            not in (
                404,
                405,
            )
            else _http_sentence(exc.status_code, request)
        )
        return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = []
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            errors.append({"pointer": _pointer(loc), "message": _invalid_sentence(loc, error)})
        detail = "; ".join(e["message"] for e in errors) or "the request is not valid"
        return problem_response(request, 422, detail, errors=errors)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> Response:
        return json_response({"status": "ok"})

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness: the database answers and its schema is current",
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> Response:
        st = state_of(request)

        def check() -> str | None:
            with st.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return current_revision(st.engine)

        try:
            revision = await run_in_threadpool(check)
        except Exception as exc:
            name = type(exc).__name__
            raise ProblemError(503, f"the database cannot be reached ({name})") from None
        newest = head_revision()
        if revision != newest:
            raise ProblemError(
                503,
                f"the database schema is at revision {revision}, not {newest}: run "
                "'ratecard db upgrade'",
            )
        return json_response({"status": "ready", "revision": revision})

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        responses={200: {"description": "metrics", "content": {"text/plain": {}}}},
    )
    async def prometheus(request: Request) -> Response:
        body = state_of(request).metrics.exposition()
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    # the hot routes first (matched before any other): the same handlers as plain
    # Starlette routes, without FastAPI's per-request dependency solving (the FastAPI ones
    # of request_routes.router only describe them in the OpenAPI document)
    app.router.routes[:0] = request_routes.hot_routes()
    app.include_router(catalog_routes.router)
    app.include_router(request_routes.router)
    app.include_router(ledger_routes.router)
    app.include_router(pages.router)
    app.add_middleware(AccessMiddleware, metrics=metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # here for start-up time: loaded only when this command runs
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version="3.1.0",
                description=app.description,
                routes=app.routes,
            )
            components = doc.setdefault("components", {})
            schemas = components.setdefault("schemas", {})
            # FastAPI's own 422 document is never sent: validation errors are problems too
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            schemas["Problem"] = PROBLEM_SCHEMA
            for operations in doc["paths"].values():
                for operation in operations.values():
                    # every route refuses unknown query parameters (known_query)
                    operation.setdefault("responses", {})["422"] = problem_responses(422)[422]
            components["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API key from 'ratecard key create'",
                }
            }
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
