"""``ratecard catalog compile``: the machine-readable catalog, written to a directory.

Layout of ``out``::

    catalog.json                          every model and offering (catalog_doc)
    models/<provider>/<offering>.json     one per offering and variant (offering_doc)
    requests/<provider>/<offering>.<endpoint>.schema.json
                                          standalone request JSON Schemas (draft 2020-12)

Each step of :data:`STEPS` writes its part and returns the paths it wrote.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..units import slug
from .documents import catalog_doc, offering_doc

Step = Callable[[Catalog, Path], list[Path]]


def write_json(path: Path, doc: Any) -> Path:
    """Write ``doc`` as indented UTF-8 JSON (decimals must already be strings)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def offering_path(out: Path, provider: str, offering_id: str) -> Path:
    return out / "models" / provider / f"{slug(offering_id)}.json"


def write_offerings(catalog: Catalog, out: Path) -> list[Path]:
    """One document per offering and variant, in the spirit of GET /v1/models/{id}."""
    return [
        write_json(offering_path(out, o.provider, o.id), offering_doc(catalog, o)) for o in catalog
    ]


def write_catalog(catalog: Catalog, out: Path) -> list[Path]:
    return [write_json(out / "catalog.json", catalog_doc(catalog))]


def write_requests(catalog: Catalog, out: Path) -> list[Path]:
    """Request schemas per offering, variant and supported endpoint, usable from any language."""
    # here for start-up time: the request schemas load every dialect builder
    from ..requests.schemas import compile_requests, write_request_schemas

    return write_request_schemas(compile_requests(catalog), out)


#: What ``compile_catalog`` writes, in order.
STEPS: list[Step] = [write_offerings, write_catalog, write_requests]


def compile_catalog(catalog: Catalog, out: Path, steps: Sequence[Step] | None = None) -> list[Path]:
    """Write the machine-readable catalog below ``out``; return every path written."""
    out = Path(out)
    targets: dict[Path, str] = {}
    for offering in catalog:
        path = offering_path(out, offering.provider, offering.id)
        if path in targets:
            raise FileExistsError(
                errno.EEXIST,
                f"{targets[path]!r} and {offering.id!r} would both be written to this file; "
                "nothing was written (rename one of the ids)",
                str(path),
            )
        targets[path] = offering.id
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for step in STEPS if steps is None else steps:
        written += step(catalog, out)
    return written
