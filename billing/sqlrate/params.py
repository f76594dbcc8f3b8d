"""Request parameters in SQL: is a parameter present in ``request_params``, and does it equal
a JSON value, with the same meaning as billing.rating (true is not 1).

One small class per dialect, because JSON extraction is the one place where SQL dialects
differ: SQLite's ``json_type``/``json_extract``, PostgreSQL's ``json_typeof`` and ``->``/``->>``,
DuckDB's ``json_type``/``json_extract_string`` (upper-case type names) and Spark's
``variant_get``/``schema_of_variant`` over ``parse_json`` (Spark 4; ``get_json_object`` cannot
tell ``true`` from ``"true"``).
The same classes read the extra token kinds' counts out of ``usage_events.token_kinds`` (a JSON
object of integers) as exact BIGINTs (:meth:`JsonParams.integer`).
Conditions compare booleans, strings and null only; a fee that compares a number is refused
(ingest stores decimal request values as text, so a numeric comparison could not be exact).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, cast, func, literal
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlalchemy.types import JSON

from ..errors import NotCompilableError


def _json_path(name: str) -> str:
    return '$."' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JsonParams:
    """SQLite (and the JSON1 functions): ``json_type`` says absent (NULL) or the JSON type."""

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column: ColumnElement[Any] = column

    def _type(self, name: str) -> ColumnElement[Any]:
        return func.json_type(self.column, literal(_json_path(name), String))

    def integer(self, name: str) -> ColumnElement[int]:
        """The member ``name`` of a JSON object of integers as a BIGINT (NULL when absent):
        ``json_extract`` gives SQLite's 64-bit integer, exactly."""
        return cast(func.json_extract(self.column, literal(_json_path(name), String)), BigInteger)

    def present(self, name: str) -> ColumnElement[bool]:
        return self._type(name).is_not(None)

    def equals(self, name: str, want: Any) -> ColumnElement[bool]:
        kind = self._type(name)
        if want is True:
            return kind == "true"
        if want is False:
            return kind == "false"
        if want is None:
            return kind == "null"
        if isinstance(want, str):
            value = func.json_extract(self.column, literal(_json_path(name), String))
            return and_(kind == "text", value == literal(want, String))
        raise NotCompilableError(f"a request fee compares {name} with {want!r}")


class PgJsonParams(JsonParams):
    """PostgreSQL: ``->`` keeps JSON (SQL NULL when absent), ``->>`` gives the text."""

    def _node(self, name: str) -> ColumnElement[Any]:
        return self.column.op("->")(literal(name, String))

    def _type(self, name: str) -> ColumnElement[Any]:
        return func.json_typeof(self._node(name))

    def integer(self, name: str) -> ColumnElement[int]:
        """The member's text (``->>`` over the column read as json) cast to BIGINT."""
        node = cast(self.column, JSON).op("->>")(literal(name, String))
        return cast(node, BigInteger)

    def equals(self, name: str, want: Any) -> ColumnElement[bool]:
        kind = self._type(name)
        text = self.column.op("->>")(literal(name, String))
        if want is True or want is False:
            return and_(kind == "boolean", text == ("true" if want else "false"))
        if want is None:
            return kind == "null"
        if isinstance(want, str):
            return and_(kind == "string", text == literal(want, String))
        raise NotCompilableError(f"a request fee compares {name} with {want!r}")


class DuckJsonParams(JsonParams):
    """DuckDB (the json extension, built in): ``json_type`` names the type in upper case
    (``BOOLEAN``, ``VARCHAR``, ``NULL``) and is NULL for an absent key."""

    def integer(self, name: str) -> ColumnElement[int]:
        text = func.json_extract_string(self.column, literal(_json_path(name), String))
        return cast(text, BigInteger)

    def equals(self, name: str, want: Any) -> ColumnElement[bool]:
        if want is True or want is False or want is None:
            # one parse: the value as DuckDB writes it back is exactly ``true``, ``false``
            # or ``null`` for those JSON values (a string is quoted, an absent key is NULL);
            # ``json_type`` and ``json_extract_string`` would parse the document twice
            path = literal(_json_path(name), String)
            written = cast(func.json_extract(self.column, path), String)
            return written == ("null" if want is None else "true" if want else "false")
        kind = self._type(name)
        text = func.json_extract_string(self.column, literal(_json_path(name), String))
        if isinstance(want, str):
            return and_(kind == "VARCHAR", text == literal(want, String))
        raise NotCompilableError(f"a request fee compares {name} with {want!r}")


def _spark_path(name: str) -> str:
    return "$['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


class SparkJsonParams(JsonParams):
    """Spark SQL 4: the JSON text parsed to a VARIANT; ``schema_of_variant`` of the member
    names its type (``BOOLEAN``, ``STRING``, ``VOID`` for a JSON null) and is NULL when the
    key is absent."""

    def _node(self, name: str) -> ColumnElement[Any]:
        return func.variant_get(func.parse_json(self.column), literal(_spark_path(name), String))

    def _type(self, name: str) -> ColumnElement[Any]:
        return func.schema_of_variant(self._node(name))

    def integer(self, name: str) -> ColumnElement[int]:
        """``variant_get`` as a bigint (ANSI mode: raises rather than wraps)."""
        return func.variant_get(
            func.parse_json(self.column), literal(_spark_path(name), String), "bigint"
        )

    def equals(self, name: str, want: Any) -> ColumnElement[bool]:
        kind = self._type(name)
        if want is True or want is False:
            value = func.variant_get(
                func.parse_json(self.column), literal(_spark_path(name), String), "string"
            )
            return and_(kind == "BOOLEAN", value == ("true" if want else "false"))
        if want is None:
            return kind == "VOID"
        if isinstance(want, str):
            value = func.variant_get(
                func.parse_json(self.column), literal(_spark_path(name), String), "string"
            )
            return and_(kind == "STRING", value == literal(want, String))
        raise NotCompilableError(f"a request fee compares {name} with {want!r}")


def json_params(dialect: str, column: KeyedColumnElement[Any]) -> JsonParams:
    """The class for ``dialect`` (SQLAlchemy's dialect name: sqlite, postgresql, duckdb,
    spark); other dialects get SQLite's JSON1 functions, which several engines share."""
    if dialect == "postgresql":
        return PgJsonParams(column)
    if dialect == "duckdb":
        return DuckJsonParams(column)
    if dialect == "spark":
        return SparkJsonParams(column)
    return JsonParams(column)
