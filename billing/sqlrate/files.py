"""Price usage exports in bulk with DuckDB, without a ledger (``ratecard price --engine
duckdb FILE...``): JSON Lines or Parquet files of usage records (DESIGN §6).

DuckDB reads every file with all cores. Records of the common shape take the **fast path**:
the OpenAI-style usage (``chat.completions``/``completions``) with whole, non-negative counts,
an ISO timestamp in UTC, a model the catalog resolves, an optional ``request`` object and
``usage.tool_usage`` map, and no other field that could change the price (no ``provider``,
``service_tier``, ``batch``, top-level ``tool_usage``, cache-write or unknown usage keys).
They become the columns of ``usage_events`` and ``usage_tool_calls`` inside DuckDB and are
rated by the same statements as the ledger (billing.sqlrate.queries): integer sums come back,
Python multiplies them by the Decimal prices.

Every other record, and every record that is not valid JSON, takes the **exact path**: the
Python calculator (billing.priced.price_one) reads and prices it, or says why it cannot.
So each record is priced exactly as ``ratecard price`` prices it, whichever path it takes;
records that cannot be priced are counted per reason, never priced 0.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog import Catalog

from ..errors import NotCompilableError
from ..rating import EXACT, bundled_catalog
from .plan import compile_offering
from .rate import rate_scope

_ZERO = Decimal(0)
MAX_COUNT = 10**15
#: (offering, price_version, tier, charge, unit, unit_price) → [quantity, events, amount]
LineKey = tuple[str, str, str | None, str, str, Decimal]


@dataclass
class BulkResult:
    records: int = 0
    priced: int = 0
    failed: dict[str, int] = field(default_factory=dict)  #: reason → records
    lines: dict[LineKey, list[Any]] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    fast: int = 0  #: records rated by DuckDB's statements
    exact: int = 0  #: records priced one by one by the Python calculator

    @property
    def total(self) -> Decimal:
        total = _ZERO
        for _q, _n, amount in self.lines.values():
            total = EXACT.add(total, amount)
        return total


def _add(result: BulkResult, key: LineKey, quantity: int, events: int, amount: Decimal) -> None:
    acc = result.lines.setdefault(key, [0, 0, _ZERO])
    acc[0] += quantity
    acc[1] += events
    acc[2] = EXACT.add(acc[2], amount)


def _reason(error: str) -> str:
    """A failure sentence without its line and record id, and with numbers as N, so that
    records failing the same way count under one reason."""
    text = re.sub(r"^line \d+(, record '(?:[^'\\]|\\.)*')?: ", "", error)
    return re.sub(r"(?<![A-Za-z0-9_.@:/-])-?\d[\d,]*(?:\.\d+)?(?![A-Za-z0-9_])", "N", text)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: a Parquet row as the JSON record it holds: null columns (fields a record did not have, in
#: a file whose schema is the union of every record's) left out, as they were
_ROW_JSON = "json_merge_patch('{}', to_json(t))::VARCHAR"


def _source_sql(files: Sequence[Path]) -> str:
    """One row per record: ``line`` (1-based per file for JSON Lines; the row for Parquet)
    and ``doc``, the record's JSON text."""
    parts = []
    for path in files:
        name = _quote(str(path))
        if path.suffix.lower() == ".parquet":
            parts.append(f"SELECT {_ROW_JSON} AS doc FROM read_parquet({name}) AS t")
        else:
            # one VARCHAR column per line: a control character that valid JSON never holds
            # unescaped as the delimiter, no quoting; blank lines are skipped, as in Python
            parts.append(
                f"SELECT doc FROM read_csv({name}, columns = {{'doc': 'VARCHAR'}}, "
                "header = false, delim = '\x01', quote = '', escape = '', "
                "auto_detect = false, strict_mode = false, max_line_size = 100000000)"
            )
    return " UNION ALL ".join(parts)


_TS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_TOP = ("id", "customer", "model", "timestamp", "endpoint", "usage", "request")
_USAGE = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_tokens_details",
    "completion_tokens_details",
    "tool_usage",
)


def _distinct(keys: str) -> str:
    """No key of the object repeated: the Python reader refuses a repeated key (records.loads),
    while DuckDB's path functions read the first; such a record takes the exact path."""
    return f"len(list_distinct({keys})) = len({keys})"


def _keys_within(keys: str, allowed: Sequence[str]) -> str:
    """Every key of the list ``keys`` is one of ``allowed``, and none is repeated."""
    listed = ", ".join(_quote(k) for k in allowed)
    return (
        f"(list_bool_and(list_transform({keys}, lambda k: k IN ({listed}))) AND {_distinct(keys)})"
    )


def _count(expr: str) -> str:
    """The JSON value is a whole number, 0 to 10¹⁵ (UBIGINT: json_type of a non-negative
    integer literal)."""
    return (
        f"(CASE WHEN json_type({expr}) = 'UBIGINT' THEN {expr}::UBIGINT <= {MAX_COUNT} "
        "ELSE false END)"
    )


def _optional_count(expr: str) -> str:
    return (
        f"(CASE WHEN json_type({expr}) = 'UBIGINT' THEN {expr}::UBIGINT <= {MAX_COUNT} "
        f"ELSE coalesce(json_type({expr}), 'NULL') = 'NULL' END)"
    )


def _n(expr: str) -> str:
    """A count checked by the fast path, as BIGINT (0 when absent or null)."""
    return f"coalesce(TRY_CAST({expr} ->> '$' AS BIGINT), 0)"


#: the pieces of a record the fast path reads, each found by one parse of the document
_PATHS = {
    "id": "$.id",
    "model": "$.model",
    "customer": "$.customer",
    "endpoint": "$.endpoint",
    "timestamp": "$.timestamp",
    "request": "$.request",
    "usage": "$.usage",
    "prompt": "$.usage.prompt_tokens",
    "completion": "$.usage.completion_tokens",
    "total": "$.usage.total_tokens",
    "pd": "$.usage.prompt_tokens_details",
    "cd": "$.usage.completion_tokens_details",
    "cached": "$.usage.prompt_tokens_details.cached_tokens",
    "reasoning": "$.usage.completion_tokens_details.reasoning_tokens",
    "tools": "$.usage.tool_usage",
}
#: the objects whose keys the fast path checks, each key list found by the same one parse
_OBJECTS = {
    "top": "$",
    "usage": "$.usage",
    "pd": "$.usage.prompt_tokens_details",
    "cd": "$.usage.completion_tokens_details",
    "tools": "$.usage.tool_usage",
    "request": "$.request",
}


def price_files(
    files: Sequence[Path], catalog: Catalog | None = None, *, threads: int | None = None
) -> BulkResult:
    """Price every record of ``files`` (``.parquet`` files as Parquet, any other as JSON
    Lines). Raises billing.sqlrate.duck.EngineUnavailableError without the duckdb extra."""
    # here for start-up time: only this engine path needs it
    from ..priced import price_one
    from .duck import duckdb_connection

    catalog = catalog if catalog is not None else bundled_catalog()
    result = BulkResult()
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
    with duckdb_connection(threads=threads) as conn:
        raw: Any = conn.connection.driver_connection
        # every document is parsed once: json_extract with a list of paths returns the
        # pieces (small JSON values) the checks below look at; the rest reads only those
        v = {name: f"v[{i + 1}]" for i, name in enumerate(_PATHS)}
        keys = {name: f"keys[{i + 1}]" for i, name in enumerate(_OBJECTS)}
        usage, pd, cd, tu = v["usage"], v["pd"], v["cd"], v["tools"]
        ts = f"({v['timestamp']} ->> '$')"

        def nested(expr: str, check: str) -> str:
            # absent or null, or an object that passes ``check`` (CASE: evaluated only for
            # objects; DuckDB's AND does not short-circuit)
            return (
                f"(CASE WHEN json_type({expr}) = 'OBJECT' THEN {check} "
                f"ELSE coalesce(json_type({expr}), 'NULL') = 'NULL' END)"
            )

        # each tool count a whole number; a name that would need escaping in a JSON path
        # goes to the exact path (CASE, so that nothing is cast before it is checked)
        member = "'$.\"' || k || '\"'"
        tool_counts = (
            f"{_distinct(keys['tools'])} AND "
            f"list_bool_and(list_transform({keys['tools']}, lambda k: CASE "
            "WHEN contains(k, '\"') OR contains(k, '\\') THEN false "
            f"WHEN json_type({tu}, {member}) = 'UBIGINT' "
            f"THEN json_extract_string({tu}, {member})::UBIGINT <= {MAX_COUNT} "
            "ELSE false END))"
        )
        # the request's parameters: words, numbers, booleans or null, no name repeated (a
        # nested object could hide a repeated key, which the exact path refuses)
        req = v["request"]
        request_values = (
            f"({_distinct(keys['request'])} AND list_bool_and(list_transform("
            f"{keys['request']}, lambda k: CASE WHEN contains(k, '\"') OR contains(k, '\\') "
            f"THEN false ELSE json_type({req}, {member}) NOT IN ('OBJECT', 'ARRAY') END)))"
        )
        record_checks = " AND ".join(
            [
                _keys_within(keys["top"], _TOP),
                f"json_type({v['id']}) = 'VARCHAR'",
                f"json_type({v['model']}) = 'VARCHAR'",
                f"coalesce(json_type({v['customer']}), 'NULL') IN ('VARCHAR', 'NULL')",
                f"coalesce({v['endpoint']} ->> '$', 'chat.completions') "
                "IN ('chat.completions', 'completions')",
                f"json_type({v['timestamp']}) = 'VARCHAR'",
                f"regexp_full_match({ts}, {_quote(_TS)})",
                nested(req, request_values),
                f"json_type({usage}) = 'OBJECT'",
            ]
        )
        usage_checks = " AND ".join(
            [
                _keys_within(keys["usage"], _USAGE),
                _count(v["prompt"]),
                _count(v["completion"]),
                nested(pd, _keys_within(keys["pd"], ["cached_tokens"])),
                nested(cd, _keys_within(keys["cd"], ["reasoning_tokens"])),
                _optional_count(v["cached"]),
                _optional_count(v["reasoning"]),
                _optional_count(v["total"]),
                nested(tu, tool_counts),
            ]
        )
        fast = (
            f"CASE WHEN v IS NOT NULL THEN (CASE WHEN {record_checks} THEN ({usage_checks}) "
            "ELSE false END) ELSE false END"
        )
        paths = "[" + ", ".join(_quote(path) for path in _PATHS.values()) + "]"
        objects = "[" + ", ".join(_quote(path) for path in _OBJECTS.values()) + "]"
        raw.execute(
            f"""CREATE TABLE parsed AS SELECT id, doc,
                CASE WHEN json_valid(doc) THEN (CASE WHEN json_type(doc) = 'OBJECT'
                     THEN json_extract(doc, {paths}) END) END AS v,
                CASE WHEN json_valid(doc) THEN (CASE WHEN json_type(doc) = 'OBJECT'
                     THEN json_keys(doc, {objects}) END) END AS keys
            FROM (SELECT row_number() OVER () AS id, doc FROM ({_source_sql(files)}))"""
        )
        raw.execute(
            f"CREATE TABLE records AS SELECT id, doc, coalesce(({fast}), false) AS fast, v "
            "FROM parsed"
        )
        raw.execute("DROP TABLE parsed")
        raw.execute(
            f"""CREATE TABLE fast AS SELECT id, {v["model"]} ->> '$' AS model,
                {_n(v["prompt"])} AS p, {_n(v["completion"])} AS c, {_n(v["cached"])} AS cr,
                {_n(v["reasoning"])} AS r,
                try_strptime({ts}, '%Y-%m-%dT%H:%M:%SZ') AS at_time,
                json_type({v["total"]}) AS tt, {_n(v["total"])} AS t,
                CASE WHEN json_type({v["request"]}) = 'OBJECT' THEN {v["request"]}::VARCHAR END
                    AS request_params,
                CASE WHEN json_type({tu}) = 'OBJECT' THEN {tu} END AS tools
            FROM records WHERE fast"""
        )
        # included counts within their whole, the stated total equal to the sum (as the shape)
        raw.execute(
            "UPDATE records SET fast = false WHERE id IN (SELECT id FROM fast WHERE cr > p "
            "OR r > c OR at_time IS NULL OR (tt IS NOT NULL AND tt <> 'NULL' AND t <> p + c))"
        )
        # the models: resolved once each in Python, as billing.rating resolves them
        models = [row[0] for row in raw.execute("SELECT DISTINCT model FROM fast").fetchall()]
        resolved: dict[str, str] = {}
        compiled: dict[str, Any] = {}
        for model in models:
            try:
                offering = catalog.resolve(model)
            except Exception:
                continue  # unknown or ambiguous: the exact path says why
            try:
                compile_offering(offering, _events_cols(), _params())
            except NotCompilableError:
                continue
            resolved[model] = offering.key
            compiled[offering.key] = offering
        raw.execute("CREATE TABLE models (model VARCHAR, offering VARCHAR)")
        if resolved:
            raw.executemany("INSERT INTO models VALUES (?, ?)", list(resolved.items()))
        raw.execute(
            "UPDATE records SET fast = false WHERE fast AND id NOT IN "
            "(SELECT f.id FROM fast f JOIN models m USING (model))"
        )
        raw.execute(
            """CREATE TABLE usage_events AS SELECT f.id, 0::BIGINT AS customer_id,
                'bulk' AS period, m.offering,
                f.at_time::TIMESTAMP AT TIME ZONE 'UTC' AS event_time,
                'priced' AS status, f.p - f.cr AS input_tokens, f.cr AS cache_read_tokens,
                0::BIGINT AS cache_write_tokens, f.c - f.r AS output_tokens,
                f.r AS reasoning_tokens, f.request_params,
                NULL::VARCHAR AS token_kinds, NULL::VARCHAR AS price_context
            FROM fast f JOIN models m USING (model) JOIN records r USING (id) WHERE r.fast"""
        )
        raw.execute(
            """CREATE TABLE usage_tool_calls AS SELECT id AS event_pk, k AS tool,
                json_extract_string(tools, '$."' || k || '"')::BIGINT AS calls
            FROM (SELECT id, tools, unnest(json_keys(tools)) AS k FROM fast
                  WHERE tools IS NOT NULL AND id IN (SELECT id FROM usage_events))"""
        )
        counts = raw.execute("SELECT count(*), count(*) FILTER (WHERE fast) FROM records")
        result.records, result.fast = counts.fetchone()
        if result.fast:
            # here for start-up time: only this engine path needs it
            from sqlalchemy import literal_column

            rated = rate_scope(
                conn,
                [literal_column("usage_events.period") == "bulk"],
                catalog,
                offerings=sorted(set(resolved.values())),
            )
            for line in rated.lines:
                result.currencies.add(line.currency)
                key = (
                    line.offering,
                    line.price_version,
                    line.tier,
                    line.charge,
                    line.unit,
                    line.unit_price,
                )
                _add(result, key, line.quantity, line.events, line.amount)
            result.priced += rated.priced_events
            for err in rated.errors:
                result.failed[err.reason] = result.failed.get(err.reason, 0) + err.events
        # the exact path, one record at a time, in file order
        slow = raw.execute("SELECT id, doc FROM records WHERE NOT fast ORDER BY id")
        while batch := slow.fetchmany(10_000):
            for line_no, doc in batch:
                result.exact += 1
                priced = price_one(doc, int(line_no), catalog)
                if priced.charge is None:
                    reason = _reason(priced.error or "cannot be priced")
                    result.failed[reason] = result.failed.get(reason, 0) + 1
                    continue
                result.priced += 1
                charge = priced.charge
                result.currencies.add(charge.currency)
                key_of = f"{charge.provider}/{charge.offering}"
                for ln in charge.lines:
                    _add(
                        result,
                        (
                            key_of,
                            ln.price_version or "",
                            ln.tier,
                            ln.charge,
                            ln.unit,
                            ln.unit_price,
                        ),
                        ln.quantity,
                        1,
                        ln.amount,
                    )
    return result


def _events_cols() -> Any:
    # here for start-up time: only this engine path needs it
    from .queries import events_t

    return events_t.c


def _params() -> Any:
    # here for start-up time: only this engine path needs it
    from .params import DuckJsonParams
    from .queries import events_t

    return DuckJsonParams(events_t.c.request_params)


def records_in_order(files: Sequence[Path]) -> Iterator[tuple[int, str]]:
    """(line, JSON text) of every record, for per-record output (JSON Lines files only;
    Parquet rows are read with DuckDB)."""
    for path in files:
        if path.suffix.lower() == ".parquet":
            # here, not at the top: an optional dependency (the duckdb or spark extra)
            import duckdb

            relation = duckdb.sql(f"SELECT {_ROW_JSON} FROM read_parquet({_quote(str(path))}) AS t")
            assert relation is not None
            rows = relation.fetchall()
            for number, (doc,) in enumerate(rows, 1):
                yield number, doc
            continue
        with path.open(encoding="utf-8") as stream:
            for number, text in enumerate(stream, 1):
                if text.strip():
                    yield number, text


def by_offering_and_charge(result: BulkResult) -> dict[str, Any]:
    """Totals per offering and per (offering, charge), exact."""
    offerings: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    charges: dict[tuple[str, str], list[Any]] = {}
    for (offering, _v, _t, charge, unit, _p), (q, n, amount) in result.lines.items():
        offerings[offering] = EXACT.add(offerings[offering], amount)
        acc = charges.setdefault((offering, charge), [0, 0, _ZERO, unit])
        acc[0] += q
        acc[1] += n
        acc[2] = EXACT.add(acc[2], amount)
    return {"offerings": dict(offerings), "charges": charges}


__all__ = ["BulkResult", "by_offering_and_charge", "price_files", "records_in_order"]
