"""JSON Lines files into an Arrow table that DuckDB rates (billing.sqlrate.files), read by
the compiled reader of billing.sqlrate.linescan on all cores: the fast path of ``ratecard
price --engine duckdb`` when numba is installed (the ``duckdb`` extra).

Each file is cut into pieces of about :data:`PIECE_BYTES` at line ends. Worker threads read
the pieces (the compiled reader holds no lock) into their own buffers and turn each into
Arrow batches; the calling thread takes them in file order and meanwhile hands the lines
that are not fast to the caller, which prices them with the Python calculator. The table
has a row per non-empty line, in order, with what the rating statements read of a fast
record; the caller registers it with DuckDB and rates it through views.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import linescan as ls

#: the bytes of a file one thread reads at a time
PIECE_BYTES = 8 << 20
#: distinct model texts numbered in one batch (a batch ends early at this many)
MODELS = 4096
#: held while a model is resolved (the caller's cache of them is not shared safely) or the
#: findings written
_LOCK = threading.Lock()


@dataclass
class _Seen:
    """What the read found that the records table does not say."""

    apart: set[int] = field(default_factory=set)  #: files Python must read whole
    not_utf8: int | None = None  #: the first file holding a line that is not UTF-8


def _schema() -> Any:
    return pa.schema(
        [
            ("id", pa.int64()),
            ("fast", pa.bool_()),
            ("model", pa.dictionary(pa.int32(), pa.string())),
            ("t_at", pa.timestamp("us", tz="UTC")),
            ("p", pa.int64()),
            ("c", pa.int64()),
            ("cr", pa.int64()),
            ("r", pa.int64()),
            ("request", pa.string()),
            ("tool_rows", pa.int16()),
        ]
    )


def _tool_schema() -> Any:
    return pa.schema([("event_pk", pa.int64()), ("tool", pa.string()), ("calls", pa.int64())])


def _pieces(fd: int, size: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` byte ranges covering the open file ``fd`` (``size`` bytes), each ending
    after a ``\\n`` (or at the end of the file)."""
    out = []
    lo = 0
    while lo < size:
        hi = min(lo + PIECE_BYTES, size)
        if hi < size:
            nl = _next_newline(fd, hi, size)
            hi = size if nl < 0 else nl + 1
        out.append((lo, hi))
        lo = hi
    return out


def _next_newline(fd: int, start: int, size: int) -> int:
    """The offset of the first ``\\n`` at or after ``start``, or -1."""
    step = 1 << 16
    pos = start
    while pos < size:
        found = os.pread(fd, step, pos).find(b"\n")
        if found >= 0:
            return pos + found
        pos += step
    return -1


class _Scratch(threading.local):
    """A thread's buffer and arrays for :func:`billing.sqlrate.linescan.scan_lines`, used
    again for each piece (fresh ones cost page faults: about 5 ms a piece)."""

    def __init__(self) -> None:
        rows = PIECE_BYTES // 64 + 1024
        self.buf = np.empty(0, dtype=np.uint8)
        self.kind = np.empty(rows, dtype=np.uint8)
        self.bounds = np.empty((rows, 2), dtype=np.int64)
        self.ints = np.empty((rows, 7), dtype=np.int64)
        self.spans = np.empty((rows, 8), dtype=np.int64)
        self.codes = np.empty(rows, dtype=np.int32)
        self.models = np.empty((MODELS, 3), dtype=np.int64)
        self.slots = np.empty(4 * MODELS, dtype=np.int64)
        self.items = np.empty((rows // 4 + 64, 3), dtype=np.int64)
        self.names = np.empty((ls.MAX_NAMES, 3), dtype=np.int64)
        self.tmp = np.zeros(2, dtype=np.int64)

    def read(self, fd: int, lo: int, hi: int) -> Any:
        """The bytes ``lo`` to ``hi`` of the open file ``fd``, in this thread's buffer."""
        if self.buf.size < hi - lo:
            self.buf = np.empty(max(hi - lo, PIECE_BYTES + (1 << 20)), dtype=np.uint8)
        view = self.buf.data[: hi - lo]
        done = 0
        while done < hi - lo:
            got = os.preadv(fd, [view[done:]], lo + done)
            if got <= 0:
                raise OSError(f"the file ended at byte {lo + done} while it was read")
            done += got
        return self.buf[: hi - lo]


_SCRATCH = _Scratch()


def _piece(
    fi: int, fd: int, lo: int, hi: int, seen: _Seen, resolve: Callable[[str], str | None]
) -> tuple[list[tuple[Any, Any]], list[tuple[int, str]]]:
    """The Arrow batches (records, and their tools) of the lines of bytes ``lo`` to ``hi``
    of the open file ``fd``, and the id and text of each line that is not fast (in a
    worker thread)."""
    scratch = _SCRATCH
    slow: list[tuple[int, str]] = []
    out = _read_batches(fi, scratch.read(fd, lo, hi), lo, scratch, seen, resolve, slow)
    return out, slow


def _read_batches(
    fi: int,
    buf: Any,
    base: int,
    scratch: _Scratch,
    seen: _Seen,
    resolve: Callable[[str], str | None],
    slow: list[tuple[int, str]],
) -> list[tuple[Any, Any]]:
    """The Arrow batches of the lines in ``buf`` (file ``fi``'s bytes from ``base``), read
    with ``scratch``'s arrays; the lines that are not fast added to ``slow``."""
    out = []
    pos = 0
    while pos < len(buf):
        n, flags, pos, distinct, _items = ls.scan_lines(
            buf,
            pos,
            len(buf),
            scratch.kind,
            scratch.bounds,
            scratch.ints,
            scratch.spans,
            scratch.codes,
            scratch.models,
            scratch.slots,
            scratch.items,
            scratch.names,
            scratch.tmp,
        )
        if flags:
            with _LOCK:
                seen.apart.add(fi)
        out.append(
            _batch(
                fi,
                buf,
                base,
                (scratch.kind[:n], scratch.bounds[:n], scratch.ints[:n], scratch.spans[:n]),
                scratch.codes[:n],
                scratch.models[:distinct],
                scratch.items,
                seen,
                resolve,
                slow,
            )
        )
    return out


def _strings(buf: Any, starts: Any, ends: Any) -> Any:
    offsets, data = ls.gather(buf, starts, ends)
    valid = starts >= 0
    nulls = int(valid.size - np.count_nonzero(valid))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.StringArray.from_buffers(
        len(starts), pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls
    )


def _batch(
    fi: int,
    buf: Any,
    base: int,
    scanned: tuple[Any, Any, Any, Any],
    codes: Any,
    models: Any,
    items: Any,
    seen: _Seen,
    resolve: Callable[[str], str | None],
    slow: list[tuple[int, str]],
) -> tuple[Any, Any]:
    """The Arrow batches of the non-empty lines ``scanned`` in ``buf``, which holds the
    file's bytes from ``base``, and of their tools (``usage_tool_calls``); the id and text
    of each line that is not fast added to ``slow`` (with its line end as Python's reader
    gives it: ``\\n``, but for the last line of a file that has none)."""
    kind, bounds, ints, spans = scanned
    # the model's text, resolved once per distinct text; a record whose model does not
    # resolve is the calculator's (which says why); the lines that are not fast point to
    # an empty last entry
    texts = [bytes(buf[s:e]).decode() for s, e, _h in models]
    # one worker thread at a time resolves (and caches) a model; the calling thread prices
    # records meanwhile, which only reads the catalog
    with _LOCK:
        keys = [resolve(text) for text in texts]
    fast, cols, tool_rows, model, request, rows, tools, names = ls.columns(
        len(kind), kind, bounds, ints, spans, codes, items, base + fi * FILE_IDS, len(keys)
    )
    fast = fast.view(np.bool_)
    if None in keys:
        unresolved = np.array([key is None for key in keys] + [False])
        fast &= ~unresolved[model]
    for k in np.flatnonzero(~fast):  # the calculator's lines, which must be UTF-8 text
        start, end = bounds[rows[k]]
        try:
            text = bytes(buf[start:end]).decode("utf-8")
        except UnicodeDecodeError:
            with _LOCK:
                seen.not_utf8 = fi if seen.not_utf8 is None else min(fi, seen.not_utf8)
            break
        slow.append((int(cols[0, k]), text + "\n" if end < len(buf) else text))
    if None in keys and tools.shape[1]:  # the tools of records no longer fast go too
        kept = fast[tools[0]]
        tools, names = tools[:, kept], names[:, kept]
    tool_batch = pa.RecordBatch.from_arrays(
        [pa.array(tools[1]), _strings(buf, names[0], names[1]), pa.array(tools[2])],
        schema=_tool_schema(),
    )
    records = pa.RecordBatch.from_arrays(
        [
            pa.array(cols[0]),
            pa.array(fast),
            pa.DictionaryArray.from_arrays(
                pa.array(model), pa.array([key or "" for key in keys] + [""], pa.string())
            ),
            pa.Array.from_buffers(
                pa.timestamp("us", tz="UTC"), len(fast), [None, pa.py_buffer(cols[1])]
            ),
            pa.array(cols[2]),
            pa.array(cols[3]),
            pa.array(cols[4]),
            pa.array(cols[5]),
            _strings(buf, request[0], request[1]),
            pa.array(tool_rows),
        ],
        schema=_schema(),
    )
    return records, tool_batch


def _batches(
    files: Sequence[Path],
    threads: int,
    seen: _Seen,
    resolve: Callable[[str], str | None],
    on_slow: Callable[[int, list[tuple[int, str]]], None],
) -> Iterator[tuple[Any, Any]]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for fi, path in enumerate(files):
            fd = os.open(path, os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                work = pool.map(
                    lambda r, i=fi, f=fd: _piece(i, f, r[0], r[1], seen, resolve),
                    _pieces(fd, size),
                )
                for pairs, slow in work:
                    # the calculator's lines, while the threads read on
                    on_slow(fi, slow)
                    yield from pairs
            finally:
                os.close(fd)


def warm() -> None:
    """Load the compiled reader's machine code (numba's cache, or a compile the first
    time) by reading one line as a piece is read, with the argument types of a real read
    (other types would compile the functions again)."""
    line = (
        b'{"model": "m", "timestamp": "2026-01-01T00:00:00Z", "usage": {"prompt_tokens": 1, '
        b'"completion_tokens": 1, "tool_usage": {"t": 1}}, "request": {"r": true}}\n'
    )
    buf = np.frombuffer(bytearray(line), dtype=np.uint8)
    _read_batches(0, buf, 0, _Scratch(), _Seen(), lambda text: "m", [])


#: a record's ``id``: its file's index times this, plus its first byte's offset (so ids
#: follow file order; a file may hold up to 1 TiB)
FILE_IDS = 1 << 40
#: the ``fi`` and ``lo`` (its first byte) of a record, from its ``id``, in DuckDB's SQL
FILE_OF_ID = f"(id // {FILE_IDS})::INTEGER"
START_OF_ID = f"(id % {FILE_IDS})"


def read_records(
    raw: Any,
    files: Sequence[Path],
    resolve: Callable[[str], str | None],
    on_slow: Callable[[int, list[tuple[int, str]]], None],
    threads: int | None = None,
) -> tuple[_Seen, tuple[Any, Any]]:
    """Read ``files`` (JSON Lines) into an Arrow table registered on the DuckDB connection
    ``raw`` as ``ratecard_lines``: a row per non-empty line, in file order, with ``id``
    (:data:`FILE_IDS`: the file's index and the line's first byte), ``fast``, and for a
    fast record ``model`` (the offering key
    ``resolve`` gives the model's JSON text; a record whose model it gives None for is not
    fast), ``t_at`` (UTC), ``p``, ``c``, ``cr``, ``r`` (prompt, completion, cached and
    reasoning tokens), ``request`` (JSON text, NULL when absent or null) and ``tool_rows``
    (the names in its ``tool_usage``); and a table registered as ``ratecard_tools`` with a
    row per tool of a fast record: ``event_pk`` (its ``id``), ``tool``, ``calls``;
    a line that is not fast has only ``id`` and ``fast`` right. ``on_slow(fi, lines)`` gets
    the id and text of every line of file ``fi`` that is not fast (with its line end as
    Python's reader gives it), a piece at a time, in file order, while the next pieces
    are read. Returns the files Python must read whole (a NUL byte, a ``\\r`` that does not
    end a line), the first file with a line that is not UTF-8, if any (the caller refuses it),
    and the two tables (about 68 bytes a record; keep them while the connection reads
    them)."""
    seen = _Seen()
    pairs = list(_batches(files, threads or os.cpu_count() or 1, seen, resolve, on_slow))
    table = pa.Table.from_batches([p[0] for p in pairs], schema=_schema())
    tools = pa.Table.from_batches([p[1] for p in pairs], schema=_tool_schema())
    raw.register("ratecard_lines", table)
    raw.register("ratecard_tools", tools)
    return seen, (table, tools)
