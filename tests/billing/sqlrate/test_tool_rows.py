"""The export's ``tool_rows`` (billing.sqlrate.events): each event's rows in
``usage_tool_calls``, the events with tool calls written last in row groups of their own, and
the tool statement reading only those row groups when the column adds up
(billing.sqlrate.rate._tool_scope), with the same lines as a scan of every event."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from billing.ledger.tables import UsageToolCall
from billing.sqlrate import events as events_mod
from billing.sqlrate import period_scope, rate_scope
from billing.sqlrate.events import TOOL_ROWS, export_events
from billing.sqlrate.rate import _tool_scope
from ratecard.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "samples" / "usage-2026-11.jsonl"


@pytest.fixture
def ledger(db_url: str, engine: Engine) -> Engine:
    code = main(["ingest", "--db", db_url, str(SAMPLE)])
    assert code in (0, 1)  # 1: the sample holds lines that are refused on purpose
    return engine


def _lines(result: Any) -> list[tuple[Any, ...]]:
    fields = ("customer_id", "offering", "price_version", "tier", "charge", "quantity")
    fields += ("events", "unit_price", "amount")
    return [tuple(getattr(ln, name) for name in fields) for ln in result.lines]


def _rated_and_exported(ledger: Engine, out: Path) -> Any:
    """The sample month rated by the ledger's own database, after its export to ``out``."""
    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        want = rate_scope(conn, scope)
        export_events(conn, scope, out)
    return want


def _marks_as(column: Any) -> Any:
    """A change for :func:`_rewrite_events`: ``tool_rows`` replaced by ``column(table)``."""

    def change(table: Any) -> Any:
        at = table.schema.get_field_index(TOOL_ROWS)
        return table.set_column(at, TOOL_ROWS, column(table))

    return change


def _rewrite_events(export: Path, change: Any) -> None:
    """Replace the export's usage_events files by one file of ``change(table)``."""
    folder = export / "usage_events"
    table = change(pq.read_table(folder))
    for path in folder.glob("*.parquet"):
        path.unlink()
    pq.write_table(table, folder / "part-0.parquet")


def test_tool_rows_count_each_events_tool_calls_and_come_last(
    ledger: Engine, dialect: str, tmp_path: Path
) -> None:
    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        t = UsageToolCall.__table__.c
        stmt = select(t.event_pk, func.count()).group_by(t.event_pk)
        in_ledger = {pk: n for pk, n in conn.execute(stmt)}
        export_events(conn, scope, tmp_path / "out")
    folder = tmp_path / "out" / "usage_events"
    assert [p.name for p in folder.iterdir()] == ["part-0.parquet"]  # nothing held left
    events = pq.read_table(folder / "part-0.parquet").to_pylist()
    calls = pq.read_table(tmp_path / "out" / "usage_tool_calls").to_pylist()
    per_event = Counter(row["event_pk"] for row in calls)
    assert per_event and len(per_event) < len(events)  # events with and without tools
    for row in events:
        assert row[TOOL_ROWS] == per_event.get(row["id"], 0) == in_ledger.get(row["id"], 0)
    marks = [row[TOOL_ROWS] > 0 for row in events]
    first_marked = marks.index(True)
    assert not any(marks[:first_marked]) and all(marks[first_marked:])


def test_row_groups_hold_batch_rows_and_one_kind_of_event(
    ledger: Engine, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the driver's batches, the row groups hold BATCH_ROWS events (the last one of
    each kind fewer), and each holds events of one kind, which its statistics say."""
    monkeypatch.setattr(events_mod, "BATCH_ROWS", 50)
    with ledger.connect() as conn:
        written = export_events(conn, period_scope("2026-11"), tmp_path / "out")
    meta = pq.ParquetFile(tmp_path / "out" / "usage_events" / "part-0.parquet").metadata
    column = meta.schema.names.index(TOOL_ROWS)
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    kinds = []
    for group in groups:
        stats = group.column(column).statistics
        assert (stats.min > 0) == (stats.max > 0)  # one kind of event
        kinds.append(stats.min > 0)
    first = kinds.index(True)
    assert not any(kinds[:first]) and all(kinds[first:])
    sizes = [group.num_rows for group in groups]
    for run in (sizes[:first], sizes[first:]):
        assert all(size == 50 for size in run[:-1]) and 0 < run[-1] <= 50
    assert sum(sizes) == written["usage_events"] > 100


def test_a_period_without_events_exports_one_empty_file(
    ledger: Engine, dialect: str, tmp_path: Path
) -> None:
    """No event at all: an empty part-0 (the Arrow file of events with tool calls gone too)
    that DuckDB rates as nothing."""
    from billing.sqlrate.duck import duckdb_connection

    with ledger.connect() as conn:
        export_events(conn, period_scope("2026-10"), tmp_path / "out")
    folder = tmp_path / "out" / "usage_events"
    assert [p.name for p in folder.iterdir()] == ["part-0.parquet"]
    assert pq.read_table(folder).num_rows == 0
    with duckdb_connection(parquet=tmp_path / "out") as duck:
        result = rate_scope(duck, period_scope("2026-10"))
    assert (result.priced_events, result.lines, result.errors) == (0, [], [])


def test_duckdb_reads_the_marked_events_and_rates_as_the_ledger(
    ledger: Engine, dialect: str, tmp_path: Path
) -> None:
    """Over the export, with its tool_rows, without the column (an export from before it),
    and with a column that does not add up (all 0: read as absent, so no tool charge is
    lost), DuckDB gives the lines the ledger's own database gives."""
    from billing.sqlrate.duck import duckdb_connection

    scope = period_scope("2026-11")
    want = _rated_and_exported(ledger, tmp_path / "out")
    tools = {ln.charge for ln in want.lines if ln.charge.startswith("tool")}
    assert tools  # the sample month has tool charges for the marks to matter
    with duckdb_connection(parquet=tmp_path / "out") as duck:
        assert [str(c).split(" :")[0] for c in _tool_scope(duck)] == ["usage_events.tool_rows >"]
        assert _lines(rate_scope(duck, scope)) == _lines(want)
    _rewrite_events(tmp_path / "out", lambda t: t.drop_columns([TOOL_ROWS]))
    with duckdb_connection(parquet=tmp_path / "out") as duck:
        assert _tool_scope(duck) == []
        assert _lines(rate_scope(duck, scope)) == _lines(want)
    with ledger.connect() as conn:
        export_events(conn, scope, tmp_path / "out")
    zeroed = _marks_as(lambda t: pa.array([0] * t.num_rows, pa.int64()))
    _rewrite_events(tmp_path / "out", zeroed)
    with duckdb_connection(parquet=tmp_path / "out") as duck:
        assert _tool_scope(duck) == []
        assert _lines(rate_scope(duck, scope)) == _lines(want)


def test_duckdb_over_the_ledger_loads_no_marks(ledger: Engine, dialect: str) -> None:
    """``--engine duckdb`` without ``--events`` loads the events without ``tool_rows`` (the
    ledger's lookups would cost more than they save) and rates them as the ledger does."""
    from billing.sqlrate.duck import duckdb_connection

    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        want = rate_scope(conn, scope)
        with duckdb_connection(ledger=conn, scope=scope) as duck:
            assert _tool_scope(duck) == []
            assert _lines(rate_scope(duck, scope)) == _lines(want)


def test_spark_rates_an_export_with_and_without_tool_rows(
    ledger: Engine, dialect: str, tmp_path: Path, spark: Any
) -> None:
    from billing.sqlrate.spark import SparkConnection, register_events

    if dialect != "sqlite":
        pytest.skip("one ledger is enough for Spark (the export is the same)")
    scope = period_scope("2026-11")
    want = _rated_and_exported(ledger, tmp_path / "out")
    register_events(spark, str(tmp_path / "out"))
    marked = SparkConnection(spark)
    assert _tool_scope(marked) != []
    assert _lines(rate_scope(marked, scope)) == _lines(want)
    _rewrite_events(tmp_path / "out", lambda t: t.drop_columns([TOOL_ROWS]))
    register_events(spark, str(tmp_path / "out"))
    unmarked = SparkConnection(spark)
    assert _tool_scope(unmarked) == []
    assert _lines(rate_scope(unmarked, scope)) == _lines(want)


def test_show_sql_prints_the_tool_statement_that_runs(
    ledger: Engine, dialect: str, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rate --show-sql`` over an export with tool_rows prints the tool statement with the
    ``tool_rows > 0`` the rating adds (what DuckDB receives), and without it over the ledger."""
    if dialect != "sqlite":
        pytest.skip("the export is the same from either ledger")
    out = str(tmp_path / "out")
    assert main(["export-events", "--db", db_url, "--period", "2026-11", "--out", out]) == 0
    capsys.readouterr()
    args = ["rate", "--db", db_url, "--period", "2026-11", "--show-sql", "--engine", "duckdb"]
    assert main([*args, "--events", out]) == 0
    assert "usage_events.tool_rows > 0" in capsys.readouterr().out
    assert main(args) == 0  # loaded from the ledger: no tool_rows
    assert "tool_rows" not in capsys.readouterr().out


def test_duckdb_takes_a_text_tool_rows_as_absent(
    ledger: Engine, dialect: str, tmp_path: Path
) -> None:
    """A ``tool_rows`` column that is not an integer (an export written by another pipeline)
    is rated by a scan of every event, as one without the column, not refused by DuckDB's
    ``sum(VARCHAR)``."""
    from billing.sqlrate.duck import duckdb_connection

    if dialect != "sqlite":
        pytest.skip("the export is the same from either ledger")
    scope = period_scope("2026-11")
    want = _rated_and_exported(ledger, tmp_path / "out")
    _rewrite_events(tmp_path / "out", _marks_as(lambda t: t[TOOL_ROWS].cast(pa.string())))
    with duckdb_connection(parquet=tmp_path / "out") as duck:
        assert _tool_scope(duck) == []
        assert _lines(rate_scope(duck, scope)) == _lines(want)


def test_an_export_holds_an_ingest_whole_or_not_at_all(
    ledger: Engine, dialect: str, db_url: str, tmp_path: Path
) -> None:
    """Two records ingested in one transaction while the export reads (one with tool calls,
    one without) are both in the export or both out of it, as when the events were one
    statement: never the one with tools alone."""
    import json

    from billing.sqlrate.events import ledger_batches

    if dialect != "sqlite":
        pytest.skip("one ledger shows it")
    late = tmp_path / "late.jsonl"
    usage = {"prompt_tokens": 1000, "completion_tokens": 10}
    records = [
        {"id": "late-plain", "usage": usage},
        {"id": "late-tools", "usage": {**usage, "tool_usage": {"web_search": 1}}},
    ]
    late.write_text(
        "".join(
            json.dumps(
                {
                    **rec,
                    "customer": "acme",
                    "timestamp": "2026-11-20T10:00:00Z",
                    "model": "qwen3-5-flash",
                    "endpoint": "chat.completions",
                }
            )
            + "\n"
            for rec in records
        )
    )
    with ledger.connect() as conn:
        batches = ledger_batches(conn, period_scope("2026-11"))["usage_events"]
        ids = next(batches).column("id").to_pylist()  # the first run starts
        assert main(["ingest", "--db", db_url, str(late)]) == 0  # committed meanwhile
        ids += [pk for batch in batches for pk in batch.column("id").to_pylist()]
    with ledger.connect() as conn:
        (new,) = conn.execute(select(func.max(UsageToolCall.event_pk))).one()
        plain = new - 1  # the two records were stored in one transaction, in file order
    assert (plain in ids) == (new in ids)
