"""A SQLite ``file:`` URI (the form billing.ledger.db writes for a read-only file) given to
make_engine is opened as it is: no directory named ``file:`` appears, and ``mode=ro`` refuses
writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from billing.ledger.db import make_engine
from billing.ledger.migrate import upgrade


def test_a_read_only_uri_reads_and_refuses_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with ro.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM usage_events")).scalar() == 0
        with pytest.raises(Exception, match="readonly"):
            conn.execute(text("INSERT INTO customers (code) VALUES ('x')"))
    ro.dispose()
    assert not any(name.startswith("file") for name in os.listdir(tmp_path))
