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

A record is on the fast path only when its text holds exactly the members DuckDB read, with
the values Python would read (:func:`_fast_sql` lists the checks: no unknown or repeated key,
integer literals, strings without escapes, JSON both readers accept). Every other record,
every record that is not valid JSON, and every event the SQL statements cannot rate takes
the **exact path**: the Python calculator (billing.priced.price_one) reads and prices it, or
says why it cannot, in its own words.
So each record is priced exactly as ``ratecard price`` prices it, whichever path it takes;
records that cannot be priced are counted per reason, never priced 0.

Each file is read as the file it names (through a link of its own: DuckDB would read
``usage[1].jsonl`` as a glob pattern) and as plain text (``.gz`` is not a compression here).
A file whose lines DuckDB cannot give back as Python reads them is read by Python whole, its
records priced on the exact path: one holding the byte 0x01 (DuckDB's line splitter) or a
``\\r`` that does not end a line (DuckDB may drop the byte after it), starting with a
byte-order mark (which Python refuses in the first record), or whose last line is longer
than 4 MiB (DuckDB may drop it without an error). A file holding a NUL byte, or that is
not UTF-8 text, is refused as ``ratecard price`` refuses it (:class:`FileTextError`). The
exact path gets each line with its line end, as ``ratecard price`` does.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import json
import re
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog import Catalog

from ..errors import NotCompilableError, first_line
from ..rating import EXACT, bundled_catalog
from ..records import MAX_COUNT, MAX_ID_CHARS, MAX_RECORD_CHARS, MAX_TOOL_CHARS
from .events import MARKS_TOOLS, TOOL_ROWS
from .plan import FEE_RATE, TOOL_RATE, UNKNOWN_TOOL, compile_offering
from .rate import LineKey, RateResult, rate_scope

_ZERO = Decimal(0)


@dataclass
class BulkResult:
    records: int = 0
    priced: int = 0
    failed: dict[str, int] = field(default_factory=dict)  #: reason → records
    lines: dict[LineKey, list[Any]] = field(default_factory=dict)  #: → [quantity, events, amount]
    currencies: set[str] = field(default_factory=set)
    fast: int = 0  #: records rated by DuckDB's statements
    exact: int = 0  #: records priced one by one by the Python calculator
    reader: str = "duckdb"  #: what read the JSON Lines: "compiled" or "duckdb" (READER)
    #: wall seconds of each step: "read" (and check every record; the compiled reader also
    #: prices the calculator's records meanwhile), "rate" (DuckDB's statements), "exact"
    #: (the calculator's other records)
    seconds: dict[str, float] = field(default_factory=dict)

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


#: a date, or a date and time, as a record holds it (differs from record to record);
#: group 1: one in parentheses, a sentence's example of the form, kept as it is
_DATE_TIME = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_TIME = re.compile(rf"(\({_DATE_TIME}\))|{_DATE_TIME}")
#: a number in a sentence (``1,000`` with its thousands separators; ``(line 2, column 1)``
#: keeps its comma), not inside a name (``gpt-4o``, ``v2``); group 1: the standards a
#: sentence names, kept as they are
_NUMBER = re.compile(
    r"(ISO 8601|since 1970)"
    r"|(?<![A-Za-z0-9_.@:/-])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![A-Za-z0-9_])"
)


#: a failure sentence's line and record id: the id as Python's repr writes it, in single
#: quotes, or in double quotes when it holds a ' and no "
_WHERE = re.compile(r"""^line \d+(, record ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))?: """)


def _reason(error: str) -> str:
    """A failure sentence without its line and record id, and with times and numbers as N,
    so that records failing the same way count under one reason."""
    return _counted(_WHERE.sub("", error, count=1))


@functools.lru_cache(maxsize=4096)
def _counted(text: str) -> str:
    """``text`` with times and numbers as N; kept for the sentences seen last, as records
    tend to fail alike (every record of an unknown model, say): 9.5 us a sentence
    otherwise, a quarter of the cost of a failing record."""
    out, last = [], 0
    for m in _TIME.finditer(text):
        out += [_NUMBER.sub(_kept, text[last : m.start()]), m.group(1) or "N"]
        last = m.end()
    return "".join([*out, _NUMBER.sub(_kept, text[last:])])


def _kept(match: re.Match[str]) -> str:
    return match.group(1) or "N"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: a Parquet row as the JSON record it holds: null columns (fields a record did not have, in
#: a file whose schema is the union of every record's) left out, as they were
_ROW_JSON = "json_merge_patch('{}', to_json(t))::VARCHAR"


#: the longest line (bytes) the parallel read takes: a record Python reads is at most
#: billing.records.MAX_RECORD_CHARS characters of up to 4 bytes each, and its line end
_LINE_BYTES = 4 * MAX_RECORD_CHARS + 16
#: the longest line the second read takes, when a line is longer than that (a line the
#: Python calculator then refuses as too long); DuckDB reads a file in one piece, on one
#: core, when lines may be this long
_LONG_LINE_BYTES = 100_000_000


def _source_sql(files: Sequence[Path], line_bytes: int = _LINE_BYTES) -> str:
    """One row per non-blank line (JSON Lines) or row (Parquet), in order: ``fi`` (the
    file's index in ``files``), ``doc`` (the record's JSON text) and ``odd`` (the line held
    the byte 0x01, which DuckDB split it at, or a NUL byte: DuckDB's line is not the file's).
    A line longer than ``line_bytes`` fails the read. ``files`` are read as they are named,
    never as glob patterns or by a compression their suffix suggests: give paths without
    ``*?[`` (:func:`price_files` reads each file through a plain link of its own)."""
    parts = []
    for i, path in enumerate(files):
        name = _quote(str(path))
        if path.suffix.lower() == ".parquet":
            parts.append(
                f"SELECT {i} AS fi, {_ROW_JSON} AS doc, false AS odd FROM read_parquet({name}) AS t"
            )
        else:
            # one VARCHAR column per line, split at a control character that valid JSON
            # never holds unescaped, no quoting; a second column catches what follows one
            # (NULL when the line has none: no field is ever the NULL string, a newline)
            parts.append(
                f"SELECT {i} AS fi, doc, rest IS NOT NULL OR contains(doc, chr(0)) AS odd "
                "FROM read_csv("
                f"{name}, columns = {{'doc': 'VARCHAR', 'rest': 'VARCHAR'}}, header = false, "
                "delim = '\x01', quote = '', escape = '', nullstr = '\n', null_padding = true, "
                "compression = 'none', auto_detect = false, strict_mode = false, "
                f"max_line_size = {line_bytes})"
            )
    return " UNION ALL ".join(parts)


#: a timestamp the fast path reads: whole seconds, UTC (``Z`` or ``+00``) or without a zone
#: (UTC to Python's reader too), ``T`` or a space between date and time (a Parquet
#: TIMESTAMP or TIMESTAMPTZ as DuckDB writes it in JSON); year 0001 or later (Python's)
_TS = (
    r'^"(\d{3}[1-9]|\d{2}[1-9]\d|\d[1-9]\d{2}|[1-9]\d{3})-\d{2}-\d{2}[T ]'
    r'\d{2}:\d{2}:\d{2}(Z|\+00)?"$'
)
#: the formats of those timestamps (DuckDB's strptime refuses 24:00, :60 and 30 February,
#: as Python does)
_TS_FORMATS = (
    '"%Y-%m-%dT%H:%M:%SZ"',
    '"%Y-%m-%dT%H:%M:%S"',
    '"%Y-%m-%d %H:%M:%S"',
    '"%Y-%m-%d %H:%M:%S+00"',
    '"%Y-%m-%dT%H:%M:%S+00"',
    '"%Y-%m-%d %H:%M:%SZ"',
)
#: a request value the fast path passes on as it is: a string without escapes, true, false
#: or null. A number is not: DuckDB gives it back rewritten (``0.5000…0`` as ``0.5``,
#: ``1e-400`` as ``0.0``), so the bounds billing.records.loads checks on the written digits
#: cannot be checked here; the calculator reads such a record
_SCALAR = r'("[^"\\]*"|true|false|null)'
#: a count the fast path reads: an integer literal from 0 to billing.records.MAX_COUNT
#: (a power of ten: 1 followed by zeros, or fewer digits)
_COUNT = f"(0|[1-9][0-9]{{0,{len(str(MAX_COUNT)) - 2}}}|{MAX_COUNT})"
if str(MAX_COUNT).rstrip("0") != "1":  # pragma: no cover - a guard on the constant
    raise RuntimeError("billing.sqlrate.files._COUNT needs MAX_COUNT to be a power of ten")


def _map_of(key_chars: int, value: str) -> str:
    """An object as DuckDB writes it (no space, a ``,`` between members), every key a
    non-empty string of at most ``key_chars`` characters without escapes, every value
    matching ``value``; ``{}`` too."""
    member = f'"[^"\\\\]{{1,{key_chars}}}":{value}'
    return f"^\\{{({member}(,{member})*)?\\}}$"


#: ``usage.tool_usage`` and ``request`` as the fast path reads them (their keys are checked
#: distinct apart)
_TOOLS = _map_of(MAX_TOOL_CHARS, _COUNT)
_REQUEST = _map_of(MAX_ID_CHARS, _SCALAR)
#: a comma before a closing bracket: DuckDB's JSON reader accepts it, Python's refuses it
_TRAILING_COMMA = r",[ \t\r\n]*[\]}]"

#: the objects the fast path reads, each with its members: name (as the statement calls
#: it) → key. One json_extract of the record gives each object and each member as the JSON
#: text DuckDB writes (no space; SQL NULL when absent, ``null`` when null).
_OBJECTS: dict[str, dict[str, str]] = {
    "top": {
        "id": "id",
        "customer": "customer",
        "model": "model",
        "ts": "timestamp",
        "endpoint": "endpoint",
        "request": "request",
        "usage": "usage",
    },
    "usage": {
        "prompt": "prompt_tokens",
        "completion": "completion_tokens",
        "total": "total_tokens",
        "pd": "prompt_tokens_details",
        "cd": "completion_tokens_details",
        "tools": "tool_usage",
    },
    "pd": {"cached": "cached_tokens"},
    "cd": {"reasoning": "reasoning_tokens"},
}


def _leaves(holder: str, path: str) -> Iterator[tuple[str, str]]:
    for name, key in _OBJECTS[holder].items():
        if name in _OBJECTS:
            yield from _leaves(name, f"{path}.{key}")
        else:
            yield name, f"{path}.{key}"


#: the JSON path of the record (``top``) and of each member read
_PATHS = {"top": "$", **dict(_leaves("top", "$"))}


def _fast_sql(source: str) -> str:
    """The one statement that reads, checks and keeps every record: a table ``records``
    (in file order) with ``fast`` (true: DuckDB's statements rate it), what the rating needs
    of a fast record, and ``doc`` (the text) of every other record, for the exact path.
    ``source`` gives one row per record, its text in ``doc``.

    A record is fast only when the Python reader would read exactly the members found here,
    with the same values; every check is on text DuckDB gives back, never a lenient cast.
    The record is parsed twice, by ``json_valid`` and by one ``json_extract`` of every
    object and member in :data:`_OBJECTS`, each as the JSON text DuckDB writes:

    - the whole line is JSON DuckDB and Python both accept: ``json_valid``, no comma before a
      closing bracket (DuckDB's reader takes ``[1,]``; Python refuses it), shorter than
      billing.records.MAX_RECORD_CHARS (its line end counts, as ``ratecard price`` reads a
      line);
    - no key but the known ones, none repeated: the record, as DuckDB writes it (``{``,
      ``"key":value`` for each member, joined by ``,``, ``}``; no space), is exactly as
      long as the members found would make it, ``usage`` and the two details objects
      counted the same way inside it (a details object only with its count: ``{}`` or
      ``null`` is not counted). An unknown key, a repeated one (DuckDB keeps both and finds
      the first) or a null one, at any level, would make the record longer, so nothing is
      silently ignored and nothing read twice;
    - every count is a JSON integer literal (its text, read back from the integer, is
      unchanged: ``"5"``, ``1.5``, ``true`` and ``1e3`` are not), 0 to 10¹⁵; the strings are
      JSON strings without escapes; the timestamp is one of :data:`_TS_FORMATS`;
    - ``tool_usage`` and ``request``: objects without escapes whose text matches
      :data:`_TOOLS` (each tool count an integer literal within bounds) or :data:`_REQUEST`
      (each value a plain scalar, :data:`_SCALAR`), no name repeated (``json_keys`` of the
      object, when it holds more than one member).
    """

    def text(name: str) -> str:
        # a JSON string without escapes, within billing.records.MAX_ID_CHARS (+ 2 quotes)
        return (
            f"(starts_with({name}, '\"') AND NOT contains({name}, '\\') "
            f"AND strlen({name}) <= {MAX_ID_CHARS + 2})"
        )

    def count(name: str, n: str) -> str:
        # ``n`` is TRY_CAST(text AS UBIGINT): the text must be its canonical digits
        return f"({n}::VARCHAR = {name} AND {n} <= {MAX_COUNT})"

    def written(holder: str) -> str:
        # the length of ``holder`` as DuckDB writes it, were its members the ones found:
        # ``{`` and ``}``, and for each member ``"key":`` with its value and a ``,`` (one too
        # many); an object member counts as written so, when its first member is found
        terms = []
        for name, key in _OBJECTS[holder].items():
            if name in _OBJECTS:
                first = next(iter(_OBJECTS[name]))
                terms.append(
                    f"CASE WHEN {first} IS NULL THEN 0 ELSE {len(key) + 4} + {written(name)} END"
                )
            else:
                terms.append(f"coalesce(strlen({name}) + {len(key) + 4}, 0)")
        return "(1 + " + " + ".join(terms) + ")"

    def distinct(name: str) -> str:
        # no name twice: one member cannot repeat (a ``,`` may also be in a name)
        return (
            f"CASE WHEN contains({name}, ',') THEN "
            f"len(list_distinct(json_keys({name}))) = len(json_keys({name})) ELSE true END"
        )

    def opt(name: str, check: str) -> str:
        # absent or null (Python reads both as absent), or passing ``check``
        return f"({name} IS NULL OR {name} = 'null' OR ({check}))"

    checks = " AND ".join(
        [
            count("prompt", "p"),
            count("completion", "c"),
            f"strlen(top) = {written('top')}",
            opt("id", text("id")),
            opt("customer", text("customer")),
            text("model"),
            f"regexp_full_match(ts, {_quote(_TS)})",
            "t_at IS NOT NULL",
            opt("endpoint", "endpoint IN ('\"chat.completions\"', '\"completions\"')"),
            opt("total", f"{count('total', 'tt')} AND tt::HUGEINT = p::HUGEINT + c"),
            opt("cached", f"{count('cached', 'cr')} AND cr <= p"),
            opt("reasoning", f"{count('reasoning', 'r')} AND r <= c"),
            opt("tools", f"regexp_full_match(tools, {_quote(_TOOLS)}) AND {distinct('tools')}"),
            opt(
                "request",
                f"regexp_full_match(request, {_quote(_REQUEST)}) AND {distinct('request')}",
            ),
        ]
    )
    paths = "[" + ", ".join(_quote(path) for path in _PATHS.values()) + "]"
    members = ", ".join(f"v[{i + 1}] AS {name}" for i, name in enumerate(_PATHS))
    casts = ", ".join(
        f"TRY_CAST({name} AS UBIGINT) AS {alias}"
        for name, alias in (
            ("prompt", "p"),
            ("completion", "c"),
            ("total", "tt"),
            ("cached", "cr"),
            ("reasoning", "r"),
        )
    )
    formats = "[" + ", ".join(_quote(f) for f in _TS_FORMATS) + "]"
    casts += f", try_strptime(ts, {formats}) AS t_at"
    return f"""CREATE TABLE records AS
        SELECT fi, odd, fast, CASE WHEN fast THEN NULL ELSE doc END AS doc,
            CASE WHEN fast THEN model END AS model, CASE WHEN fast THEN ts END AS ts,
            CASE WHEN fast THEN t_at END AS t_at,
            CASE WHEN fast THEN p::BIGINT END AS p, CASE WHEN fast THEN c::BIGINT END AS c,
            CASE WHEN fast THEN coalesce(cr, 0)::BIGINT END AS cr,
            CASE WHEN fast THEN coalesce(r, 0)::BIGINT END AS r,
            CASE WHEN fast AND request <> 'null' THEN request END AS request,
            CASE WHEN fast AND tools <> 'null' THEN tools END AS tools
        FROM (SELECT *, coalesce(CASE WHEN v IS NOT NULL THEN ({checks}) END, false) AS fast
            FROM (SELECT *, {casts} FROM (
                SELECT fi, odd, doc, v, {members}
                FROM (SELECT fi, odd, doc,
                    CASE WHEN ok THEN json_extract(doc, {paths})::VARCHAR[] END AS v
                    FROM (SELECT doc, strlen(doc) < {MAX_RECORD_CHARS} AND json_valid(doc)
                            AND NOT regexp_matches(doc, {_quote(_TRAILING_COMMA)})
                            AND NOT odd AS ok, fi, odd
                        FROM ({source}))))))"""


def _lines_sql(files: Sequence[Path], line_bytes: int = _LINE_BYTES) -> str:
    """``fi``, ``doc``, ``odd`` (:func:`_source_sql`) of every non-empty line (JSON Lines)
    or row (Parquet), in order."""
    return f"SELECT fi, doc, odd FROM ({_source_sql(files, line_bytes)}) WHERE doc IS NOT NULL"


def price_files(
    files: Sequence[Path], catalog: Catalog | None = None, *, threads: int | None = None
) -> BulkResult:
    """Price every record of ``files`` (``.parquet`` files as Parquet, any other as JSON
    Lines, each read under its own name: no glob, no compression). Raises
    billing.sqlrate.duck.EngineUnavailableError without the duckdb extra,
    FileNotFoundError for a missing file, :class:`FileTextError` for a file that is not
    UTF-8 text or holds a NUL byte (as ``ratecard price`` refuses it), or a ``.parquet`` file
    DuckDB cannot read."""
    catalog = catalog if catalog is not None else bundled_catalog()
    result = BulkResult()
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
    warming = _warm_reader(files)
    try:
        _price_files_in(files, catalog, threads, result, warming)
    finally:
        if warming is not None:  # an error before the read: let the loading end first
            warming.join()
    return result


def _price_files_in(
    files: Sequence[Path],
    catalog: Catalog,
    threads: int | None,
    result: BulkResult,
    warming: threading.Thread | None,
) -> None:
    """:func:`price_files`, into ``result``, once the files are known to exist."""
    # here for start-up time: only this engine path needs it
    from .duck import duckdb_connection

    with (
        tempfile.TemporaryDirectory(prefix="ratecard-price-") as tmp,
        duckdb_connection(threads=threads) as conn,
    ):
        raw: Any = conn.connection.driver_connection
        compiled = lines = early = None
        started = time.perf_counter()
        # a byte-order mark Python refuses in the first record: the calculator reads it
        bom = {fi for fi, path in enumerate(files) if _starts_with_bom(path)}
        if warming is not None:
            warming.join()
        if _compiled_reader(files):
            result.reader = "compiled"
            apart, compiled, lines, early = _read_compiled(raw, files, catalog, threads, bom)
        else:
            links = _plain_links(files, Path(tmp))
            apart = _read_records(raw, files, links)
            # files DuckDB cannot read line for line as Python does (a byte 0x01 it
            # split a line at, a NUL byte): none of their records is rated here; the
            # calculator reads each such file
            odd = raw.execute("SELECT DISTINCT fi FROM records WHERE odd").fetchall()
            apart |= {int(fi) for (fi,) in odd}
            # a last line longer than DuckDB's buffer is dropped without an error
            # (duckdb/duckdb#25825), and in a file of \r\n line ends the byte after a
            # lone \r: Python reads such a file whole
            apart |= {
                fi
                for fi, path in enumerate(files)
                if _ends_in_long_line(path) or _has_lone_cr(path)
            }
        for fi in sorted(apart):
            _refuse_nul(files[fi])
        apart |= bom
        if apart and compiled is None:
            raw.execute(f"DELETE FROM records WHERE fi IN ({', '.join(map(str, apart))})")
        result.seconds["read"] = time.perf_counter() - started
        held, early_prices = early if early is not None else ([], BulkResult())
        stop = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as side:
            # the calculator prices the compiled reader's other lines in a second thread
            # while DuckDB rates (its statements hold no GIL): in the read, the pricing
            # held the GIL the reader's threads wait for, and lost a sixth of 2 cores
            priced = side.submit(_price_lines, held, catalog, stop) if held else None
            try:
                _rate_records(raw, conn, files, catalog, result, compiled)
                del lines  # the compiled reader's table, read by the connection until here
                # after the rating, which sets ``records`` to the view's count: these
                # prices count their blank lines out of it
                _merge(result, early_prices)
                if priced is not None:
                    _merge(result, priced.result())
            finally:
                stop.set()  # after an error (or ^C), the thread stops at its next line
    for fi in sorted(apart):
        for number, text in records_in_order([files[fi]]):
            result.records += 1
            _price_exactly(result, text, number, catalog)


#: which reader takes JSON Lines files: ``"auto"`` (the compiled reader when the files
#: hold at least :data:`COMPILED_FROM_BYTES`), ``"compiled"`` or ``"duckdb"`` (always)
READER = "auto"
#: below this many bytes of JSON Lines, DuckDB reads the files: the compiled reader costs
#: about 0.5 s to load in a new process (11 s the first time, to compile), and saves about
#: 5 ms a MB against DuckDB's read (bench_price_files.py: 1.2 to 1.4 ms a MB against 6.6),
#: so it pays from about 100 MB on
COMPILED_FROM_BYTES = 128 << 20


def _warm_reader(files: Sequence[Path]) -> threading.Thread | None:
    """A thread loading the compiled reader while the connection is made, when ``files``
    are big enough for it (0.5 s of a new process's first read: numba's import and its
    machine code, much of it outside the GIL)."""
    if READER == "duckdb" or any(p.suffix.lower() == ".parquet" for p in files):
        return None
    if READER == "auto" and sum(p.stat().st_size for p in files) < COMPILED_FROM_BYTES:
        return None
    if importlib.util.find_spec("numba") is None:
        return None

    def warm() -> None:
        try:
            # here: numba takes about 0.3 s to import, and only this path needs it
            from . import lineread

            lineread.warm()
        except Exception:  # the read itself says what failed, if anything
            return

    thread = threading.Thread(target=warm, name="ratecard-warm-reader", daemon=True)
    thread.start()
    return thread


def _compiled_reader(files: Sequence[Path]) -> bool:
    """Whether ``files`` are read by billing.sqlrate.lineread's compiled reader: all JSON
    Lines, numba installed and loadable, and :data:`READER` ``"compiled"`` or ``"auto"`` with
    at least :data:`COMPILED_FROM_BYTES`. Otherwise DuckDB reads them
    (:func:`_read_records`)."""
    if READER == "duckdb" or any(p.suffix.lower() == ".parquet" for p in files):
        return False
    sizes = [p.stat().st_size for p in files]
    if READER == "auto" and sum(sizes) < COMPILED_FROM_BYTES:
        return False
    if importlib.util.find_spec("numba") is None:
        return False
    try:
        # here: numba takes about 0.3 s to import, and only this path needs it
        from . import lineread
    except (ImportError, RuntimeError):
        # installed but not loadable: beside a NumPy it does not support, or with no place
        # to keep the compiled code (numba: "cannot cache function ...: no locator available")
        return False
    return max(sizes, default=0) < lineread.FILE_IDS  # a record's id holds its offset


def _read_compiled(
    raw: Any, files: Sequence[Path], catalog: Catalog, threads: int | None, bom: set[int]
) -> tuple[
    set[int], dict[str, str], Any, tuple[list[tuple[int, list[tuple[int, str]]]], BulkResult]
]:
    """The ``records`` view of JSON Lines ``files`` by the compiled reader
    (billing.sqlrate.lineread: ``model`` holds the offering key; ``id`` orders the rows),
    the files Python must read whole (left out of the view: a NUL byte, which
    :func:`_refuse_nul` then refuses, a ``\\r`` that does not end a line, and ``bom``,
    the files that start with a byte-order mark), the offerings of the fast records (key →
    key), the Arrow tables the views read (``records`` and ``tool_calls_read``, the rows of
    their tools), and the other lines of the view: those held for the calculator (file
    and ``[(record id, text)]``, a piece at a time: :func:`_price_lines`), and the prices
    of those it priced during the read (beyond :data:`SLOW_HELD_CHARS`). Raises
    :class:`FileTextError` for a file that is not UTF-8 text."""
    # here: numba takes about 0.3 s to import, and only this path needs it
    from . import lineread

    keys: dict[str, str | None] = {}

    def resolve(text: str) -> str | None:
        # the model's JSON text decoded by Python's own reader, as billing.rating does
        if text not in keys:
            keys[text] = _offering_key(json.loads(text), catalog)
        return keys[text]

    slow: list[tuple[int, list[tuple[int, str]]]] = []
    held = [0]  # the characters of the lines in ``slow``
    priced: dict[int, BulkResult] = defaultdict(BulkResult)

    def on_slow(fi: int, lines: list[tuple[int, str]]) -> None:
        size = sum(len(text) for _id, text in lines)
        if held[0] + size <= SLOW_HELD_CHARS:
            held[0] += size
            slow.append((fi, lines))
        else:  # too many to hold: priced now, in the read (as a file of other shapes is)
            _merge(priced[fi], _price_lines([(fi, lines)], catalog))

    seen, tables = lineread.read_records(raw, files, resolve, on_slow, threads)
    if seen.not_utf8 is not None:
        path = files[seen.not_utf8]
        _check_utf8(path)
        raise FileTextError(f"{path}: not UTF-8 text", usage=True)  # pragma: no cover
    apart = seen.apart | bom
    where = f" WHERE fi NOT IN ({', '.join(map(str, sorted(apart)))})" if apart else ""
    raw.execute(
        f"""CREATE VIEW records AS SELECT * FROM (SELECT *, {lineread.FILE_OF_ID} AS fi,
            {lineread.START_OF_ID} AS lo FROM ratecard_lines){where}"""
    )
    tool_where = where.replace("fi NOT IN", f"event_pk // {lineread.FILE_IDS} NOT IN")
    raw.execute(f"CREATE VIEW tool_calls_read AS SELECT * FROM ratecard_tools{tool_where}")
    # an apart file's records are priced again, whole
    held_lines = [(fi, lines) for fi, lines in slow if fi not in apart]
    early = BulkResult()
    for fi, part in priced.items():
        if fi not in apart:
            _merge(early, part)
    keys_of = {key: key for key in keys.values() if key is not None}
    return apart, keys_of, tables, (held_lines, early)


#: the characters of the compiled reader's other lines held for the calculator to price
#: beside DuckDB's statements (:func:`_price_lines`); lines beyond them are priced while
#: the files are read, so that a file of another shape is not held in memory whole
SLOW_HELD_CHARS = 64 << 20


def _price_lines(
    slow: list[tuple[int, list[tuple[int, str]]]],
    catalog: Catalog,
    stop: threading.Event | None = None,
) -> BulkResult:
    """The calculator's prices of the compiled reader's other lines (pieces of (file,
    [(record id, text)])): ``records`` less one for each blank line, as these lines are
    already counted in the ``records`` view. Ends early, with what it priced, once
    ``stop`` is set."""
    result = BulkResult()
    for _fi, lines in slow:
        for row_id, doc in lines:
            if stop is not None and stop.is_set():
                return result
            if not doc.strip():  # a blank line is not a record (as in ``ratecard price``)
                result.records -= 1
            else:
                _price_exactly(result, doc, row_id + 1, catalog)
    return result


def _merge(into: BulkResult, part: BulkResult) -> None:
    """Add the records, prices and failures of ``part`` to ``into``."""
    into.records += part.records
    into.priced += part.priced
    into.exact += part.exact
    into.currencies |= part.currencies
    for reason, count in part.failed.items():
        into.failed[reason] = into.failed.get(reason, 0) + count
    for key, (quantity, events, amount) in part.lines.items():
        _add(into, key, quantity, events, amount)


def _plain_links(files: Sequence[Path], folder: Path) -> list[Path]:
    """A link in ``folder`` to each file, named ``<index>.jsonl`` or ``<index>.parquet``:
    DuckDB reads a name as a glob pattern (``[``, ``*``, ``?``); these names hold none.
    Where links cannot be made, the file's own path (refused if it holds a glob
    character)."""
    out = []
    for i, path in enumerate(files):
        suffix = ".parquet" if path.suffix.lower() == ".parquet" else ".jsonl"
        link = folder / f"{i}{suffix}"
        try:
            link.symlink_to(path.resolve())
        except OSError:
            if any(c in str(path) for c in "*?["):
                raise FileNotFoundError(
                    f"{path}: cannot be read by the duckdb engine under its name (no link "
                    "could be made); rename it, or use --engine python"
                ) from None
            link = path
        out.append(link)
    return out


def _read_records(raw: Any, files: Sequence[Path], links: Sequence[Path]) -> set[int]:
    """The ``records`` table (:func:`_fast_sql`) of the files read through ``links``, and
    the files DuckDB could not read (by index: empty, or all of them), which Python reads.
    Raises :class:`FileTextError` for a file that is not UTF-8 text (as ``ratecard price``
    refuses it), or a ``.parquet`` file DuckDB cannot read."""
    import duckdb  # installed: the connection is open

    try:
        # on all cores: DuckDB splits a file into pieces when no line may be longer than a
        # few MB
        raw.execute(_fast_sql(_lines_sql(links)))
        return set()
    except duckdb.Error:
        pass
    try:
        # a line longer than that: read again with room for it, on one core
        raw.execute(_fast_sql(_lines_sql(links, _LONG_LINE_BYTES)))
        return set()
    except duckdb.Error:
        for path, link in zip(files, links, strict=True):  # which file cannot be read
            if path.suffix.lower() == ".parquet":
                _check_parquet(raw, path, link)
            else:
                _check_utf8(path)
        # text DuckDB still cannot read (a line longer than it allows): every record is
        # read by Python, with the calculator's own limits
        raw.execute(_fast_sql("SELECT 0 AS fi, NULL::VARCHAR AS doc, false AS odd LIMIT 0"))
        return set(range(len(files)))


class FileTextError(ValueError):
    """A file ``ratecard price`` would refuse whole: not UTF-8 text, or a ``.parquet`` file
    DuckDB cannot read (``usage`` True, a usage error as for any unreadable file), or holding
    NUL bytes (``usage`` False: bad input)."""

    def __init__(self, message: str, *, usage: bool) -> None:
        super().__init__(message)
        self.usage = usage


def _check_parquet(raw: Any, path: Path, link: Path) -> None:
    """Raise :class:`FileTextError` (a usage error) if DuckDB cannot read ``path`` (through
    ``link``, its plain name) as a Parquet file: DuckDB's words, first line (no footer, a
    damaged page)."""
    import duckdb  # installed: the connection is open

    try:
        raw.execute(f"SELECT count(*) FROM read_parquet({_quote(str(link))})").fetchall()
    except duckdb.Error as exc:
        reason = (first_line(exc) or type(exc).__name__).replace(str(link), str(path))
        raise FileTextError(
            f"{path}: not a Parquet file DuckDB can read ({reason})", usage=True
        ) from None


def _check_utf8(path: Path) -> None:
    """Raise :class:`FileTextError` if ``path`` is not UTF-8 text (read in pieces)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileTextError(f"{path}: not UTF-8 text ({exc.reason})", usage=True) from None


def _refuse_nul(path: Path) -> None:
    """Raise :class:`FileTextError` if ``path`` holds a NUL byte (``ratecard price``'s
    words: the first line that does)."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream, 1):
            if b"\x00" in line:
                raise FileTextError(
                    f"{path} is not text: line {number} holds NUL bytes", usage=False
                )


def _ends_in_long_line(path: Path, limit: int = _LINE_BYTES) -> bool:
    """Whether the last line of the JSON Lines file ``path`` (after its last ``\\n`` but a
    final one) is longer than ``limit`` bytes: DuckDB's CSV reader may drop such a line
    without an error, when it is longer than its buffer (duckdb/duckdb#25825)."""
    if path.suffix.lower() == ".parquet":
        return False
    with path.open("rb") as stream:
        end = stream.seek(0, 2)
        if end:
            stream.seek(end - 1)
            if stream.read(1) == b"\n":
                end -= 1
        start = max(0, end - limit - 1)
        stream.seek(start)
        return end > limit and b"\n" not in stream.read(end - start)


def _has_lone_cr(path: Path) -> bool:
    """Whether the JSON Lines file ``path`` holds a ``\\r`` that is not followed by ``\\n``
    (but as its last byte): Python's reader ends a line there, and DuckDB's CSV reader, in a
    file of ``\\r\\n`` line ends, drops the byte after it. Read in pieces."""
    if path.suffix.lower() == ".parquet":
        return False
    with path.open("rb") as stream:
        held = b""  # a \r at the end of a piece, whose \n may start the next one
        while piece := stream.read(1 << 20):
            data = held + piece
            held = b"\r" if data.endswith(b"\r") else b""
            body = data[: len(data) - len(held)]
            if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
                return True
    return False


def _starts_with_bom(path: Path) -> bool:
    """A JSON Lines file that starts with a UTF-8 byte-order mark (DuckDB drops it; Python's
    reader refuses the first record for it)."""
    if path.suffix.lower() == ".parquet":
        return False
    with path.open("rb") as stream:
        return stream.read(3) == codecs.BOM_UTF8


def _rate_records(
    raw: Any,
    conn: Any,
    files: Sequence[Path],
    catalog: Catalog,
    result: BulkResult,
    compiled: dict[str, str] | None = None,
) -> None:
    """Rate the fast records of ``records`` with DuckDB's statements and price every other
    one with the calculator, into ``result``. ``compiled``: the table is the compiled
    reader's (its ``model`` already the offering: these keys), not :func:`_fast_sql`'s."""
    resolved: dict[str, str] = {} if compiled is None else compiled
    if compiled is None:
        # the models: resolved once each in Python, as billing.rating resolves them (the
        # JSON text decoded by Python's own reader)
        distinct = raw.execute("SELECT DISTINCT model FROM records WHERE fast").fetchall()
        for (model_text,) in distinct:
            offering = _offering_key(json.loads(model_text), catalog)
            if offering is not None:
                resolved[model_text] = offering
    raw.execute("CREATE TABLE models (model VARCHAR PRIMARY KEY, offering VARCHAR)")
    if resolved:
        raw.executemany("INSERT INTO models VALUES (?, ?)", list(resolved.items()))
    raw.execute("CREATE TABLE redo (id BIGINT)")
    (result.records,) = raw.execute("SELECT count(*) FROM records").fetchone()
    started = time.perf_counter()
    rated = _rate_fast(conn, resolved, catalog, compiled=compiled is not None)
    if rated is not None and rated.errors:
        # the statements say why by a code; the calculator says it in full, naming the
        # tool or the tier: the events of the offerings that failed (narrowed by the
        # code) are priced one by one instead, and the rest rated again
        for err in rated.errors:
            where = _REDO.get(err.code, "true")
            if compiled is not None:  # the compiled reader counts the tools, keeps no text
                where = where.replace("r.tools IS NOT NULL", "r.tool_rows > 0")
            offering = "true" if err.offering is None else "m.offering = ?"
            raw.execute(
                f"INSERT INTO redo SELECT r.{'rowid' if compiled is None else 'id'} "
                "FROM records r JOIN models m USING (model) "
                f"WHERE r.fast AND {offering} AND {where}",
                [] if err.offering is None else [err.offering],
            )
        rated = _rate_fast(conn, resolved, catalog, compiled=compiled is not None)
    if rated is not None:
        (result.fast,) = raw.execute("SELECT count(*) FROM usage_events").fetchone()
        for line in rated.lines:
            result.currencies.add(line.currency)
            _add(result, line.charge_key, line.quantity, line.events, line.amount)
        result.priced += rated.priced_events
        for err in rated.errors:
            result.failed[err.reason] = result.failed.get(err.reason, 0) + err.events
    result.seconds["rate"] = time.perf_counter() - started
    started = time.perf_counter()
    if compiled is not None:
        _price_compiled_rest(raw, files, catalog, result)
        result.seconds["exact"] = time.perf_counter() - started
        return
    # Python's reader gets each line with its line end, as ``ratecard price`` reads it (the
    # end counts toward the length limit and shows in its words for a broken line), but for
    # the last line of a file that has none
    lines = {fi for fi, path in enumerate(files) if path.suffix.lower() != ".parquet"}
    unended = {}
    for fi in sorted(lines):
        if not _ends_with_newline(files[fi]):
            (unended[fi],) = raw.execute(
                "SELECT max(rowid) FROM records WHERE fi = ?", [fi]
            ).fetchone()
    # the exact path, one record at a time, in file order: every record DuckDB's
    # statements did not rate. A fast record whose model did not resolve is written
    # back from what was read of it (it held nothing else: see _fast_sql), so that the
    # calculator says why, or prices it when only the SQL plan could not.
    slow = raw.execute(
        f"""SELECT rowid, fi, CASE WHEN fast THEN {_REBUILT} ELSE doc END FROM records
        WHERE NOT fast OR model NOT IN (SELECT model FROM models)
            OR rowid IN (SELECT id FROM redo) ORDER BY rowid"""
    )
    while batch := slow.fetchmany(10_000):
        for row_id, fi, doc in batch:
            if not doc.strip():  # a blank line is not a record (as in ``ratecard price``)
                result.records -= 1
                continue
            if fi in lines and unended.get(fi) != row_id:
                doc += "\n"
            _price_exactly(result, doc, int(row_id) + 1, catalog)
    result.seconds["exact"] = time.perf_counter() - started


def _price_compiled_rest(
    raw: Any, files: Sequence[Path], catalog: Catalog, result: BulkResult
) -> None:
    """The exact path for the fast records the statements could not rate (``redo``; the
    compiled reader's other records are priced while it reads), one at a time, in file
    order, each read again from its file (from ``lo`` to its ``\\n``) with its line end as
    Python's reader gives it (``\\r\\n`` and a last ``\\r`` as ``\\n``; the last line of a
    file may have none)."""
    slow = raw.execute(
        "SELECT id, fi, lo FROM records WHERE id IN (SELECT id FROM redo) ORDER BY id"
    )
    opened: dict[int, Any] = {}
    try:
        while batch := slow.fetchmany(10_000):
            for row_id, fi, lo in batch:
                if fi not in opened:
                    opened[fi] = files[fi].open("rb")
                stream = opened[fi]
                stream.seek(lo)
                line = stream.readline()
                if line.endswith(b"\r\n"):
                    line = line[:-2] + b"\n"
                elif line.endswith(b"\r"):
                    line = line[:-1] + b"\n"
                _price_exactly(result, line.decode("utf-8"), int(row_id) + 1, catalog)
    finally:
        for stream in opened.values():
            stream.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as stream:
        stream.seek(0, 2)
        if stream.tell() == 0:
            return True
        stream.seek(-1, 2)
        return stream.read(1) == b"\n"


def _price_exactly(result: BulkResult, doc: str, line: int, catalog: Catalog) -> None:
    """Price one record's text with the calculator (as ``ratecard price`` does), into
    ``result``."""
    # here, not at the top: billing.priced imports the shapes, which the SQL path alone
    # does not need
    from ..priced import price_one

    result.exact += 1
    priced = price_one(doc, line, catalog)
    if priced.charge is None:
        reason = _reason(priced.error or "cannot be priced")
        result.failed[reason] = result.failed.get(reason, 0) + 1
        return
    result.priced += 1
    charge = priced.charge
    result.currencies.add(charge.currency)
    key_of = f"{charge.provider}/{charge.offering}"
    for ln in charge.lines:
        key = (key_of, ln.price_version or "", ln.tier, ln.charge, ln.unit, ln.unit_price)
        _add(result, key, ln.quantity, 1, ln.amount)


#: the fast events of an offering the statements could not rate, by the error's code, that
#: the calculator prices instead (to say why in full): those with tools for a tool error,
#: with request parameters for a request fee error, all of them otherwise
_REDO = {
    TOOL_RATE: "r.tools IS NOT NULL",
    UNKNOWN_TOOL: "r.tools IS NOT NULL",
    FEE_RATE: "r.request IS NOT NULL",
}


def _rate_fast(
    conn: Any, resolved: dict[str, str], catalog: Catalog, *, compiled: bool = False
) -> RateResult | None:
    """Rate the fast records (but those in ``redo``) with billing.sqlrate's statements;
    None when there are none. ``compiled``: ``records`` is the compiled reader's view,
    whose ``model`` is the offering already and ``id`` the record's; ``usage_events`` is
    then a view over it too (writing a table of 1M events cost DuckDB about 0.25 CPU-s,
    more than the statements take to read the view)."""
    raw: Any = conn.connection.driver_connection
    kinds = dict(
        raw.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name IN ('usage_events', 'usage_tool_calls')"
        ).fetchall()
    )
    for name, kind in kinds.items():
        raw.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
    (redo,) = raw.execute("SELECT count(*) FROM redo").fetchone()
    # the anti-join only when there is something to leave out: it slows the statements
    # that read the view (0.25 to 0.78 CPU-s for 1M events)
    kept = " AND r.rowid NOT IN (SELECT id FROM redo)" if redo else ""
    if compiled:
        # the reader's time is a TIMESTAMPTZ already, and it counts each record's tools:
        # the tool statement then reads only the events with tools (billing.sqlrate.rate)
        kept = kept.replace("rowid", "id")
        source = (
            "r.id AS id, 0::BIGINT AS customer_id, 'bulk' AS period, r.model AS offering, "
            f"r.t_at AS event_time, r.tool_rows::BIGINT AS {TOOL_ROWS}"
        )
        rows = "records r"
    else:
        source = (
            "r.rowid AS id, 0::BIGINT AS customer_id, 'bulk' AS period, m.offering, "
            "r.t_at AT TIME ZONE 'UTC' AS event_time"
        )
        rows = "records r JOIN models m USING (model)"
    conn.info[MARKS_TOOLS] = compiled
    raw.execute(
        f"""CREATE {"VIEW" if compiled else "TABLE"} usage_events AS SELECT {source},
            'priced' AS status, r.p - r.cr AS input_tokens, r.cr AS cache_read_tokens,
            0::BIGINT AS cache_write_tokens, r.c - r.r AS output_tokens,
            r.r AS reasoning_tokens, r.request AS request_params,
            NULL::VARCHAR AS token_kinds, NULL::VARCHAR AS price_context
        FROM {rows} WHERE r.fast{kept}"""
    )
    if compiled:
        # the reader's own rows of the tools (of the files in ``records``)
        where = " WHERE event_pk NOT IN (SELECT id FROM redo)" if redo else ""
        raw.execute(f"CREATE VIEW usage_tool_calls AS SELECT * FROM tool_calls_read{where}")
    else:
        raw.execute(
            f"""CREATE TABLE usage_tool_calls AS SELECT id AS event_pk, k AS tool,
                json_extract_string(tools, '$."' || k || '"')::BIGINT AS calls
            FROM (SELECT r.rowid AS id, r.tools, unnest(json_keys(r.tools)) AS k
                  FROM {rows} WHERE r.fast AND r.tools IS NOT NULL{kept})"""
        )
    (events,) = raw.execute("SELECT count(*) FROM usage_events").fetchone()
    if not events:
        return None
    # here for start-up time: only this engine path needs it
    from sqlalchemy import literal_column

    return rate_scope(
        conn,
        [literal_column("usage_events.period") == "bulk"],
        catalog,
        offerings=sorted(set(resolved.values())),
    )


#: a fast record written back as the JSON it was read from (every member that can change
#: its price: the model, the time, the counts, the tools and the request)
_REBUILT = (
    '\'{"model": \' || model || \', "timestamp": \' || ts || \', "usage": {"prompt_tokens": \' '
    '|| p || \', "completion_tokens": \' || c || \', "prompt_tokens_details": '
    '{"cached_tokens": \' || cr || \'}, "completion_tokens_details": {"reasoning_tokens": \' '
    "|| r || '}' || coalesce(', \"tool_usage\": ' || tools, '') || '}' "
    "|| coalesce(', \"request\": ' || request, '') || '}'"
)


def _offering_key(model: Any, catalog: Catalog) -> str | None:
    """The offering a fast record's model names, or None: the exact path then reads the
    record (and says why it cannot be priced, when it cannot)."""
    if not isinstance(model, str) or not model.strip() or len(model) > MAX_ID_CHARS:
        return None
    try:
        offering = catalog.resolve(model)
    except Exception:
        return None  # unknown or ambiguous: the exact path says why
    try:
        compile_offering(offering, _events_cols(), _params())
    except NotCompilableError:
        return None
    return offering.key


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
