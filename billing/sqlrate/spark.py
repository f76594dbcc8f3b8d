"""Spark SQL as the rating engine: the same statements (billing.sqlrate.queries), rendered as
Spark SQL text and run by ``SparkSession.sql``, over a Parquet export
(``ratecard export-events``), a Delta table, or tables already in the Spark catalog.

SQLAlchemy has no maintained Spark dialect, so :class:`SparkDialect` is the default SQL
compiler with Spark's quoting: back-quoted identifiers, string literals with backslash
escapes (Spark joins adjacent literals, so ``'it''s'`` would read as ``its``), booleans as
``true``/``false`` and UTC timestamps as ``TIMESTAMP '...'`` (the session's time zone is
set to UTC). Values are always written into the text: the statements run as they are shown.

Exactness: the session runs with ANSI mode on, so ``SUM`` of BIGINT raises on overflow
instead of wrapping; Spark never multiplies money here (it rounds decimal products silently
under ``allowPrecisionLoss``): only integer counts and sums come back, and Python multiplies
them by the Decimal prices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import IdentifierPreparer, SQLCompiler

from .duck import DATASETS, EngineUnavailableError

#: the settings every session gets (tests and the command line alike)
SESSION_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    # the rating statements carry one CASE per tier, kind and fee: whole-stage code generation
    # makes one Java method of all of them, which Janino fails to compile (and the retries ran a
    # 1 GB driver out of heap); expression-level code generation still compiles each one
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.memory": "2g",
}


class _Preparer(IdentifierPreparer):
    def __init__(self, dialect: Any) -> None:
        super().__init__(dialect, initial_quote="`", escape_quote="`")


class _Compiler(SQLCompiler):
    def render_literal_value(self, value: Any, type_: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise ValueError("timestamps must be timezone-aware")
            utc = value.astimezone(dt.UTC).replace(tzinfo=None)
            return f"TIMESTAMP '{utc.isoformat(sep=' ')}'"
        if isinstance(value, Decimal):  # never money: the statements carry integers only
            raise TypeError("a Decimal reached the Spark SQL text")
        return str(super().render_literal_value(value, type_))


class SparkDialect(DefaultDialect):
    """Enough of a dialect to compile Core statements to Spark SQL text (never connects)."""

    name = "spark"
    statement_compiler = _Compiler
    preparer = _Preparer  # type: ignore[assignment]  # (a subclass; mypy compares __init__)
    supports_native_boolean = True
    supports_simple_order_by_label = True


class _Result:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def all(self) -> list[Any]:
        return self.rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        if len(self.rows) != 1:
            raise LookupError(f"expected one row, got {len(self.rows)}")
        return self.rows[0][0]


class SparkConnection:
    """What billing.sqlrate.rate needs of a SQLAlchemy connection, over a SparkSession:
    ``dialect`` and ``execute`` (the statement compiled to Spark SQL, its rows collected)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.dialect = SparkDialect()
        self.statements: list[str] = []  #: every statement run, for --show-sql and tests

    def sql(self, stmt: Any) -> str:
        compiled = stmt.compile(
            dialect=self.dialect,
            compile_kwargs={"literal_binds": True, "render_postcompile": True},
        )
        return str(compiled)

    def execute(self, stmt: Any) -> _Result:
        text = self.sql(stmt)
        self.statements.append(text)
        return _Result(self.spark.sql(text).collect())

    def exec_driver_sql(self, text: str) -> _Result:
        self.statements.append(text)
        return _Result(self.spark.sql(text).collect())


def spark_session(master: str | None = None, app: str = "ratecard") -> Any:
    """A SparkSession with :data:`SESSION_CONF` (``local[2]`` unless ``master`` says which
    cluster: ``spark://host:7077``, ``yarn``, ``k8s://...``; ``sc://host:15002`` connects
    with Spark Connect). Raises :class:`EngineUnavailableError` without PySpark."""
    try:
        # here, not at the top: an optional dependency (the duckdb or spark extra)
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailableError(
            "the spark engine needs the spark extra (and Java 17): pip install 'ratecard[spark]'"
        ) from None
    builder = SparkSession.builder.appName(app)
    if master and master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = builder.master(master or "local[2]")
        for key, value in SESSION_CONF.items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key in ("spark.sql.ansi.enabled", "spark.sql.session.timeZone"):
        spark.conf.set(key, SESSION_CONF[key])
    return spark


def register_events(spark: Any, source: str, fmt: str = "parquet") -> None:
    """Temporary views ``usage_events``, ``usage_tool_calls`` and ``customers`` over the
    datasets of an export directory or URI (``fmt``: parquet or delta), or, with
    ``fmt="table"``, over the catalog tables whose names start with ``source``
    (``db.usage_events`` for ``source="db."``)."""
    for name in DATASETS:
        if fmt == "table":
            frame = spark.table(f"{source}{name}")
        else:
            frame = spark.read.format(fmt).load(f"{source.rstrip('/')}/{name}")
        frame.createOrReplaceTempView(name)


@contextmanager
def spark_connection(spark: Any) -> Iterator[SparkConnection]:
    yield SparkConnection(spark)


__all__ = [
    "SESSION_CONF",
    "SparkConnection",
    "SparkDialect",
    "register_events",
    "spark_connection",
    "spark_session",
]
