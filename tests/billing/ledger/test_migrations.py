"""A database made at the first revision upgrades to the newest one and keeps its data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from billing.invoicing.lifecycle import invoice
from billing.ledger.batch import PreparedEvent
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
        store_before_0005(
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


NEW_IN_0005 = ("token_kinds", "price_context")


def store_before_0005(engine: Engine, ev: PreparedEvent) -> None:
    """Store one priced event as the code before revision 0005 wrote it (without the
    columns 0005 adds), so an old database can hold data to upgrade."""
    from billing.ledger.ingest import _event_row
    from billing.ledger.tables import ChargeLineRow, ChargeRow, Customer, UsageEvent

    customers = Customer.__table__
    events = UsageEvent.__table__
    assert ev.charge is not None
    with engine.begin() as conn:
        cid = conn.execute(customers.insert().values(code=ev.customer)).inserted_primary_key[0]
        row = {k: v for k, v in _event_row(ev, cid).items() if k not in NEW_IN_0005}
        pk = conn.execute(events.insert().values(**row)).inserted_primary_key[0]
        charge = ev.charge
        conn.execute(
            ChargeRow.__table__.insert().values(
                event_pk=pk, customer_id=cid, period=ev.period, offering=ev.offering,
                currency=charge.currency, total=charge.total,
                price_version=charge.price_version or "", tier=charge.tier,
            )
        )  # fmt: skip
        for position, li in enumerate(charge.lines):
            conn.execute(
                ChargeLineRow.__table__.insert().values(
                    charge_id=pk, position=position, charge=li.charge, quantity=li.quantity,
                    unit=li.unit, unit_price=li.unit_price, list_price=li.list_price,
                    amount=li.amount, tier=li.tier, price_version=li.price_version or "",
                )
            )  # fmt: skip


def test_0005_upgrades_a_database_holding_data(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    """0004 → 0005 keeps the stored events (new columns NULL: no other kind, the default
    context); after it, an event with a 1-hour cache write and a price context stores both
    exactly."""
    from billing.ledger.ingest import make_pricer
    from catalog import load_catalog

    engine = make_engine(blank_database(request, dialect, tmp_path))
    try:
        upgrade(engine, "0004")
        store_before_0005(
            engine,
            event("acme", "evt-1", "2026-11-03T10:00:00Z", line("input", 10, "0.090", "0.0000009")),
        )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            old = conn.execute(
                text("SELECT input_tokens, token_kinds, price_context FROM usage_events")
            ).one()
        assert tuple(old) == (10, None, None)
        peers = load_catalog(Path(__file__).resolve().parents[1] / "peers")
        prepared = make_pricer(peers)(
            '{"id": "evt-2", "customer": "acme", "model": "claude-1h", "endpoint": "messages", '
            '"timestamp": "2026-11-04T10:00:00Z", "usage": {"input_tokens": 3, '
            '"cache_creation": {"ephemeral_1h_input_tokens": 5424}, "output_tokens": 36, '
            '"service_tier": "standard"}}',
            1,
        )
        flex = make_pricer(peers)(
            '{"id": "evt-3", "customer": "acme", "model": "gpt-ctx", "service_tier": "flex", '
            '"timestamp": "2026-11-04T10:00:00Z", "usage": {"prompt_tokens": 1000, '
            '"completion_tokens": 10, "prompt_tokens_details": {"audio_tokens": 0}}}',
            2,
        )
        assert isinstance(prepared, PreparedEvent) and isinstance(flex, PreparedEvent)
        store(engine, prepared, flex)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT event_id, token_kinds, price_context, status FROM usage_events "
                    "WHERE event_id != 'evt-1' ORDER BY event_id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("evt-2", '{"cache_write_1h":5424}', None, "priced"),
            ("evt-3", None, "flex", "priced"),
        ]
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
