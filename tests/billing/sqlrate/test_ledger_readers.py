"""The two ways the ledger's rows reach DuckDB, Spark and ``export-events``
(billing.sqlrate.events): Apache Arrow's ADBC drivers and SQLAlchemy give the same rows, on
SQLite and PostgreSQL; ADBC is not used when the caller's connection holds a write that
another connection would not see; and a read that fails part way is started over without
ADBC, on both consumers (the DuckDB tables and the Parquet export)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from billing.ledger.tables import Customer
from billing.sqlrate import events as events_mod
from billing.sqlrate import period_scope
from billing.sqlrate.events import AdbcReadError, export_events, ledger_batches
from ratecard.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("adbc_driver_sqlite")
pytest.importorskip("adbc_driver_postgresql")

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "samples" / "usage-2026-11.jsonl"
#: the sample month as the CLI ingests it (make run): events, tool calls, request
#: parameters, unpriceable events (their token columns NULL)
SORT = {
    "usage_events": [("id", "ascending")],
    "usage_tool_calls": [("event_pk", "ascending"), ("tool", "ascending")],
    "customers": [("id", "ascending")],
}


@pytest.fixture
def ledger(db_url: str, engine: Engine) -> Engine:
    code = main(["ingest", "--db", db_url, str(SAMPLE)])
    assert code in (0, 1)  # 1: the sample holds lines that are refused on purpose
    return engine


def _tables(batches: dict[str, Iterator[Any]], *, marks: bool = True) -> dict[str, Any]:
    sch = events_mod.schemas(marks=marks)
    return {
        name: pa.Table.from_batches(list(parts), schema=sch[name]).sort_by(SORT[name])
        for name, parts in batches.items()
    }


def test_adbc_reads_the_rows_sqlalchemy_reads(ledger: Engine, dialect: str) -> None:
    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        assert events_mod._adbc_uri(conn) is not None  # ADBC is what reads below
        by_adbc = _tables(ledger_batches(conn, scope))
        by_sqlalchemy = _tables(ledger_batches(conn, scope, adbc=False))
    events = by_adbc["usage_events"]
    assert events.num_rows > 600
    assert events.column("request_params").null_count < events.num_rows  # some parameters
    assert by_adbc["usage_tool_calls"].num_rows > 0
    for name, table in by_adbc.items():
        assert table.schema == by_sqlalchemy[name].schema, name
        assert table.equals(by_sqlalchemy[name]), name


def test_an_uncommitted_write_is_read_by_the_callers_connection(
    ledger: Engine, dialect: str
) -> None:
    """ADBC's own connection would not see the new customer: the caller's does."""
    with ledger.connect() as conn:
        conn.execute(Customer.__table__.insert().values(code="new-customer"))
        assert events_mod._adbc_uri(conn) is None
        customers = _tables(ledger_batches(conn, period_scope("2026-11")))["customers"]
        assert "new-customer" in customers.column("code").to_pylist()
        conn.rollback()


def test_a_memory_database_is_not_read_by_adbc(tmp_path: Path) -> None:
    from billing.ledger.db import make_engine
    from billing.ledger.migrate import upgrade

    engine = make_engine("sqlite://")
    upgrade(engine)
    with engine.connect() as conn:
        assert events_mod._adbc_uri(conn) is None
    engine.dispose()


@pytest.fixture
def failing_adbc(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """ADBC reads that fail after their first batch (what a value of another type than the
    first rows of its column does on SQLite): the datasets that failed, in order."""
    real = events_mod._adbc_batches
    failed: list[str] = []

    def fail_part_way(where: Any, conn: Any, stmt: Any, schema: Any) -> Iterator[Any]:
        for batch in real(where, conn, stmt, schema):
            yield batch
            failed.append(schema.names[0])
            raise AdbcReadError("Type mismatch in column 3: expected INT64 but got STRING")
        failed.append(schema.names[0])
        raise AdbcReadError("no rows")

    monkeypatch.setattr(events_mod, "_adbc_batches", fail_part_way)
    return failed


def test_a_failed_adbc_read_is_exported_again_without_it(
    ledger: Engine, dialect: str, tmp_path: Path, failing_adbc: list[str]
) -> None:
    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        want = _tables(ledger_batches(conn, scope, adbc=False))
        written = export_events(conn, scope, tmp_path / "out")
    assert failing_adbc == ["id", "event_pk", "id"]  # each dataset failed once, then redone
    for name, table in want.items():
        got = pq.read_table(tmp_path / "out" / name).sort_by(SORT[name])
        assert written[name] == table.num_rows
        assert got.equals(table), name


def test_a_failed_adbc_read_is_loaded_into_duckdb_again_without_it(
    ledger: Engine, dialect: str, failing_adbc: list[str]
) -> None:
    pytest.importorskip("duckdb")
    from billing.sqlrate.duck import duckdb_connection

    scope = period_scope("2026-11")
    with ledger.connect() as conn:
        # DuckDB loads the events without tool_rows (billing.sqlrate.duck)
        want = _tables(ledger_batches(conn, scope, adbc=False, marks=False), marks=False)
        with duckdb_connection(ledger=conn, scope=scope) as duck:
            raw: Any = duck.connection.driver_connection
            got = {name: raw.sql(f"SELECT * FROM {name}").to_arrow_table() for name in want}
    assert failing_adbc == ["id", "event_pk", "id"]
    for name, table in want.items():
        assert got[name].sort_by(SORT[name]).cast(table.schema).equals(table), name


def test_export_events_reads_by_adbc(ledger: Engine, dialect: str, tmp_path: Path) -> None:
    """The command's own path: rows equal to SQLAlchemy's, and read by ADBC (the customer
    code's id found first, as ``ratecard export-events --customer`` does)."""
    with ledger.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.code == "acme")).scalar_one()
        scope = period_scope("2026-11", cid)
        assert events_mod._adbc_uri(conn) is not None
        export_events(conn, scope, tmp_path / "out")
        want = _tables(ledger_batches(conn, scope, adbc=False))
    for name, table in want.items():
        assert pq.read_table(tmp_path / "out" / name).sort_by(SORT[name]).equals(table), name


# --- found by a review that tried to break the reader (each failed before its fix) ---


def test_a_read_only_transaction_is_not_read_by_adbc(tmp_path: Path) -> None:
    """A read-only ledger begins with a plain BEGIN: another process may commit after the
    caller's snapshot, and ADBC's new connection would see that commit."""
    from sqlalchemy import text as sql

    from billing.ledger.db import make_engine

    path = tmp_path / "ledger.db"
    assert main(["ingest", "--create", "--db", str(path), str(SAMPLE)]) in (0, 1)
    reader = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    writer = make_engine(f"sqlite:///{path}")
    scope = period_scope("2026-11")
    with reader.connect() as conn:
        before = conn.execute(sql("SELECT sum(input_tokens) FROM usage_events")).scalar()
        with writer.begin() as other:
            other.execute(sql("UPDATE usage_events SET input_tokens = input_tokens + 1"))
        assert events_mod._adbc_uri(conn) is None
        events = _tables(ledger_batches(conn, scope))["usage_events"]
        assert pa.compute.sum(events.column("input_tokens")).as_py() == before
    reader.dispose()
    writer.dispose()


def test_a_file_named_file_colon_is_not_read_as_a_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--db file:rel.db`` is a file of that name (no ``uri=true``); ADBC's driver would
    read it as a URI naming ``rel.db``."""
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", "--create", "--db", "file:rel.db", str(SAMPLE)]) in (0, 1)
    assert (tmp_path / "file:rel.db").is_file()
    from billing.ledger.db import make_engine

    engine = make_engine("file:rel.db")
    with engine.connect() as conn:
        assert events_mod._adbc_uri(conn) is None
        written = export_events(conn, period_scope("2026-11"), tmp_path / "out")
    engine.dispose()
    assert written["usage_events"] == 631
    assert not (tmp_path / "rel.db").exists()


@pytest.mark.parametrize("folder", ["a #1", "q?x", "pct%41", "sp é"])
def test_a_path_with_url_characters_is_that_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """A '#', '?', '%' or space in a folder name stays part of the path, writable or
    read-only (the read-only URL keeps SQLite's own percent-encoding)."""
    from billing.ledger import db as db_mod

    path = tmp_path / folder / "x.db"
    path.parent.mkdir()
    assert main(["ingest", "--create", "--db", str(path), str(SAMPLE)]) in (0, 1)
    assert path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]
    monkeypatch.setattr(db_mod, "sqlite_read_only", lambda _path: True)
    engine = db_mod.make_engine(str(path))
    with engine.connect() as conn:
        written = export_events(conn, period_scope("2026-11"), tmp_path / folder / "out")
    engine.dispose()
    assert written["usage_events"] == 631
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


def test_a_connection_adbc_cannot_open_is_read_through_sqlalchemy(
    ledger: Engine, dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = period_scope("2026-11")
    target = ("sqlite", f"file:{tmp_path}/absent.db?mode=ro")
    if dialect == "postgresql":
        target = ("postgresql", "postgresql://nobody@127.0.0.1:1/none")
    with ledger.connect() as conn:
        want = _tables(ledger_batches(conn, scope, adbc=False))
        monkeypatch.setattr(events_mod, "_adbc_uri", lambda _conn: target)
        written = export_events(conn, scope, tmp_path / "out")
    for name, table in want.items():
        assert written[name] == table.num_rows
        assert pq.read_table(tmp_path / "out" / name).sort_by(SORT[name]).equals(table), name
    assert not (tmp_path / "absent.db").exists()


def test_a_scope_adbc_cannot_write_as_sql_is_read_through_sqlalchemy(
    ledger: Engine, dialect: str, tmp_path: Path
) -> None:
    import datetime as dt

    from billing.ledger.tables import UsageEvent

    # SQLite stores UTC without a zone (a naive value, which SQLAlchemy cannot inline)
    since = dt.datetime(2026, 11, 15, tzinfo=dt.UTC if dialect == "postgresql" else None)
    scope = [*period_scope("2026-11"), UsageEvent.__table__.c.event_time >= since]
    with ledger.connect() as conn:
        want = _tables(ledger_batches(conn, scope, adbc=False))
        written = export_events(conn, scope, tmp_path / "out")
    assert 0 < written["usage_events"] < 631
    for name, table in want.items():
        assert pq.read_table(tmp_path / "out" / name).sort_by(SORT[name]).equals(table), name


def test_a_postgresql_password_of_any_characters_reaches_libpq(
    pg_server: Any, pg_template: str
) -> None:
    """libpq's URI needs every part percent-encoded (a space is an error there)."""
    from urllib.parse import unquote, urlsplit

    from sqlalchemy.engine import URL

    password = "p@ss:w/o%rd#? é+&="
    url = URL.create(
        "postgresql+psycopg", "ratecard", password, "127.0.0.1", 5432, "led ger", {"a": "b c"}
    )
    uri = events_mod._libpq_uri(url)
    parts = urlsplit(uri)
    assert " " not in uri
    assert unquote(parts.password or "") == password
    assert (parts.hostname, parts.port, unquote(parts.path)) == ("127.0.0.1", 5432, "/led ger")
    assert parts.query == "a=b+c"


def test_a_postgresql_connection_in_autocommit_is_read_both_ways(
    db_url: str, dialect: str, tmp_path: Path
) -> None:
    """Both readers in autocommit (SQLAlchemy's streams through a server-side cursor, which
    needs a transaction: in autocommit it reads the rows whole)."""
    if dialect != "postgresql":
        pytest.skip("autocommit as an isolation level is PostgreSQL's")
    from billing.ledger.db import make_engine

    assert main(["ingest", "--db", db_url, str(SAMPLE)]) in (0, 1)
    engine = make_engine(db_url, isolation_level="AUTOCOMMIT")
    scope = period_scope("2026-11")
    with engine.connect() as conn:
        assert events_mod._adbc_uri(conn) is not None
        by_adbc = _tables(ledger_batches(conn, scope))
        by_sqlalchemy = _tables(ledger_batches(conn, scope, adbc=False))
    engine.dispose()
    assert by_adbc["usage_events"].num_rows == 631
    for name, table in by_adbc.items():
        assert table.equals(by_sqlalchemy[name]), name
