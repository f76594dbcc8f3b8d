"""A second, independent validator (ajv on Node.js) over the same corpus gives the same
verdicts as ours, from the standalone schemas ``ratecard catalog compile`` writes.

Python-only checks are outside this comparison: the context window, partial enums'
value counts, and offering status (the corpus has none of them). ``make test`` installs ajv
from package-lock.json (``npm ci``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog import Catalog, RequestValidator
from catalog.requests.schemas import compile_requests, write_request_schemas
from catalog.units import slug

from .request_corpus import corpus

ROOT = Path(__file__).resolve().parents[2]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        as_float = float(value)
        assert Decimal(repr(as_float)) == value, "the corpus holds only float-exact decimals"
        return int(value) if value == value.to_integral_value() else as_float
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_ajv_agrees(catalog: Catalog, validator: RequestValidator, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (ROOT / "node_modules" / "ajv").is_dir():
        pytest.fail("ajv is not installed: run 'make test' (it runs npm ci)")
    compiled = compile_requests(catalog)
    write_request_schemas(compiled, tmp_path)
    cases = []
    ours = {}
    for name, endpoint, body, expected in corpus():
        model = body[0]["model"] if isinstance(body, list) else body["model"]
        offering = catalog.resolve(model)
        schema = (
            tmp_path
            / "requests"
            / offering.provider
            / f"{slug(offering.id)}.{endpoint}.schema.json"
        )
        cases.append({"name": name, "schema": str(schema), "body": _plain(body)})
        ours[name] = validator.validate(body, endpoint=endpoint).valid
        assert ours[name] is expected, name
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(cases), encoding="utf-8")
    run = subprocess.run(
        [node, str(Path(__file__).with_name("ajv_check.cjs")), str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    theirs = {c["name"]: c["valid"] for c in json.loads(run.stdout)}
    disagree = {n: (ours[n], theirs[n]) for n in ours if ours[n] != theirs[n]}
    assert disagree == {}
    assert len(theirs) == len(cases) > 100
