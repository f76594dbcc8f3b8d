"""A database made at the first revision upgrades to the newest one and keeps its data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from billing.invoicing.lifecycle import invoice
from billing.ledger.db import make_engine
from billing.ledger.migrate import current_revision, ensure_schema, head_revision, upgrade

from .conftest import blank_database
from .helpers import D, event, line, store

FIRST = "0001"


def test_first_revision_upgrades_to_head_keeping_data(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    engine = make_engine(blank_database(request, dialect, tmp_path))
    try:
        upgrade(engine, FIRST)
        assert current_revision(engine) == FIRST
        # 123456 input tokens * 0.090 / 1M = 0.01111104
        store(
            engine,
            event(
                "acme",
                "evt-1",
                "2026-11-03T10:00:00Z",
                line("input", 123456, "0.090", "0.01111104"),
            ),
        )
        assert "credit_notes" not in inspect(engine).get_table_names()  # revision 2 adds it
        upgrade(engine)
        assert current_revision(engine) == head_revision() != FIRST
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT event_id, input_tokens, period FROM usage_events")
            ).one()
            amount = conn.execute(text("SELECT amount FROM charge_lines")).scalar_one()
        assert tuple(row) == ("evt-1", 123456, "2026-11")
        assert D(str(amount)) == D("0.01111104")
        final = invoice(engine, "acme", "2026-11", finalize=True)
        assert final.total == D("0.01") and final.number == 1
    finally:
        engine.dispose()


def test_ensure_schema_is_idempotent(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        ensure_schema(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
