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

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.sql.compiler import IdentifierPreparer, SQLCompiler

from ..errors import first_line
from .duck import DATASETS, EngineUnavailableError
from .events import MARKS_TOOLS, TOOL_ROWS, schemas

#: the settings every session gets (tests and the command line alike)
SESSION_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    # no progress bar on the terminal: the command prints its own result
    "spark.ui.showConsoleProgress": "false",
}

#: log4j2's configuration for the JVM of a local session (given to it as
#: ``LOG4J_CONFIGURATION_FILE`` unless that or ``SPARK_CONF_DIR`` is set): ERROR and above,
#: one line each, no Java stack traces; Spark's WARN/INFO lines stay off stderr.
LOG4J2_CONFIG = Path(__file__).with_name("log4j2-spark.properties")

#: The master URLs Spark accepts, as Spark parses them (``SparkMasterRegex`` in
#: SparkContext.scala, ``SparkSubmit``: local, local[N], local[*], local[N,F] with F task
#: failures allowed, local-cluster[N,C,M], spark://, yarn, k8s://), and ``sc://`` for Spark
#: Connect (``SparkSession.builder.remote``).
_MASTER = re.compile(
    r"local(\[([1-9][0-9]*|\*)(\s*,\s*[0-9]+)?\])?"
    r"|local-cluster\[\s*[0-9]+\s*,\s*[0-9]+\s*,\s*[0-9]+\s*\]"
    r"|yarn|(spark|k8s|sc)://\S+"
)

#: The accepted forms, as the error message names them.
MASTER_FORMS = (
    "local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://HOST:PORT, yarn, "
    "k8s://HOST:PORT, or sc://HOST:PORT for Spark Connect"
)

#: Where to get the Java that Spark runs on.
JAVA_HINT = "Spark needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"


class SparkUsageError(ValueError):
    """The Spark engine was given something it cannot use (a master URL Spark does not
    accept, events that cannot be read); the message is one sentence for the user."""


def check_master(master: str) -> None:
    """Raise :class:`SparkUsageError` unless Spark accepts ``master`` (:data:`MASTER_FORMS`);
    checked before the JVM starts, which would otherwise print a Java stack trace."""
    if not _MASTER.fullmatch(master):
        raise SparkUsageError(
            f"--spark-master {master!r} is not a Spark master URL; use one of {MASTER_FORMS}"
        )


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
        self._info: dict[str, Any] | None = None

    @property
    def info(self) -> dict[str, Any]:
        """As ``Connection.info``: :data:`billing.sqlrate.events.MARKS_TOOLS`, whether the
        ``usage_events`` view has the export's ``tool_rows`` column (read once, when asked)."""
        if self._info is None:
            columns = self.spark.table("usage_events").columns
            self._info = {MARKS_TOOLS: TOOL_ROWS in columns}
        return self._info

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


def _condition(exc: BaseException) -> str | None:
    """The error class of a PySpark error (``JAVA_GATEWAY_EXITED``), else None."""
    get = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    value = get() if callable(get) else None
    return value if isinstance(value, str) else None


@contextlib.contextmanager
def _quiet_jvm() -> Iterator[None]:
    """:data:`LOG4J2_CONFIG` in the environment the JVM is started with (PySpark starts it
    with this process's environment), unless the user configures logging themselves."""
    if "LOG4J_CONFIGURATION_FILE" in os.environ or "SPARK_CONF_DIR" in os.environ:
        yield
        return
    os.environ["LOG4J_CONFIGURATION_FILE"] = str(LOG4J2_CONFIG)
    try:
        yield
    finally:
        os.environ.pop("LOG4J_CONFIGURATION_FILE", None)


def _start_error(exc: BaseException, master: str, *, remote: bool) -> Exception | None:
    """The sentence for a session that did not start (``exc``, from ``getOrCreate``), as
    :class:`EngineUnavailableError` (something is not installed) or
    :class:`SparkUsageError` (Spark refused or could not reach ``master``); None: a bug."""
    condition = _condition(exc)
    if condition == "PACKAGE_NOT_INSTALLED":
        text = str(exc).split("] ", 1)[-1].strip().splitlines()[0].rstrip(".")
        return EngineUnavailableError(
            f"{'Spark Connect (sc://)' if remote else 'PySpark'} needs a package that is "
            f"not installed ({text}): pip install 'pyspark[connect]'"
        )
    if condition == "JAVA_GATEWAY_EXITED":
        home = os.environ.get("JAVA_HOME")
        found = (
            f" (JAVA_HOME is {home})"
            if home
            else ""
            if shutil.which("java")
            else " (no java command was found)"
        )
        return EngineUnavailableError(
            f"Spark's Java process exited before it started{found}; {JAVA_HINT}"
        )
    java = getattr(exc, "java_exception", None)  # py4j's Py4JJavaError: the JVM refused
    if java is None or remote:
        return None
    try:
        text = str(java.getMessage() or java.toString())
    except Exception:  # the JVM went away meanwhile
        text = str(exc)
    first = first_line(text) or type(exc).__name__
    return SparkUsageError(
        f"Spark could not start a session on {master} (its log above says why): {first}"
    )


def spark_session(master: str | None = None, app: str = "ratecard", quiet: bool = True) -> Any:
    """A SparkSession with :data:`SESSION_CONF` (``local[2]`` unless ``master`` says which
    cluster: ``spark://host:7077``, ``yarn``, ``k8s://...``; ``sc://host:15002`` connects
    with Spark Connect). Raises :class:`SparkUsageError` for a master Spark does not accept
    (:func:`check_master`), :class:`EngineUnavailableError` without PySpark, without Spark
    Connect's packages (``sc://``) or when the JVM does not start (no Java). ``quiet``: the
    JVM logs errors only, without stack traces (:data:`LOG4J2_CONFIG`), and PySpark does not
    log a failed statement's error before raising it; else Spark's own logging (WARN on the
    terminal)."""
    if master is not None:
        check_master(master)
    try:
        # here, not at the top: an optional dependency (the duckdb or spark extra)
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailableError(
            "the spark engine needs the spark extra (and Java 17): pip install 'ratecard[spark]'"
        ) from None
    builder = SparkSession.builder.appName(app)
    remote = master is not None and master.startswith("sc://")
    try:
        if master is not None and remote:
            builder = builder.remote(master)
        else:
            builder = builder.master(master or "local[2]")
            for key, value in SESSION_CONF.items():
                builder = builder.config(key, value)
        with _quiet_jvm() if quiet else contextlib.nullcontext():
            spark = builder.getOrCreate()
    except Exception as exc:
        error = _start_error(exc, master or "local[2]", remote=remote)
        if error is None:
            raise
        raise error from None
    for key in ("spark.sql.ansi.enabled", "spark.sql.session.timeZone"):
        spark.conf.set(key, SESSION_CONF[key])
    if quiet:
        _quiet_query_loggers()
    return spark


def _quiet_query_loggers() -> None:
    """PySpark 4 logs a failed statement's error as a JSON line on stderr before raising
    it (``pyspark.errors.exceptions.base``'s query-context loggers): the raised error says
    the same, so those loggers are set to CRITICAL."""
    try:
        # here, not at the top: an optional dependency (the spark extra), PySpark 4 only
        from pyspark.logger import PySparkLogger
    except ImportError:  # pragma: no cover - PySpark 3 has no such loggers
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def register_events(spark: Any, source: str, fmt: str = "parquet") -> None:
    """Temporary views ``usage_events``, ``usage_tool_calls`` and ``customers`` over the
    datasets of an export directory or URI (``fmt``: parquet or delta), or, with
    ``fmt="table"``, over the catalog tables whose names start with ``source``
    (``db.usage_events`` for ``source="db."``).

    Raises :class:`SparkUsageError` when Spark cannot read them: a table or path that does
    not exist, or any other ``AnalysisException`` (the first line of Spark's message), Delta
    tables without Delta Lake on Spark's classpath, or a dataset without a column of the
    export's (:func:`billing.sqlrate.events.schemas`)."""
    # here, not at the top: an optional dependency (the spark extra)
    from pyspark.errors import AnalysisException

    columns = {name: schema.names for name, schema in schemas().items()}
    for name in DATASETS:
        where = f"{source}{name}" if fmt == "table" else f"{source.rstrip('/')}/{name}"
        try:
            frame = spark.table(where) if fmt == "table" else spark.read.format(fmt).load(where)
        except AnalysisException as exc:
            raise SparkUsageError(_analysis_sentence(exc, fmt, where)) from None
        except Exception as exc:
            if "DATA_SOURCE_NOT_FOUND" not in str(exc):
                raise
            raise SparkUsageError(
                f"--events-format {fmt}: this Spark has no {fmt!r} data source"
                + (DELTA_HINT if fmt == "delta" else "")
            ) from None
        # ``tool_rows`` is optional (an export from before it was written rates too)
        missing = [c for c in columns[name] if c not in frame.columns and c != TOOL_ROWS]
        if missing:
            raise SparkUsageError(
                f"--events: {where} lacks the column(s) {', '.join(missing)} that "
                "ratecard export-events writes"
            )
        frame.createOrReplaceTempView(name)


#: How to give Spark Delta Lake (https://docs.delta.io/latest/quick-start.html).
DELTA_HINT = (
    "; Delta tables need the delta-spark package on Spark's classpath: set "
    "spark.jars.packages to io.delta:delta-spark_2.13:VERSION (the release for your Spark) "
    "in $SPARK_CONF_DIR/spark-defaults.conf, or export the events as Parquet "
    "(ratecard export-events)"
)


def _analysis_sentence(exc: BaseException, fmt: str, where: str) -> str:
    condition = _condition(exc)
    first = first_line(exc) or type(exc).__name__
    if condition == "TABLE_OR_VIEW_NOT_FOUND":
        return f"--events-format table: the Spark catalog has no table {where} ({first})"
    if condition == "PATH_NOT_FOUND":
        return f"--events: {where} does not exist ({first})"
    return f"--events: Spark cannot read {where} as {fmt}: {first}"


@contextlib.contextmanager
def spark_connection(spark: Any) -> Iterator[SparkConnection]:
    yield SparkConnection(spark)


__all__ = [
    "DELTA_HINT",
    "JAVA_HINT",
    "LOG4J2_CONFIG",
    "MASTER_FORMS",
    "SESSION_CONF",
    "SparkConnection",
    "SparkDialect",
    "SparkUsageError",
    "check_master",
    "register_events",
    "spark_connection",
    "spark_session",
]
