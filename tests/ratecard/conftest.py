import pytest

from billing.sqlrate import files
from tests.billing.ledger.conftest import (  # noqa: F401  (the ledger's database fixtures)
    db_url,
    dialect,
    engine,
    pg_server,
    pg_template,
    shared_engine,
    sqlite_template,
)


@pytest.fixture(params=["compiled", "duckdb"])
def jsonl_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``price --engine duckdb`` with each JSON Lines reader in turn, whatever the files'
    size (billing.sqlrate.files.READER): the compiled reader and DuckDB's own read."""
    monkeypatch.setattr(files, "READER", request.param)
    return str(request.param)
