from __future__ import annotations

from pathlib import Path

import pytest

from catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DATA)
