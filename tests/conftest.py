from __future__ import annotations

from pathlib import Path

import pytest

from catalog import Catalog, RequestValidator, load_catalog
from catalog.requests.schemas import compile_requests

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DATA)


@pytest.fixture(scope="session")
def validator(catalog: Catalog) -> RequestValidator:
    """Compiled in memory (no disk cache) from the bundled cards."""
    return RequestValidator(compile_requests(catalog))
