"""Issue 10 in the SQL rating path: token kinds beyond the five count columns, price contexts
and daily windows are rated in the database, exactly as in Python, with the same lines; a
context the card does not price fails with the same reason. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from billing.invoicing.lifecycle import invoice
from billing.ledger.ingest import ingest_lines, make_pricer
from billing.ledger.tables import UsageEvent
from billing.sqlrate import period_scope, rate_scope
from catalog import Catalog, load_catalog

PEERS = Path(__file__).resolve().parents[1] / "peers"


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(PEERS)


def _rec(i: int, at: str = "2026-11-15T10:00:00Z", **fields: object) -> str:
    return json.dumps({"id": f"n-{i}", "customer": "acme", "timestamp": at, **fields})


def test_extra_kinds_are_rated_in_sql(engine: Engine, peers: Catalog) -> None:
    lines = [
        # fault 2: 3 × 1 + 5,424 × 2 + 36 × 5 = 11,031 µ$ (the 1-hour write at its own $2)
        _rec(1, model="claude-1h", endpoint="messages",
             usage={"input_tokens": 3, "output_tokens": 36,
                    "cache_creation": {"ephemeral_1h_input_tokens": 5424}}),
        # plain: 3 × 1 + 36 × 5 = 183 µ$
        _rec(2, model="claude-1h", endpoint="messages",
             usage={"input_tokens": 3, "output_tokens": 36}),
    ]  # fmt: skip
    ingest_lines(engine, enumerate(lines, 1), make_pricer(peers))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), peers)
    assert result.errors == [] and result.priced_events == 2
    got = {ln.charge: (ln.quantity, ln.events, ln.amount) for ln in result.lines}
    assert got == {
        "input": (6, 2, Decimal("0.000006")),
        "output": (72, 2, Decimal("0.000360")),
        "cache_write_1h": (5424, 1, Decimal("0.010848")),
    }
    sql = invoice(engine, "acme", "2026-11", rating="sql", catalog=peers)
    assert sql.rating == "sql"
    # 0.011031 + 0.000183 = 0.011214
    assert sql.precise_total == Decimal("0.011214")


def test_price_contexts_are_rated_in_sql(engine: Engine, peers: Catalog) -> None:
    lines = [
        # flex on gpt-ctx: 1,000 × 0.625 + 100 × 5 = 1,125 µ$ (flex has no request fee)
        _rec(1, model="gpt-ctx", service_tier="flex",
             usage={"prompt_tokens": 1000, "completion_tokens": 100}),
        # default: 1,000 × 1.25 + 100 × 10 = 2,250 µ$ + the $0.001 call fee = 3,250 µ$
        _rec(2, model="gpt-ctx",
             usage={"prompt_tokens": 1000, "completion_tokens": 100}),
        # gpt-audio prices no flex context: no_price_version in Python and in SQL
        _rec(3, model="gpt-audio", service_tier="flex",
             usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    ]  # fmt: skip
    ingest_lines(engine, enumerate(lines, 1), make_pricer(peers))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), peers)
    assert [(e.reason_code, e.events) for e in result.errors] == [("no_price_version", 1)]
    total = sum((ln.amount for ln in result.lines), Decimal(0))
    assert total == Decimal("0.004375")  # 1,125 + 3,250 µ$
    auto = invoice(engine, "acme", "2026-11", threshold=0, catalog=peers)
    # the stored charges of the two priced events, in Python: the same 4,375 µ$
    assert auto.precise_total == Decimal("0.004375")


#: Issue 10's kinds, contexts and windows, for the engine comparison below; each right value
#: by hand from the peer cards (tests/billing/peers), in µ$:
ENGINE_RECORDS = [
    # fault 3 (gpt-audio): 17 × 2.5 + 110 × 10 + 482 × 80 = 39,702.5
    _rec(1, model="gpt-audio",
         usage={"prompt_tokens": 17, "completion_tokens": 592,
                "completion_tokens_details": {"audio_tokens": 482}}),
    # gpt-ctx flex: 1,000 × 0.625 + 100 × 5 = 1,125 (flex has no call fee)
    _rec(2, model="gpt-ctx", service_tier="flex",
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    # gpt-ctx batch: 1,000 × 0.625 + 100 × 5 = 1,125
    _rec(3, model="gpt-ctx", batch=True,
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    # gpt-audio prices no flex context: no_price_version
    _rec(4, model="gpt-audio", service_tier="flex",
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    # deepseek-chat at 16:30:00, the off-peak window's first second: 1,000 × 0.135 + 100 × 0.55
    # = 190
    _rec(5, "2026-11-15T16:30:00Z", model="deepseek-chat",
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    # the second before it, and 00:30:00 (the window's end, excluded): 1,000 × 0.27 + 100 × 1.1
    # = 380 each
    _rec(6, "2026-11-15T16:29:59Z", model="deepseek-chat",
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    _rec(7, "2026-11-16T00:30:00Z", model="deepseek-chat",
         usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    # fault 2 (claude-1h): 3 × 1 + 5,424 × 2 + 36 × 5 = 11,031
    _rec(8, model="claude-1h", endpoint="messages",
         usage={"input_tokens": 3, "output_tokens": 36,
                "cache_creation": {"ephemeral_1h_input_tokens": 5424}}),
]  # fmt: skip


def _lines(result: object) -> list[tuple[object, ...]]:
    return [
        (ln.offering, ln.price_version, ln.tier, ln.charge, ln.quantity, ln.events, str(ln.amount))
        for ln in result.lines  # type: ignore[attr-defined]
    ]


def test_kinds_contexts_and_windows_on_duckdb_and_spark(
    tmp_path: Path, peers: Catalog, spark: object
) -> None:
    """The same statements on DuckDB (reading the SQLite ledger) and Spark (over the Parquet
    export) give SQLite's lines, line for line, and the hand-computed total."""
    from billing.ledger.db import make_engine
    from billing.ledger.migrate import upgrade
    from billing.sqlrate.duck import duckdb_connection
    from billing.sqlrate.events import export_events
    from billing.sqlrate.spark import SparkConnection, register_events

    eng = make_engine(f"sqlite:///{tmp_path}/ledger.db")
    upgrade(eng)
    try:
        ingest_lines(eng, enumerate(ENGINE_RECORDS, 1), make_pricer(peers))
        scope = period_scope("2026-11")
        with eng.connect() as conn:
            on_sqlite = rate_scope(conn, scope, peers)
            with duckdb_connection(ledger=conn, scope=scope) as duck:
                on_duck = rate_scope(duck, scope, peers)
            export_events(conn, scope, tmp_path / "export")
    finally:
        eng.dispose()
    register_events(spark, str(tmp_path / "export"))
    on_spark = rate_scope(SparkConnection(spark), scope, peers)
    assert (on_sqlite.engine, on_duck.engine, on_spark.engine) == ("sqlite", "duckdb", "spark")
    for result in (on_sqlite, on_duck, on_spark):
        assert [(e.reason_code, e.events) for e in result.errors] == [("no_price_version", 1)]
        assert result.priced_events == 7
        # 39,702.5 + 1,125 + 1,125 + 190 + 380 + 380 + 11,031 = 53,933.5 µ$
        assert sum((ln.amount for ln in result.lines), Decimal(0)) == Decimal("0.0539335")
    assert _lines(on_duck) == _lines(on_sqlite)
    assert _lines(on_spark) == _lines(on_sqlite)
    charges = {(ln.offering, ln.price_version, ln.charge) for ln in on_spark.lines}
    assert ("openai/gpt-audio", "output_audio") in {(o, c) for o, _, c in charges}
    assert any(v == "off-peak" for o, v, _ in charges if o == "deepseek/deepseek-chat")


def test_kinds_contexts_and_windows_in_sql(engine: Engine, peers: Catalog) -> None:
    """ENGINE_RECORDS rated in the test ledger's own SQL: the hand-computed lines without
    starting DuckDB or Spark (the SQL plan's mutation target runs this test per mutant; the
    three-engine comparison above stays in ``make test``)."""
    ingest_lines(engine, enumerate(ENGINE_RECORDS, 1), make_pricer(peers))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), peers)
    assert [(e.reason_code, e.events) for e in result.errors] == [("no_price_version", 1)]
    assert result.priced_events == 7
    got = sorted(
        (ln.offering, ln.price_version, ln.charge, ln.quantity, ln.events, ln.amount)
        for ln in result.lines
    )
    # (offering, version, charge, count, events, count × $/M ÷ 1e6), from the peer cards
    assert got == [
        ("anthropic/claude-1h", "v1", "cache_write_1h", 5424, 1, Decimal("0.010848")),  # × 2
        ("anthropic/claude-1h", "v1", "input", 3, 1, Decimal("0.000003")),  # × 1
        ("anthropic/claude-1h", "v1", "output", 36, 1, Decimal("0.00018")),  # × 5
        # the event at 16:30:00 in the off-peak window: × 0.135 and × 0.55
        ("deepseek/deepseek-chat", "off-peak", "input", 1000, 1, Decimal("0.000135")),
        ("deepseek/deepseek-chat", "off-peak", "output", 100, 1, Decimal("0.000055")),
        # 16:29:59 and 00:30:00 (the window's end, excluded) at peak: × 0.27 and × 1.1
        ("deepseek/deepseek-chat", "v1", "input", 2000, 2, Decimal("0.00054")),
        ("deepseek/deepseek-chat", "v1", "output", 200, 2, Decimal("0.00022")),
        ("openai/gpt-audio", "v1", "input", 17, 1, Decimal("0.0000425")),  # × 2.5
        ("openai/gpt-audio", "v1", "output", 110, 1, Decimal("0.0011")),  # × 10
        ("openai/gpt-audio", "v1", "output_audio", 482, 1, Decimal("0.03856")),  # × 80
        # flex and batch, each × 0.625 and × 5
        ("openai/gpt-ctx", "v1", "input", 1000, 1, Decimal("0.000625")),
        ("openai/gpt-ctx", "v1", "input", 1000, 1, Decimal("0.000625")),
        ("openai/gpt-ctx", "v1", "output", 100, 1, Decimal("0.0005")),
        ("openai/gpt-ctx", "v1", "output", 100, 1, Decimal("0.0005")),
    ]
    # 39,702.5 + 1,125 + 1,125 + 190 + 380 + 380 + 11,031 = 53,933.5 µ$
    assert sum((ln.amount for ln in result.lines), Decimal(0)) == Decimal("0.0539335")


def test_a_stored_default_context_is_the_default(engine: Engine, peers: Catalog) -> None:
    """ingest stores the default context as NULL; a row that says ``default`` (a ledger
    written by another tool) is rated as the default context too, with contexts on the
    offering (gpt-ctx) and without (gpt-audio)."""
    lines = [
        # 1,000 × 1.25 + 100 × 10 = 2,250 µ$ + the $0.001 call fee = 3,250 µ$
        _rec(1, model="gpt-ctx", usage={"prompt_tokens": 1000, "completion_tokens": 100}),
        # 1,000 × 2.5 + 100 × 10 = 3,500 µ$
        _rec(2, model="gpt-audio", usage={"prompt_tokens": 1000, "completion_tokens": 100}),
    ]
    ingest_lines(engine, enumerate(lines, 1), make_pricer(peers))
    with engine.begin() as conn:
        conn.execute(update(UsageEvent).values(price_context="default"))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), peers)
    assert result.errors == [] and result.priced_events == 2
    assert sum((ln.amount for ln in result.lines), Decimal(0)) == Decimal("0.00675")
