"""Every ledger test runs on SQLite and on a real PostgreSQL server this session starts.

The server (initdb + pg_ctl in a temporary directory, as the ``postgres`` user when we are
root) starts on first use and stops when the session ends. Each test gets a fresh database
copied from a migrated template: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from billing.ledger.db import make_engine
from billing.ledger.migrate import upgrade
from tests.pg_server import PostgresServer

DIALECTS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def _admin(server: PostgresServer) -> Engine:
    return make_engine(server.url(), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    admin = _admin(pg_server)
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE ratecard_template"))
    admin.dispose()
    engine = make_engine(pg_server.url("ratecard_template"))
    upgrade(engine)
    engine.dispose()
    return "ratecard_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def new_database(request: pytest.FixtureRequest, dialect: str, tmp_dir: Path) -> str:
    """A fresh migrated database of ``dialect``: its URL."""
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_dir / f"ledger-{next(_counter)}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    template_name: str = request.getfixturevalue("pg_template")
    name = f"t{next(_counter)}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template_name}"))
    admin.dispose()
    return server.url(name)


def blank_database(request: pytest.FixtureRequest, dialect: str, tmp_dir: Path) -> str:
    """An empty database of ``dialect`` with no schema at all."""
    if dialect == "sqlite":
        return f"sqlite:///{tmp_dir / f'blank-{next(_counter)}.db'}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"b{next(_counter)}"
    admin = _admin(server)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, dialect: str, tmp_path: Path) -> str:
    return new_database(request, dialect, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=DIALECTS)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One database per module and dialect, for hypothesis tests (isolate by customer)."""
    url = new_database(request, str(request.param), tmp_path_factory.mktemp("shared"))
    eng = make_engine(url)
    yield eng
    eng.dispose()
