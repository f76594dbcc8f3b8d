"""Issue 10: the SQL rating path does not rate the token kinds beyond its five columns, price
contexts or daily windows; it refuses them (reason 9, or NotCompilableError for an offering
with contexts) and never misprices. ``invoice --engine auto`` then rates in Python, exactly.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from billing.invoicing.lifecycle import InvoiceError, invoice
from billing.ledger.ingest import ingest_lines, make_pricer
from billing.sqlrate import NotCompilableError, period_scope, rate_scope
from billing.sqlrate.plan import NOT_IN_SQL
from catalog import Catalog, load_catalog

PEERS = Path(__file__).resolve().parents[1] / "peers"


@pytest.fixture(scope="module")
def peers() -> Catalog:
    return load_catalog(PEERS)


def _rec(i: int, **fields: object) -> str:
    return json.dumps(
        {"id": f"n-{i}", "customer": "acme", "timestamp": "2026-11-15T10:00:00Z", **fields}
    )


def test_extra_kinds_are_refused_by_sql_and_priced_in_python(
    engine: Engine, peers: Catalog
) -> None:
    lines = [
        # fault 2: 3 × 1 + 5,424 × 2 + 36 × 5 = 11,031 µ$ (a 1-hour write: not in SQL)
        _rec(1, model="claude-1h", endpoint="messages",
             usage={"input_tokens": 3, "output_tokens": 36,
                    "cache_creation": {"ephemeral_1h_input_tokens": 5424}}),
        # plain: 3 × 1 + 36 × 5 = 183 µ$ (SQL could rate it alone)
        _rec(2, model="claude-1h", endpoint="messages",
             usage={"input_tokens": 3, "output_tokens": 36}),
    ]  # fmt: skip
    ingest_lines(engine, enumerate(lines, 1), make_pricer(peers))
    with engine.connect() as conn:
        result = rate_scope(conn, period_scope("2026-11"), peers)
    assert [(e.code, e.events) for e in result.errors] == [(NOT_IN_SQL, 1)]
    with pytest.raises(InvoiceError):
        invoice(engine, "acme", "2026-11", rating="sql", catalog=peers)
    auto = invoice(engine, "acme", "2026-11", threshold=0, catalog=peers)
    assert auto.rating == "python"
    # 0.011031 + 0.000183 = 0.011214
    assert auto.precise_total == Decimal("0.011214")


def test_offering_with_contexts_is_not_compiled(engine: Engine, peers: Catalog) -> None:
    # flex on gpt-ctx: 1,000 × 0.625 + 100 × 5 = 1,125 µ$
    line = _rec(1, model="gpt-ctx", service_tier="flex",
                usage={"prompt_tokens": 1000, "completion_tokens": 100})  # fmt: skip
    ingest_lines(engine, enumerate([line], 1), make_pricer(peers))
    with engine.connect() as conn, pytest.raises(NotCompilableError):
        rate_scope(conn, period_scope("2026-11"), peers)
    auto = invoice(engine, "acme", "2026-11", threshold=0, catalog=peers)
    assert auto.rating == "python" and auto.precise_total == Decimal("0.001125")
