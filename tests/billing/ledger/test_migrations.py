"""A database made at the first revision upgrades to the newest one and keeps its data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    select,
    text,
)

from billing.invoicing.lifecycle import invoice
from billing.ledger.batch import PreparedEvent
from billing.ledger.charge_lines import stored_lines
from billing.ledger.db import make_engine
from billing.ledger.migrate import current_revision, ensure_schema, head_revision, upgrade
from billing.ledger.money_type import Money

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
            items = stored_lines(conn.execute(text("SELECT lines FROM charges")).scalar_one())
            amount = items[0].amount
        assert tuple(row) == ("evt-1", 123456, "2026-11")
        assert D(str(amount)) == D("0.01111104")
        final = invoice(engine, "acme", "2026-11", finalize=True, force=True)
        assert final.total == D("0.01") and final.number == 1
    finally:
        engine.dispose()


NEW_IN_0005 = ("token_kinds", "price_context")


def _charge_lines_before_0007() -> Table:
    """``charge_lines`` as revisions 0001 to 0006 had it (the ORM no longer maps it)."""
    return Table(
        "charge_lines",
        MetaData(),
        Column("charge_id", Integer, primary_key=True),
        Column("position", Integer, primary_key=True),
        Column("charge", String(100)),
        Column("quantity", BigInteger),
        Column("unit", String(32)),
        Column("unit_price", Money()),
        Column("list_price", Money()),
        Column("amount", Money()),
        Column("tier", String(64)),
        Column("price_version", String(64)),
    )


def store_before_0007(engine: Engine, *events: PreparedEvent, before_0005: bool = False) -> None:
    """Store priced and unpriceable events as the code before revision 0007 wrote them: a
    charge without ``lines`` and its line items as rows of ``charge_lines`` (and, before
    0005, events without the columns 0005 adds), so an old database can hold data."""
    from billing.ledger.ingest import _event_row
    from billing.ledger.tables import ChargeRow, Customer, UsageEvent

    customers = Customer.__table__
    events_t = UsageEvent.__table__
    old_lines = _charge_lines_before_0007()
    with engine.begin() as conn:
        for ev in events:
            cid = conn.execute(
                select(customers.c.id).where(customers.c.code == ev.customer)
            ).scalar()
            if cid is None:
                cid = conn.execute(
                    customers.insert().values(code=ev.customer)
                ).inserted_primary_key[0]
            row = _event_row(ev, cid)
            if before_0005:
                row = {k: v for k, v in row.items() if k not in NEW_IN_0005}
            pk = conn.execute(events_t.insert().values(**row)).inserted_primary_key[0]
            charge = ev.charge
            if charge is None:
                continue
            conn.execute(
                ChargeRow.__table__.insert().values(
                    event_pk=pk, customer_id=cid, period=ev.period, offering=ev.offering,
                    currency=charge.currency, total=charge.total,
                    price_version=charge.price_version or "", tier=charge.tier,
                )
            )  # fmt: skip
            for position, li in enumerate(charge.lines):
                conn.execute(
                    old_lines.insert().values(
                        charge_id=pk, position=position, charge=li.charge, quantity=li.quantity,
                        unit=li.unit, unit_price=li.unit_price, list_price=li.list_price,
                        amount=li.amount, tier=li.tier, price_version=li.price_version or "",
                    )
                )  # fmt: skip


def store_before_0005(engine: Engine, ev: PreparedEvent) -> None:
    """Store one priced event as the code before revision 0005 wrote it."""
    store_before_0007(engine, ev, before_0005=True)


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
        store_before_0007(
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
        store_before_0007(
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


def _hand_invoice(conn: Any, customer: int, period: str, lines: list[tuple[Any, ...]]) -> int:
    """A draft invoice with these lines (charge, unit, quantity, unit price, precise, rounded)
    written by hand as the code before 0007 left it, billing the period's charges."""
    now = "2026-11-05 10:00:00+00:00"
    precise = sum((D(x[4]) for x in lines), D(0))
    total = sum((D(x[5]) for x in lines), D(0))
    conn.execute(
        text(
            "INSERT INTO invoices (issuer_id, customer_id, period, kind, status, number, "
            "currency, total, precise_total, subtotal, created_at, updated_at) VALUES "
            "(1, :c, :p, 'standard', 'draft', NULL, 'USD', :t, :pt, :t, :n, :n)"
        ),
        {"c": customer, "p": period, "t": str(total), "pt": str(precise), "n": now},
    )
    inv = conn.execute(text("SELECT id FROM invoices WHERE period = :p"), {"p": period}).scalar()
    for position, (charge, unit, quantity, price, exact, rounded) in enumerate(lines, 1):
        conn.execute(
            text(
                "INSERT INTO invoice_lines (invoice_id, position, offering, model, charge, "
                "tier, unit, quantity, unit_price, list_price, precise_amount, amount, "
                "adjustment_period, events) VALUES (:i, :pos, 'empiriolabs/qwen3-5-flash', "
                "'qwen3-5-flash', :ch, NULL, :u, :q, :up, NULL, :pa, :a, NULL, 1)"
            ),
            {"i": inv, "pos": position, "ch": charge, "u": unit, "q": quantity, "up": price,
             "pa": exact, "a": rounded},
        )  # fmt: skip
    conn.execute(
        text("UPDATE charges SET invoice_id = :i WHERE period = :p"), {"i": inv, "p": period}
    )
    return int(inv)


def test_0007_folds_charge_lines_into_charges_on_a_ledger_holding_data(
    request: pytest.FixtureRequest, dialect: str, tmp_path: Path
) -> None:
    """0006 → 0007 on a ledger with a finalised invoice carrying a credit note, a voided
    invoice, a month not yet invoiced and an unpriceable event: every charge keeps its line
    items exactly (prices with their digits: "0.090" stays "0.090"), issued documents are
    untouched and still read with their events, a new draft is summed from the folded
    lines, and the downgrade rebuilds ``charge_lines`` row for row."""
    from billing.ledger.migrate import downgrade
    from billing.sqlrate import period_scope, stored_sums

    engine = make_engine(blank_database(request, dialect, tmp_path))
    oct_lines = (
        line("input", 123456, "0.090", "0.01111104"),  # 123456 × 0.090 / 1M
        line("output", 2000, "0.36", "0.00072"),  # 2000 × 0.36 / 1M
        line("tool:web_search", 3, "0.010", "0.030"),  # 3 calls × 0.010
    )
    try:
        upgrade(engine, "0006")
        store_before_0007(
            engine,
            event("acme", "e-sep", "2026-09-03T10:00:00Z", line("input", 100000, "0.090", "0.009")),
            event("acme", "e-oct", "2026-10-03T10:00:00Z", *oct_lines),
            event(
                "acme",
                "e-nov",
                "2026-11-03T10:00:00Z",
                line("input", 100000, "0.090", "0.009"),  # 100000 × 0.090 / 1M
                line("output", 1000, "0.36", "0.00036"),  # 1000 × 0.36 / 1M
            ),
            event("acme", "e-bad", "2026-11-04T10:00:00Z", error="no price is published"),
        )
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO issuers (code, name, address, invoice_prefix, "
                    "credit_note_prefix, next_invoice_number, next_credit_note_number, "
                    "profile_set) VALUES ('default', 'Issuer Ltd', '1 Road', 'INV-', 'CN-', "
                    "3, 2, :t)"
                ),
                {"t": True},
            )
            acme = conn.execute(text("SELECT id FROM customers")).scalar_one()
            sep = _hand_invoice(
                conn, acme, "2026-09", [("input", "1M tokens", 100000, "0.090", "0.009", "0.01")]
            )
            # October: 0.01111104 → 0.01, 0.00072 → 0.00, 0.030 → 0.03; subtotal 0.04
            oct_ = _hand_invoice(
                conn,
                acme,
                "2026-10",
                [
                    ("input", "1M tokens", 123456, "0.090", "0.01111104", "0.01"),
                    ("output", "1M tokens", 2000, "0.36", "0.00072", "0.00"),
                    ("tool:web_search", "call", 3, "0.010", "0.030", "0.03"),
                ],
            )
            now = {"t": "2026-11-06 10:00:00+00:00"}
            conn.execute(
                text(
                    "UPDATE invoices SET status = 'finalized', number = 1, finalized_at = :t "
                    f"WHERE id = {sep}"
                ),
                now,
            )
            conn.execute(
                text(f"UPDATE invoices SET status = 'void', voided_at = :t WHERE id = {sep}"), now
            )
            conn.execute(
                text(
                    "UPDATE invoices SET status = 'finalized', number = 2, finalized_at = :t "
                    f"WHERE id = {oct_}"
                ),
                now,
            )
            conn.execute(
                text(
                    "INSERT INTO credit_notes (issuer_id, invoice_id, number, amount, reason, "
                    f"created_at) VALUES (1, {oct_}, 1, '0.01', 'goodwill', :t)"
                ),
                now,
            )
        before = _dump_charge_lines(engine)
        assert len(before) == 1 + 3 + 2  # the unpriceable event has no charge

        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert "charge_lines" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            stored = dict(
                conn.execute(
                    text(
                        "SELECT e.event_id, c.lines FROM charges c "
                        "JOIN usage_events e ON e.id = c.event_pk"
                    )
                ).all()
            )
            bad = conn.execute(
                text(
                    "SELECT status, period, error, model FROM usage_events WHERE event_id = 'e-bad'"
                )
            ).one()
            states = dict(conn.execute(text("SELECT period, status FROM invoices")).all())
            note = conn.execute(text("SELECT number, amount FROM credit_notes")).one()
        assert set(stored) == {"e-sep", "e-oct", "e-nov"}
        items = stored_lines(stored["e-oct"])
        assert [
            (i.charge, i.quantity, i.unit, str(i.unit_price), str(i.amount)) for i in items
        ] == [
            ("input", 123456, "1M tokens", "0.090", "0.01111104"),
            ("output", 2000, "1M tokens", "0.36", "0.00072"),
            ("tool:web_search", 3, "call", "0.010", "0.030"),
        ]
        assert [i.price_version for i in items] == ["v1", "v1", "v1"]
        assert tuple(bad) == ("unpriceable", "2026-11", "no price is published", "qwen3-5-flash")
        assert states == {"2026-09": "void", "2026-10": "finalized"}
        assert (note[0], D(str(note[1]))) == (1, D("0.01"))

        final = invoice(engine, "acme", "2026-10", with_events=True)
        assert (final.status, final.number, final.total) == ("finalized", 2, D("0.04"))
        assert [ln.event_ids for ln in final.lines] == [("e-oct",)] * 3  # from charges.lines
        # November's draft from the folded lines: 0.009 + 0.00036 = 0.00936 → 0.01
        nov = invoice(engine, "acme", "2026-11", rating="python")
        assert (nov.precise_total, nov.total) == (D("0.00936"), D("0.01"))
        assert nov.unpriceable_events == 1
        with engine.connect() as conn:
            sums = stored_sums(conn, period_scope("2026-11", None))
        assert sorted((k[5], v[0], v[1]) for k, v in sums.items()) == [
            ("input", 100000, D("0.009")),
            ("output", 1000, D("0.00036")),
        ]

        downgrade(engine, "0006")
        assert _dump_charge_lines(engine) == before
        upgrade(engine)
        with engine.connect() as conn:
            again = conn.execute(
                text(
                    "SELECT c.lines FROM charges c JOIN usage_events e ON e.id = c.event_pk "
                    "WHERE e.event_id = 'e-oct'"
                )
            ).scalar_one()
        assert again == stored["e-oct"]
    finally:
        engine.dispose()


def _dump_charge_lines(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT charge_id, position, charge, quantity, unit, CAST(unit_price AS TEXT), "
                "CAST(list_price AS TEXT), CAST(amount AS TEXT), tier, price_version "
                "FROM charge_lines ORDER BY charge_id, position"
            )
        ).all()
    return [tuple(r) for r in rows]
