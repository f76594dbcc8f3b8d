from collections.abc import Iterator
from typing import Any

import pytest

from tests.billing.ledger.conftest import (  # noqa: F401  (the ledger's database fixtures)
    db_url,
    dialect,
    engine,
    pg_server,
    pg_template,
    shared_engine,
    sqlite_template,
)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The one Spark session of the test run (tests/spark_session.py)."""
    from tests.spark_session import start

    session = start()
    yield session
    session.stop()
