"""The OpenAPI 3.1 document, as committed in ``data/openapi.json``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI


def openapi_document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def openapi_text(app: FastAPI) -> str:
    """Stable text: sorted keys, two-space indent, a final newline."""
    return json.dumps(openapi_document(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
