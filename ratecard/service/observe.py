"""Observability: request ids, JSON access logs and Prometheus metrics.

Every response carries ``X-Request-Id`` (the client's, when it sent a sane one, else a new
one). One JSON line per request goes to the ``ratecard.access`` logger: time, request id,
method, path, route template, status, duration in ms and tenant. ``/metrics`` serves:

- ``ratecard_http_requests_total{method,route,status}``
- ``ratecard_http_request_duration_seconds{method,route}`` (histogram)
- ``ratecard_events_stored_total``, ``ratecard_events_duplicates_total``,
  ``ratecard_event_rejects_total{reason}`` (``invalid``, ``unpriceable``, ``conflict``)

With ``ratecard serve --workers N`` every worker process writes its counts to
``$PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and ``/metrics`` sums
them over the workers, whichever one answers.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("ratecard.access")
ERROR_LOG = logging.getLogger("ratecard.service")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class Metrics:
    """The service's metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ratecard_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ratecard_http_request_duration_seconds",
            "Time from the request's start to its response's last byte",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.events_stored = Counter(
            "ratecard_events_stored", "Usage events stored (new)", registry=self.registry
        )
        self.events_duplicates = Counter(
            "ratecard_events_duplicates",
            "Usage events received again with the same payload",
            registry=self.registry,
        )
        self.event_rejects = Counter(
            "ratecard_event_rejects",
            "Usage event lines not stored as priced, by reason",
            ["reason"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The Prometheus text format: this process's metrics, or the sum over every worker
        process when ``$PROMETHEUS_MULTIPROC_DIR`` is set (``serve --workers N``)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)


class AccessMiddleware:
    """Pure ASGI middleware: request id, access log line and request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if given and _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False
        header = (b"x-request-id", request_id.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # the trace goes to the server's log, never to the client
            ERROR_LOG.exception("request %s failed", request_id)
            if not started:
                body = json.dumps(
                    {
                        "type": "about:blank",
                        "title": "Internal Server Error",
                        "status": 500,
                        "detail": "the service failed to answer this request; the error is "
                        f"logged under request id {request_id}",
                        "instance": scope["path"],
                        "request_id": request_id,
                    }
                ).encode()
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                ACCESS_LOG.info(
                    json.dumps(
                        {
                            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                            "request_id": request_id,
                            "method": method,
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                            "tenant": scope["state"].get("tenant"),
                        }
                    )
                )


class JsonLineFormatter(logging.Formatter):
    """Access lines are JSON already; other records become JSON with level and logger."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == ACCESS_LOG.name:
            return message
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": message,
        }
        return json.dumps(doc)


def configure_logging(level: str) -> None:
    """One JSON object per line on stderr (:class:`JsonLineFormatter`): access lines and
    the server's own messages, at ``level`` (debug, info, warning, error) and above."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
