"""ratecard's HTTP service (``ratecard serve``): FastAPI over the exported functions of
:mod:`catalog` and :mod:`billing`. ``create_app(ServiceConfig(data=...))`` is the ASGI app;
``openapi_document(app)`` its OpenAPI 3.1 document."""

from __future__ import annotations

from .app import create_app
from .config import ServiceConfig
from .openapi import openapi_document, openapi_text

__all__ = ["ServiceConfig", "create_app", "openapi_document", "openapi_text"]
