"""``ratecard invoice`` in SQL and in Python: the same lines and totals, to the digit, on
SQLite and PostgreSQL, including late usage carried to the next open invoice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from billing.invoicing.lifecycle import InvoiceError, InvoiceView, invoice
from billing.ledger.ingest import ingest_lines, make_pricer
from billing.ledger.tables import InvoiceLineCharge
from catalog import Catalog

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "samples" / "usage-2026-11.jsonl"


def _ingest(engine: Engine, catalog: Catalog, lines: list[str]) -> None:
    ingest_lines(engine, enumerate(lines, 1), make_pricer(catalog))


def _lines(view: InvoiceView) -> list[tuple[object, ...]]:
    return [
        (
            ln.position,
            ln.offering,
            ln.charge,
            ln.tier,
            ln.unit,
            str(ln.unit_price),
            str(ln.list_price),
            ln.quantity,
            str(ln.precise_amount),
            str(ln.amount),
            ln.adjustment_period,
            ln.events,
            ln.event_ids,
        )
        for ln in view.lines
    ]


@pytest.mark.parametrize("customer", ["acme", "globex"])
def test_sql_and_python_invoices_agree(engine: Engine, catalog: Catalog, customer: str) -> None:
    _ingest(engine, catalog, SAMPLE.read_text().splitlines())
    py = invoice(engine, customer, "2026-11", rating="python", with_events=True)
    sql = invoice(engine, customer, "2026-11", rating="sql", with_events=True, catalog=catalog)
    assert (py.rating, sql.rating) == ("python", "sql")  # each engine really ran
    assert py.lines, "the sample has usage for this customer"
    assert _lines(sql) == _lines(py)
    assert (str(sql.total), str(sql.precise_total)) == (str(py.total), str(py.precise_total))
    with engine.connect() as conn:  # the SQL path stores no per-event links
        links = conn.scalar(select(func.count()).select_from(InvoiceLineCharge))
    assert links == 0
    auto = invoice(engine, customer, "2026-11", threshold=0, with_events=True, catalog=catalog)
    assert auto.rating == "sql"
    assert _lines(auto) == _lines(py)
    duck = invoice(engine, customer, "2026-11", rating="duckdb", with_events=True, catalog=catalog)
    assert _lines(duck) == _lines(py)
    assert (str(duck.total), str(duck.precise_total)) == (str(py.total), str(py.precise_total))
    # which engine computed each draft's lines
    assert (py.rating, sql.rating, auto.rating, duck.rating) == (
        "python",
        "sql",
        "sql",
        "duckdb",
    )


def test_late_usage_in_sql(engine: Engine, catalog: Catalog) -> None:
    lines = SAMPLE.read_text().splitlines()
    acme = [ln for ln in lines if '"customer": "acme"' in ln]
    _ingest(engine, catalog, acme[:200])
    invoice(engine, "acme", "2026-11", finalize=True, force=True, rating="sql", catalog=catalog)
    late = [
        ln.replace('"acme-', '"acme-dec-', 1).replace("2026-11-", "2026-12-", 1)
        for ln in acme[200:210]
    ]
    _ingest(engine, catalog, acme[200:] + late)
    py = invoice(engine, "acme", "2026-12", rating="python", with_events=True)
    sql = invoice(engine, "acme", "2026-12", rating="sql", with_events=True, catalog=catalog)
    assert sql.rating == "sql"
    assert any(ln.adjustment_period == "2026-11" for ln in py.lines)
    assert _lines(sql) == _lines(py)
    duck = invoice(engine, "acme", "2026-12", rating="duckdb", with_events=True, catalog=catalog)
    assert duck.rating == "duckdb"
    assert _lines(duck) == _lines(py)
    assert str(sql.total) == str(py.total)


def test_unknown_engine(engine: Engine, catalog: Catalog) -> None:
    _ingest(engine, catalog, SAMPLE.read_text().splitlines()[:3])
    with pytest.raises(InvoiceError, match="rating engine"):
        invoice(engine, "acme", "2026-11", rating="fast")
