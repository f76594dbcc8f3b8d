"""The JSON Schema of the card format, generated from the pydantic card models.

The generated files are committed in ``data/schema/`` so that editors can complete and
check cards (line 1 of every card points at one); CI checks that they are current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .loader import SCHEMA_DIR, SCHEMA_FILES


def card_schemas() -> dict[str, dict[str, Any]]:
    out = {}
    kind: type[BaseModel]
    for kind, filename in SCHEMA_FILES.items():
        schema = kind.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://ratecard.dev/schema/{filename}"
        out[filename] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale_schemas(root: Path) -> list[str]:
    """File names under ``root/schema`` that differ from what the models generate."""
    stale = []
    for filename, schema in card_schemas().items():
        path = Path(root) / SCHEMA_DIR / filename
        if not path.exists() or path.read_text(encoding="utf-8") != render(schema):
            stale.append(str(path))
    return stale


def write_schemas(root: Path) -> list[Path]:
    written = []
    folder = Path(root) / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for filename, schema in card_schemas().items():
        path = folder / filename
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
