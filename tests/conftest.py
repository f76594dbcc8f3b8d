from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The one Spark session of the test run (tests/spark_session.py); the command line's
    ``--engine spark`` gets the same session from SparkSession.builder.getOrCreate."""
    from tests.spark_session import start

    session = start()
    yield session
    session.stop()
