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


@pytest.fixture(params=["compiled", "compiled-held-none", "duckdb"])
def jsonl_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``price --engine duckdb`` with each JSON Lines reader in turn, whatever the files'
    size (billing.sqlrate.files.READER): the compiled reader and DuckDB's own read; the
    compiled reader also with none of the calculator's lines held for after the read
    (billing.sqlrate.files.SLOW_HELD_CHARS 0: every one priced while the files are read,
    as lines beyond it are)."""
    reader, _, held = str(request.param).partition("-")
    monkeypatch.setattr(files, "READER", reader)
    if held:
        monkeypatch.setattr(files, "SLOW_HELD_CHARS", 0)
    return reader
