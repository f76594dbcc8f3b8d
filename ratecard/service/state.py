"""What the routes share: the catalog, the validator, the database, the metrics, and the
helpers every route uses (the body with its size limit, the tenant from the key, JSON)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from billing.ledger import authenticate
from catalog import Catalog, RequestValidator

from .config import ServiceConfig
from .observe import Metrics
from .problems import ProblemError


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> str:
    """JSON with exact decimals as text (amounts are strings in every document)."""
    return json.dumps(value, default=_default, ensure_ascii=False)


def json_response(value: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(dumps(value), status_code=status, media_type=media_type)


@dataclass
class ServiceState:
    config: ServiceConfig
    catalog: Catalog
    validator: RequestValidator
    engine: Engine
    metrics: Metrics
    pricer: Callable[[str, int], Any]  #: billing.ledger.make_pricer(catalog)
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  #: compiled, by id asked
    _keys: dict[str, tuple[str | None, float]] = field(default_factory=dict)

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 above the configured size (by its
        Content-Length when given, else as it streams in) and with 400 when empty."""
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ProblemError(413, _too_big(limit))
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProblemError(413, _too_big(limit))
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body.strip():
            raise ProblemError(400, f"{request.method} {request.url.path} needs a request body")
        return body

    async def text(self, request: Request) -> str:
        raw = await self.body(request)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProblemError(
                400, f"the request body is not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None

    async def tenant(self, request: Request, *, required: bool = True) -> str | None:
        """The tenant whose key the request carries; 401 when a key is required and missing,
        or when one is sent and not valid."""
        header = request.headers.get("authorization")
        if header is None:
            if required:
                raise ProblemError(
                    401,
                    "this route needs an API key: send 'Authorization: Bearer KEY' (make one "
                    "with 'ratecard key create --tenant T')",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return None
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ProblemError(
                401,
                "the Authorization header must read 'Bearer KEY'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        now = time.monotonic()
        cached = self._keys.get(key)
        if cached is not None and cached[1] > now:
            tenant = cached[0]
        else:
            tenant = await run_in_threadpool(authenticate, self.engine, key)
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[key] = (tenant, now + self.config.key_cache_seconds)
        if tenant is None:
            raise ProblemError(
                401,
                "the API key is not valid (unknown or revoked)",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        request.state.tenant = tenant
        return tenant


def _too_big(limit: int) -> str:
    return (
        f"the request body is larger than this service accepts ({limit:,} bytes); "
        "send fewer records per request"
    )


def state_of(request: Request) -> ServiceState:
    found: ServiceState = request.app.state.ratecard
    return found
