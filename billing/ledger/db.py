"""Engines and sessions: ``--db URL``, else ``$RATECARD_DB``, else the SQLite file ./ratecard.db.

SQLite is set up for several processes at once: WAL, a busy timeout, foreign keys on, and
write transactions that take the write lock when they begin (``BEGIN IMMEDIATE``) so two
writers queue instead of failing when one upgrades a read lock. PostgreSQL URLs use psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB = "sqlite:///ratecard.db"
BUSY_TIMEOUT_MS = 60_000


def database_url(explicit: str | None = None) -> str:
    """The URL to use, normalised: a bare path is an SQLite file, postgresql:// uses psycopg."""
    url = explicit or os.environ.get("RATECARD_DB") or DEFAULT_DB
    if "://" not in url:
        # percent-encoded, as a URL's path is decoded: a '?', '#' or '%' in a file or folder
        # name stays part of the path (here for start-up time: only a bare path needs it)
        from urllib.parse import quote

        return f"sqlite:///{quote(str(Path(url)), safe='/')}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`). An existing SQLite file this process
    cannot write (the file, or its directory, which WAL needs for its ``-wal`` and ``-shm``
    files) is opened read-only (:func:`sqlite_read_only`): reading works, and any write fails
    with SQLite's "attempt to write a readonly database"."""
    full: str | URL = database_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        # a ``file:`` URI (SQLite's URI filenames, as :func:`_read_only_url` writes them) is
        # opened as it is, read-only when it says ``mode=ro``: it is not a path to create
        # directories for
        read_only = _is_uri(parsed.database or "") and parsed.query.get("mode") == "ro"
        if parsed.database and parsed.database != ":memory:" and not _is_uri(parsed.database):
            path = Path(parsed.database)
            read_only = sqlite_read_only(path)
            if read_only:
                full = _read_only_url(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(full, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _sqlite_setup(engine, read_only=read_only)
        return engine
    return create_engine(full, **kwargs)


def _is_uri(database: str) -> bool:
    return database.startswith("file:")


def sqlite_read_only(path: Path) -> bool:
    """True when ``path`` is an existing SQLite file that this process may not write, or
    whose directory it may not write (permissions, a read-only mount)."""
    if not path.is_file():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_url(path: Path) -> URL:
    """``mode=ro``; also ``immutable=1`` when the directory cannot hold the ``-shm`` file a
    WAL reader needs and there is no ``-wal`` file (no one can be writing it from here).
    A URL object, not its text: SQLAlchemy decodes a URL's path, and the SQLite URI must
    keep its own percent-encoding (a ``#`` in a folder name would end the path)."""
    from urllib.parse import quote  # only for a read-only file (start-up time)

    query = {"mode": "ro"}
    shm, wal = Path(f"{path}-shm"), Path(f"{path}-wal")
    if not os.access(path.parent, os.W_OK) and not shm.exists() and not wal.exists():
        query["immutable"] = "1"
    query["uri"] = "true"
    return URL.create("sqlite", database=f"file:{quote(str(path.absolute()))}", query=query)


#: ``Connection.info`` key: SQLite's ``total_changes`` when the transaction began
CHANGES_AT_BEGIN = "ratecard_changes_at_begin"


def _sqlite_setup(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:  # each of these writes to the file
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # a read-only file takes no write lock; a write then fails as read-only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
        if not read_only:
            # BEGIN IMMEDIATE holds the write lock, so no other connection commits while the
            # transaction is open: a new connection (billing.sqlrate.events' ADBC reader)
            # sees what this one sees as long as it has written nothing itself, that is
            # while total_changes is still this. A plain BEGIN records nothing: others may
            # commit after its snapshot, which a new connection would then see
            raw: Any = conn.connection.driver_connection
            conn.info[CHANGES_AT_BEGIN] = raw.total_changes


def is_postgres(engine_or_conn: Engine | Connection | Session) -> bool:
    bind = engine_or_conn.get_bind() if isinstance(engine_or_conn, Session) else engine_or_conn
    return bind.dialect.name == "postgresql"


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together at the end of the block, or not at all."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
