from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from billing.ledger.db import make_engine
from billing.ledger.migrate import upgrade
from tests.billing.ledger.conftest import (  # noqa: F401  (the ledger's database fixtures)
    db_url,
    dialect,
    engine,
    pg_server,
    pg_template,
    shared_engine,
    sqlite_template,
)


@pytest.fixture(scope="module")
def sqlite_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An SQLite ledger for the DuckDB examples (DuckDB reads the stored events from it),
    one per test module."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('duck')}/ledger.db")
    upgrade(eng)
    yield eng
    eng.dispose()
