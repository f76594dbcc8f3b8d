from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

from catalog import Catalog, RequestValidator, load_catalog
from catalog.requests.schemas import compile_requests

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEEDS = ROOT.parent / "shared" / "seeds"

#: Under `make mutation` (RATECARD_MUTATION=1, tests/mutation/run.py) every property test draws
#: the same examples for every mutant (a verdict never depends on luck), keeps no example
#: database, and does not shrink: the first failing example kills the mutant, and shrinking it
#: would only cost time. Tests may lower their example budget there too (test_differential).
settings.register_profile(
    "mutation", derandomize=True, database=None, phases=(Phase.explicit, Phase.generate)
)
if os.environ.get("RATECARD_MUTATION"):
    settings.load_profile("mutation")


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


@pytest.fixture(autouse=True)
def _fresh_rating_tables() -> None:
    """Under ``make mutation`` (RATECARD_MUTATION=1) the rater's tables are built afresh for
    each test: mutmut runs each mutant only against the tests it saw call the mutated function,
    and with the tables cached it would see only the first test that priced with a catalog."""
    if os.environ.get("RATECARD_MUTATION"):
        from billing import rating

        rating._tables.clear()
        rating._last[:] = [None, None]
        rating._bundled = None


@pytest.fixture(autouse=True)
def _issuer_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finalisation refuses the placeholder issuer; tests that finalise without caring who
    issues get one from the documented fallback, $RATECARD_ISSUER_NAME. Tests of the refusal
    delete it (tests/billing/invoicing/test_profiles.py)."""
    monkeypatch.setenv("RATECARD_ISSUER_NAME", "Test Issuer Ltd")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``make mutation`` the hand-computed tests run first and the hypothesis properties
    last (in collection order otherwise): mutmut hands pytest a mutant's tests in no particular
    order and stops at the first failure (``-x``), so a mutant a vector kills in milliseconds
    no longer waits for a property's examples (tests/billing/sqlrate/test_differential.py takes
    about 2 s an example). Verdicts do not change, only when the first failure comes."""
    if os.environ.get("RATECARD_MUTATION"):
        items.sort(
            key=lambda item: bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))
        )
