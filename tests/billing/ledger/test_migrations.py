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
        final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
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


def test_profiles_revision_upgrades_a_ledger_with_issued_invoices(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0005 → head on a ledger holding usage and a named issuer: the issuer counts as set,
    and finalising, voiding and the new customer profiles work at once after it."""
    # here: only these two tests use them
    from billing.invoicing.lifecycle import void
    from billing.invoicing.profiles import set_customer

    engine = make_engine(blank_database(request, dialect, tmp_path))
    try:
        upgrade(engine, "0005")
        # 123456 × 0.090 / 1M = 0.01111104 -> 0.01 (October); 100000 × 0.090 / 1M = 0.009
        # -> 0.01 (November); December is left as a draft
        store(
            engine,
            event(
                "acme",
                "e-oct",
                "2026-10-03T10:00:00Z",
                line("input", 123456, "0.090", "0.01111104"),
            ),
            event("acme", "e-nov", "2026-11-03T10:00:00Z", line("input", 100000, "0.090", "0.009")),
            event("acme", "e-dec", "2026-12-03T10:00:00Z", line("input", 100000, "0.090", "0.009")),
        )
        monkeypatch.setenv("RATECARD_ISSUER_NAME", "Old Issuer")
        with engine.begin() as conn:  # what ratecard before 0006 wrote: rows by hand
            conn.execute(
                text(
                    "INSERT INTO issuers (code, name, address, invoice_prefix, "
                    "credit_note_prefix, next_invoice_number, next_credit_note_number) "
                    "VALUES ('default', 'Old Issuer', 'Old Road', 'INV-', 'CN-', 1, 1)"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            profile_set = conn.execute(text("SELECT profile_set FROM issuers")).scalar_one()
        assert bool(profile_set)  # an issuer named before 0006 was named on purpose
        oct_final = invoice(engine, "acme", "2026-10", finalize=True)
        nov_final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
        void(engine, "acme", "2026-11")
        set_customer(engine, "acme", name="Acme Corp", tax_rate=D("0.20"))
        assert (oct_final.total, oct_final.number, nov_final.number) == (D("0.01"), 1, 2)
        # December's draft picks up the tax: 0.01 × 0.20 = 0.002 -> 0.00; total 0.01
        dec = invoice(engine, "acme", "2026-12")
        assert (dec.subtotal, dec.tax, dec.total, dec.customer_name) == (
            D("0.01"),
            D("0.00"),
            D("0.01"),
            "Acme Corp",
        )
    finally:
        engine.dispose()


def test_profiles_revision_keeps_rows_written_before_it(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    """Invoices finalised and voided at revision 0005 (so without the new columns) read
    after the upgrade as they were issued: subtotal = total, no tax, no due date."""
    engine = make_engine(blank_database(request, dialect, tmp_path))
    try:
        upgrade(engine, "0005")
        store(
            engine,
            event(
                "acme",
                "e-oct",
                "2026-10-03T10:00:00Z",
                line("input", 123456, "0.090", "0.01111104"),
            ),
        )
        now = "2026-11-05 10:00:00+00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO issuers (code, name, address, invoice_prefix, "
                    "credit_note_prefix, next_invoice_number, next_credit_note_number) "
                    "VALUES ('default', 'ratecard', '', 'INV-', 'CN-', 2, 1)"
                )
            )
            customer = conn.execute(text("SELECT id FROM customers")).scalar_one()
            for period, status, number in (("2026-10", "draft", None), ("2026-09", "draft", None)):
                conn.execute(
                    text(
                        "INSERT INTO invoices (issuer_id, customer_id, period, kind, status, "
                        "number, currency, total, precise_total, created_at, updated_at) "
                        "VALUES (1, :c, :p, 'standard', :s, :n, 'USD', '0.01', '0.01111104', "
                        ":t, :t)"
                    ),
                    {"c": customer, "p": period, "s": status, "n": number, "t": now},
                )
            conn.execute(
                text(
                    "UPDATE invoices SET status = 'finalized', number = 1, finalized_at = :t "
                    "WHERE period = '2026-10'"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "UPDATE invoices SET status = 'finalized', number = 2, finalized_at = :t "
                    "WHERE period = '2026-09'"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "UPDATE invoices SET status = 'void', voided_at = :t WHERE period = '2026-09'"
                ),
                {"t": now},
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            profile_set = conn.execute(text("SELECT profile_set FROM issuers")).scalar_one()
        assert not profile_set  # the placeholder stays a placeholder
        final = invoice(engine, "acme", "2026-10")
        assert (final.status, final.number, final.total, final.subtotal) == (
            "finalized",
            1,
            D("0.01"),
            D("0.01"),
        )
        assert (final.tax, final.due_date) == (None, None)
    finally:
        engine.dispose()
