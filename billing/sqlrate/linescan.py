"""A strict reader of usage records in JSON Lines, compiled to machine code by numba: the
fast path of ``ratecard price --engine duckdb`` (billing.sqlrate.files).

It reads only records of one narrow shape, the OpenAI-style usage the fast path rates, and
reads each exactly: a line it accepts is JSON that Python's reader reads as the same
members with the same values. Any line it does not accept is marked for the Python
calculator, which reads it (and says why it cannot be priced, when it cannot). So the
reader never has to be lenient or complete: it has to be right about what it accepts.

A line is accepted (:data:`FAST`) when it is, byte for byte:

- one JSON object, with spaces or tabs around its tokens, optionally followed by ``\\r``
  (a CRLF line end); every string printable ASCII without ``\\`` (so no escape, no control
  character, nothing for a decoder to disagree on);
- with no key but those of :data:`TOP`, :data:`USAGE` and the two details objects, none
  repeated at any level;
- ``model`` a string and ``timestamp`` one of the timestamps of :func:`_timestamp`;
  ``id`` and ``customer`` a string or null; ``endpoint`` null, ``"chat.completions"`` or
  ``"completions"``; all of them at most billing.records.MAX_ID_CHARS characters;
- ``usage`` an object: ``prompt_tokens`` and ``completion_tokens`` counts; ``total_tokens``
  null or their sum; ``prompt_tokens_details`` ``{"cached_tokens": N}`` and
  ``completion_tokens_details`` ``{"reasoning_tokens": N}``, N null or a count at most the
  prompt (completion) tokens; ``tool_usage`` null or an object of counts, names of 1 to
  billing.records.MAX_TOOL_CHARS characters, none repeated, at most 32 of them;
- ``request`` null or an object of strings, ``true``, ``false`` and ``null``, names of 1 to
  MAX_ID_CHARS characters, none repeated, at most 32 of them;
- a count is a JSON integer literal from 0 to 10¹⁵ (billing.shapes.counts.MAX_COUNT): no
  sign, fraction, exponent or leading zero;
- shorter than billing.records.MAX_RECORD_CHARS with its line end.

Lines are split at ``\\n`` only; a file holding a ``\\r`` that does not end a line (Python's
reader splits lines there too) or a NUL byte is flagged (:data:`LONE_CR`, :data:`NUL`) and
read by Python whole. An empty line (or a lone ``\\r\\n``) is :data:`EMPTY`, not a record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from ..records import MAX_COUNT, MAX_ID_CHARS, MAX_RECORD_CHARS, MAX_TOOL_CHARS

_F = TypeVar("_F", bound=Callable[..., Any])

#: what :func:`scan_lines` says of a line
EMPTY, FAST, SLOW = 0, 1, 2
#: what :func:`scan_lines` says of the bytes it read (bits of its second result)
NUL, LONE_CR = 1, 2

#: the columns of ``ints``: counts, the time (seconds since 1970-01-01 UTC), the number of
#: names in ``tool_usage`` and the row of ``items`` its first name is in
PROMPT, COMPLETION, CACHED, REASONING, EPOCH, TOOL_NAMES, TOOL_FIRST = range(7)
#: the columns of ``spans``: start and end (exclusive) of a member's JSON text in the
#: buffer, or -1 and -1 when absent or null
MODEL, TS, REQUEST, TOOLS = 0, 2, 4, 6

# billing.records' limits, written out: numba keeps a compiled function on disk until this
# file changes, so a limit changed there must fail here (below) rather than go unseen
_MAX_COUNT = 10**15
_MAX_ID = 200
_MAX_TOOL = 100
_MAX_RECORD = 1024 * 1024
if (_MAX_COUNT, _MAX_ID, _MAX_TOOL, _MAX_RECORD) != (
    MAX_COUNT,
    MAX_ID_CHARS,
    MAX_TOOL_CHARS,
    MAX_RECORD_CHARS,
):  # pragma: no cover - a guard on the constants
    raise RuntimeError("billing.sqlrate.linescan: update its limits to billing.records'")
MAX_NAMES = 32  # members of a request or tool_usage object read here; more: slow


def _native(*, inline: bool = False) -> Callable[[_F], _F]:
    """The decorator of the reader's functions (``inline``: numba inlines each call):
    compiled once and cached on disk, run without the GIL, and without numba's reference
    counting of arrays (``_nrt=False``), so they cannot allocate. Counting each array handed
    from one helper to the next (and each row view) cost a third of the read: 378 against
    240 ns a line (tests/bench/bench_price_files.py's lines, one core)."""
    # _nrt is a flag numba's typing stubs leave out
    options: dict[str, Any] = {"cache": True, "nogil": True, "_nrt": False}
    return cast(Callable[[_F], _F], njit(inline="always" if inline else "never", **options))


#: the keys read, in this order: their index is their bit in a level's ``seen`` mask
TOP = ("id", "customer", "model", "timestamp", "endpoint", "request", "usage")
USAGE = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_tokens_details",
    "completion_tokens_details",
    "tool_usage",
)
_CHAT = np.frombuffer(b'"chat.completions"', dtype=np.uint8)
_NULL, _TRUE, _FALSE = (np.frombuffer(w, dtype=np.uint8) for w in (b"null", b"true", b"false"))
_COMPLETIONS = np.frombuffer(b'"completions"', dtype=np.uint8)


#: each key's length with its quotes
_TOP_LENGTHS = np.array([len(k) + 2 for k in TOP], dtype=np.int64)
_USAGE_LENGTHS = np.array([len(k) + 2 for k in USAGE], dtype=np.int64)

#: a key compared 8 bytes at a time: at most this many words (the longest key, quoted,
#: is 27 bytes)
_WORDS = 4


def _words(keys: tuple[str, ...]) -> tuple[Any, Any]:
    """Each quoted key as :data:`_WORDS` little-endian 64-bit words, and the masks of its
    bytes in them."""
    words = np.zeros((len(keys), _WORDS), dtype=np.uint64)
    masks = np.zeros((len(keys), _WORDS), dtype=np.uint64)
    for k, key in enumerate(keys):
        data = f'"{key}"'.encode()
        if len(data) > 8 * _WORDS:  # pragma: no cover - a guard on the tables
            raise RuntimeError(f"billing.sqlrate.linescan: key {key!r} too long")
        padded = data.ljust(8 * _WORDS, b"\0")
        ones = (b"\xff" * len(data)).ljust(8 * _WORDS, b"\0")
        for j in range(_WORDS):
            words[k, j] = int.from_bytes(padded[8 * j : 8 * j + 8], "little")
            masks[k, j] = int.from_bytes(ones[8 * j : 8 * j + 8], "little")
    return words, masks


_TOP_WORDS, _TOP_MASKS = _words(TOP)
_USAGE_WORDS, _USAGE_MASKS = _words(USAGE)
#: the key of each details object's one member, with its length quoted
DETAILS = ("cached_tokens", "reasoning_tokens")
_DETAIL_WORDS, _DETAIL_MASKS = _words(DETAILS)
_DETAIL_LENGTHS = np.array([len(k) + 2 for k in DETAILS], dtype=np.int64)


def _load8_typed(typingctx: Any, arr: Any, idx: Any) -> Any:
    """The 8 bytes of the uint8 array ``arr`` from ``idx`` as a little-endian uint64 (an
    unaligned load: the caller keeps ``idx + 8`` within the array)."""
    sig = types.uint64(arr, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        return builder.load(builder.bitcast(ptr, ir.IntType(64).as_pointer()), align=1)

    return sig, codegen


#: ``_load8(arr, idx)`` in compiled code (:func:`_load8_typed`)
_load8: Any = intrinsic(_load8_typed)


def _ctz_typed(typingctx: Any, x: Any) -> Any:
    """The number of trailing zero bits of the uint64 ``x`` (not 0)."""
    sig = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return sig, codegen


#: ``_ctz(x)`` in compiled code (:func:`_ctz_typed`)
_ctz: Any = intrinsic(_ctz_typed)


@_native(inline=True)
def _is_key(buf: Any, s: int, e: int, words: Any, masks: Any, k: int, length: int) -> bool:
    """Whether ``buf`` holds quoted key ``k`` of ``words`` (``length`` bytes) at ``s``."""
    if s + length > e:
        return False
    if s + 8 * _WORDS <= e:
        for j in range(_WORDS):  # noqa: SIM110 (numba compiles a loop, not a generator)
            if (_load8(buf, s + 8 * j) & masks[k, j]) != words[k, j]:
                return False
        return True
    for j in range(length):  # near the end of the piece: byte by byte
        if np.uint64(buf[s + j]) != (words[k, j // 8] >> np.uint64(8 * (j % 8))) & np.uint64(255):
            return False
    return True


#: the top-level keys by their first letter (each letter is one key's)
_TOP_BY_LETTER = np.full(256, -1, dtype=np.int64)
for _k, _name in enumerate(TOP):
    _TOP_BY_LETTER[ord(_name[0])] = _k
if len({k[0] for k in TOP}) != len(TOP):  # pragma: no cover - a guard on the table
    raise RuntimeError("billing.sqlrate.linescan: two top-level keys with one first letter")


@_native(inline=True)
def _ws(buf: Any, i: int, e: int) -> int:
    while i < e and (buf[i] == 32 or buf[i] == 9):
        i += 1
    return i


_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_QUOTES = np.uint64(0x2222222222222222)
_BACKSLASHES = np.uint64(0x5C5C5C5C5C5C5C5C)


@_native(inline=True)
def _special8(x: Any) -> Any:
    """The high bit of each of the 8 bytes of ``x`` that is ``"``, ``\\``, below 0x20 or
    above 0x7E, and maybe of bytes after such a byte (a borrow or carry from it); the
    lowest bit set is always the first such byte's."""
    q = x ^ _QUOTES
    b = x ^ _BACKSLASHES
    low = x - _ONES * np.uint64(0x20)  # a byte below 0x20 borrows into its high bit
    high = x + _ONES * np.uint64(0x01)  # 0x7F and above set the high bit
    return (((q - _ONES) & ~q) | ((b - _ONES) & ~b) | (low & ~x) | high | x) & _HIGH


@_native(inline=True)
def _string(buf: Any, i: int, e: int) -> int:
    """The end of the string starting at ``i`` (after its closing quote), or -1: printable
    ASCII but ``\\``, read 8 bytes at a time: the first special byte is the closing quote
    or the string is refused."""
    if i >= e or buf[i] != 34:
        return -1
    i += 1
    while i + 8 <= e:
        bad = _special8(_load8(buf, i))
        if bad:
            i += int(_ctz(bad)) >> 3
            return i + 1 if buf[i] == 34 else -1
        i += 8
    while i < e:  # the last bytes of the piece
        b = buf[i]
        if b == 34:
            return i + 1
        if b < 32 or b == 92 or b > 126:
            return -1
        i += 1
    return -1


@_native(inline=True)
def _same(buf: Any, s: int, e: int, ref: Any, rs: int, re: int) -> bool:
    """Whether ``buf[s:e]`` and ``ref[rs:re]`` hold the same bytes (8 at a time, never
    reading past either range)."""
    if e - s != re - rs:
        return False
    k = 0
    while k + 8 <= e - s:
        if _load8(buf, s + k) != _load8(ref, rs + k):
            return False
        k += 8
    while k < e - s:
        if buf[s + k] != ref[rs + k]:
            return False
        k += 1
    return True


@_native()
def _top_key(buf: Any, s: int, e: int) -> int:
    """The index in :data:`TOP` of the key at ``buf[s]`` (a quoted string ending before
    ``e``), or -1: the key is told by its first letter and compared whole, closing quote
    included."""
    if s + 1 >= e:
        return -1
    k = _TOP_BY_LETTER[buf[s + 1]]
    if k >= 0 and _is_key(buf, s, e, _TOP_WORDS, _TOP_MASKS, k, _TOP_LENGTHS[k]):
        return int(k)
    return -1


@_native()
def _usage_key(buf: Any, s: int, e: int) -> int:
    """The index in :data:`USAGE` of the key at ``buf[s]``, as :func:`_top_key`; the details
    keys are told from the counts by the ``_`` where ``prompt_tokens`` (or
    ``completion_tokens``) would close its quote, ``total_tokens`` from ``tool_usage`` by
    its third letter."""
    if s + 1 >= e:
        return -1
    b = buf[s + 1]
    if b == 112:  # p
        p = s + _USAGE_LENGTHS[0] - 1
        k = 3 if p < e and buf[p] == 95 else 0
    elif b == 99:  # c
        p = s + _USAGE_LENGTHS[1] - 1
        k = 4 if p < e and buf[p] == 95 else 1
    elif b == 116:  # t
        k = 2 if s + 3 < e and buf[s + 3] == 116 else 5
    else:
        return -1
    if _is_key(buf, s, e, _USAGE_WORDS, _USAGE_MASKS, k, _USAGE_LENGTHS[k]):
        return k
    return -1


@_native()
def _count(buf: Any, i: int, e: int, out: Any) -> int:
    """Read a count at ``i`` into ``out[0]``; the end, or -1."""
    if i >= e:
        return -1
    b = buf[i]
    if b == 48:
        out[0] = 0
        return i + 1
    if b < 49 or b > 57:
        return -1
    v = 0
    n = 0
    while i < e and 48 <= buf[i] <= 57:
        n += 1
        if n > 16:
            return -1
        v = v * 10 + (buf[i] - 48)
        i += 1
    if v > _MAX_COUNT:
        return -1
    out[0] = v
    return i


@_native(inline=True)
def _word(buf: Any, i: int, e: int, word: Any) -> bool:
    """Whether ``buf`` holds the bytes of ``word`` at ``i`` (ending before ``e``)."""
    n = word.shape[0]
    return i + n <= e and _same(buf, i, i + n, word, 0, n)


@_native()
def _null(buf: Any, i: int, e: int) -> bool:
    return _word(buf, i, e, _NULL)


@_native()
def _literal(buf: Any, i: int, e: int) -> int:
    """The end of ``true``, ``false`` or ``null`` at ``i``, or -1."""
    for word in (_NULL, _TRUE, _FALSE):
        if _word(buf, i, e, word):
            return i + int(word.shape[0])
    return -1


@_native()
def _digits(buf: Any, i: int, n: int) -> int:
    v = 0
    for k in range(n):
        b = buf[i + k]
        if b < 48 or b > 57:
            return -1
        v = v * 10 + (b - 48)
    return v


@_native()
def _days(y: int, m: int, d: int) -> int:
    """Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m + 9 if m <= 2 else m - 3
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@_native()
def _timestamp(buf: Any, s: int, e: int, out: Any) -> bool:
    """Read the JSON string ``buf[s:e]`` as ``"YYYY-MM-DDTHH:MM:SS"`` (``T`` or a space),
    then ``Z``, ``+00`` or nothing (UTC), a real date and time from year 1 (no hour 24, no
    second 60), into ``out[0]`` as seconds since 1970-01-01 UTC."""
    n = e - s
    if n != 21 and n != 22 and n != 24:
        return False
    if buf[s + 5] != 45 or buf[s + 8] != 45 or buf[s + 14] != 58 or buf[s + 17] != 58:
        return False
    if buf[s + 11] != 84 and buf[s + 11] != 32:
        return False
    if n == 22 and buf[s + 20] != 90:
        return False
    if n == 24 and (buf[s + 20] != 43 or buf[s + 21] != 48 or buf[s + 22] != 48):
        return False
    y = _digits(buf, s + 1, 4)
    mo = _digits(buf, s + 6, 2)
    d = _digits(buf, s + 9, 2)
    h = _digits(buf, s + 12, 2)
    mi = _digits(buf, s + 15, 2)
    sec = _digits(buf, s + 18, 2)
    if y < 1 or mo < 1 or mo > 12 or d < 1 or h < 0 or h > 23 or mi < 0 or mi > 59:
        return False
    if sec < 0 or sec > 59:
        return False
    if mo == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        dim = 29 if leap else 28
    elif mo == 4 or mo == 6 or mo == 9 or mo == 11:
        dim = 30
    else:
        dim = 31
    if d > dim:
        return False
    out[0] = _days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
    return True


@_native(inline=True)
def _colon(buf: Any, i: int, e: int) -> int:
    """After a member's name (at ``i``): the start of its value, past the blanks, the ``:``
    and the blanks after it; or -1."""
    i = _ws(buf, i, e)
    if i >= e or buf[i] != 58:
        return -1
    return _ws(buf, i + 1, e)


@_native(inline=True)
def _member(buf: Any, i: int, e: int, seen: int, usage: bool) -> tuple[int, int]:
    """The member whose name starts at ``i``: its key's index in :data:`USAGE` (``usage``)
    or :data:`TOP`, and its value's start; ``(-1, -1)`` for an unknown key, one already in
    ``seen`` (a mask of key bits), or no ``:`` after it."""
    k = _usage_key(buf, i, e) if usage else _top_key(buf, i, e)
    if k < 0 or seen & (1 << k):
        return -1, -1
    j = _colon(buf, i + (_USAGE_LENGTHS[k] if usage else _TOP_LENGTHS[k]), e)
    return (k, j) if j >= 0 else (-1, -1)


@_native(inline=True)
def _after_value(buf: Any, i: int, e: int) -> tuple[int, int]:
    """After a member's value (at ``i``) and the blanks that follow: ``(1, the next member's
    start)`` at a ``,``; ``(0, just past it)`` at the ``}`` that ends the object; else
    ``(-1, -1)``."""
    i = _ws(buf, i, e)
    if i < e:
        if buf[i] == 44:
            return 1, _ws(buf, i + 1, e)
        if buf[i] == 125:
            return 0, i + 1
    return -1, -1


@_native()
def _distinct(buf: Any, names: Any, n: int) -> bool:
    for a in range(n):
        for b in range(a):
            if _same(buf, names[a, 0], names[a, 1], buf, names[b, 0], names[b, 1]):
                return False
    return True


@_native()
def _map(buf: Any, i: int, e: int, counts: bool, names: Any, tmp: Any) -> int:
    """An object of counts (``counts``) or of plain scalars, names distinct and of at most
    the allowed characters, starting at ``i``; its end, or -1. ``tmp[0]``: its names;
    ``names``: each name's start, end and (``counts``) count."""
    if i >= e or buf[i] != 123:
        return -1
    i = _ws(buf, i + 1, e)
    if i < e and buf[i] == 125:
        tmp[0] = 0
        return i + 1
    most = _MAX_TOOL if counts else _MAX_ID
    n = 0
    while True:
        j = _string(buf, i, e)
        if j < 0 or j - i - 2 < 1 or j - i - 2 > most or n == MAX_NAMES:
            return -1
        names[n, 0] = i
        names[n, 1] = j
        n += 1
        i = _colon(buf, j, e)
        if i < 0:
            return -1
        if counts:
            i = _count(buf, i, e, tmp)
            names[n - 1, 2] = tmp[0]
        elif i < e and buf[i] == 34:
            i = _string(buf, i, e)
        else:
            i = _literal(buf, i, e)
        if i < 0:
            return -1
        more, i = _after_value(buf, i, e)
        if more < 0:
            return -1
        if more == 0:
            break
    if not _distinct(buf, names, n):
        return -1
    tmp[0] = n
    return i


@_native()
def _details(buf: Any, i: int, e: int, key: int, tmp: Any) -> int:
    """``{"<key>": N}`` (``key``: an index in :data:`DETAILS`), N null (-1 in ``tmp[0]``) or
    a count; its end, or -1."""
    if i >= e or buf[i] != 123:
        return -1
    i = _ws(buf, i + 1, e)
    if not _is_key(buf, i, e, _DETAIL_WORDS, _DETAIL_MASKS, key, _DETAIL_LENGTHS[key]):
        return -1
    i = _colon(buf, i + _DETAIL_LENGTHS[key], e)
    if i < 0:
        return -1
    if _null(buf, i, e):
        tmp[0] = -1
        i += 4
    else:
        i = _count(buf, i, e, tmp)
        if i < 0:
            return -1
    i = _ws(buf, i, e)
    if i >= e or buf[i] != 125:
        return -1
    return i + 1


@_native()
def _usage(buf: Any, i: int, e: int, row: Any, spans: Any, names: Any, items: Any, tmp: Any) -> int:
    """The ``usage`` object at ``i`` into ``row`` (counts) and ``spans`` (tools); its end, or
    -1."""
    if i >= e or buf[i] != 123:
        return -1
    i = _ws(buf, i + 1, e)
    seen = 0
    total = -1
    while True:
        k, i = _member(buf, i, e, seen, True)
        if k < 0:
            return -1
        seen |= 1 << k
        if k == 0 or k == 1:
            i = _count(buf, i, e, tmp)
            if i < 0:
                return -1
            row[PROMPT if k == 0 else COMPLETION] = tmp[0]
        elif k == 2:
            if _null(buf, i, e):
                i += 4
            else:
                i = _count(buf, i, e, tmp)
                if i < 0:
                    return -1
                total = tmp[0]
        elif k == 3 or k == 4:
            i = _details(buf, i, e, k - 3, tmp)
            if i < 0:
                return -1
            if tmp[0] >= 0:
                row[CACHED if k == 3 else REASONING] = tmp[0]
        else:
            if _null(buf, i, e):
                i += 4
            else:
                j = _map(buf, i, e, True, names, tmp)
                if j < 0:
                    return -1
                spans[TOOLS] = i
                spans[TOOLS + 1] = j
                # each tool's name and count, kept (``names`` is used again by ``request``)
                first = tmp[1]
                for q in range(tmp[0]):
                    items[first + q, 0] = names[q, 0]
                    items[first + q, 1] = names[q, 1]
                    items[first + q, 2] = names[q, 2]
                row[TOOL_NAMES] = tmp[0]
                row[TOOL_FIRST] = first
                tmp[1] = first + tmp[0]
                i = j
        more, i = _after_value(buf, i, e)
        if more < 0:
            return -1
        if more == 0:
            break
    if (seen & 3) != 3:
        return -1
    if total >= 0 and total != row[PROMPT] + row[COMPLETION]:
        return -1
    if row[CACHED] > row[PROMPT] or row[REASONING] > row[COMPLETION]:
        return -1
    return i


@_native()
def _record(
    buf: Any, i: int, e: int, row: Any, spans: Any, names: Any, items: Any, tmp: Any
) -> int:
    """Read the record at ``i`` into ``row`` and ``spans``; the end of the object and the
    blanks after it (no further than ``e``), or -1. It never reads past a ``\\n``."""
    for k in range(7):
        row[k] = 0
    for k in range(8):
        spans[k] = -1
    i = _ws(buf, i, e)
    if i >= e or buf[i] != 123:
        return -1
    i = _ws(buf, i + 1, e)
    seen = 0
    while True:
        k, i = _member(buf, i, e, seen, False)
        if k < 0:
            return -1
        seen |= 1 << k
        if k == 0 or k == 1:  # id, customer
            if _null(buf, i, e):
                j = i + 4
            else:
                j = _string(buf, i, e)
                if j < 0 or j - i - 2 > _MAX_ID:
                    return -1
        elif k == 2:  # model
            j = _string(buf, i, e)
            if j < 0 or j - i - 2 > _MAX_ID:
                return -1
            spans[MODEL] = i
            spans[MODEL + 1] = j
        elif k == 3:  # timestamp
            j = _string(buf, i, e)
            if j < 0 or not _timestamp(buf, i, j, tmp):
                return -1
            row[EPOCH] = tmp[0]
            spans[TS] = i
            spans[TS + 1] = j
        elif k == 4:  # endpoint
            if _null(buf, i, e):
                j = i + 4
            else:
                j = _string(buf, i, e)
                if j < 0:
                    return -1
                if not (
                    _same(buf, i, j, _CHAT, 0, _CHAT.shape[0])
                    or _same(buf, i, j, _COMPLETIONS, 0, _COMPLETIONS.shape[0])
                ):
                    return -1
        elif k == 5:  # request
            if _null(buf, i, e):
                j = i + 4
            else:
                j = _map(buf, i, e, False, names, tmp)
                if j < 0:
                    return -1
                spans[REQUEST] = i
                spans[REQUEST + 1] = j
        else:  # usage
            j = _usage(buf, i, e, row, spans, names, items, tmp)
            if j < 0:
                return -1
        more, i = _after_value(buf, j, e)
        if more < 0:
            return -1
        if more == 0:
            break
    if (seen & 0b1001100) != 0b1001100:  # model, timestamp and usage
        return -1
    return _ws(buf, i, e)


@_native(inline=True)
def _intern(buf: Any, s: int, e: int, models: Any, slots: Any, d: int) -> int:
    """The number of the model text ``buf[s:e]`` among ``models`` (rows of start, end and
    hash of each distinct text, ``d`` of them, found through the open-addressing table
    ``slots``); a new text is added as number ``d``. -1 when ``models`` is full."""
    h = _hash(buf, s, e)
    mask = slots.shape[0] - 1
    slot = h & mask
    while slots[slot] >= 0:
        j = slots[slot]
        if models[j, 2] == h and _same(buf, s, e, buf, models[j, 0], models[j, 1]):
            return int(j)
        slot = (slot + 1) & mask
    if d == models.shape[0]:
        return -1
    models[d, 0] = s
    models[d, 1] = e
    models[d, 2] = h
    slots[slot] = d
    return d


@_native()
def scan_lines(
    buf: Any,
    lo: int,
    hi: int,
    kind: Any,
    bounds: Any,
    ints: Any,
    spans: Any,
    codes: Any,
    models: Any,
    slots: Any,
    items: Any,
    names: Any,
    tmp: Any,
) -> Any:
    """Read the lines of ``buf[lo:hi]`` (uint8; ``hi`` at a line end or the end of the
    buffer), at most as many as ``kind`` has rows. For line n: ``kind[n]`` (:data:`EMPTY`,
    :data:`FAST`, :data:`SLOW`), ``bounds[n]`` (its start and its end without the line
    end), and for a fast line its counts and time (``ints[n]``), members (``spans[n]``;
    a slow line's are -1) and model: ``codes[n]``, a row of ``models`` (start, end and a
    hash of each distinct model text, in order of first sight; -1 for a line that is not
    fast), numbered while the text is in the cache (``slots``: a power of two, at least
    twice the rows of ``models``); its tools are rows ``ints[n, TOOL_FIRST]`` on of ``items``
    (start and end of the name, count). Returns the number of lines read, the flags
    (:data:`NUL`, :data:`LONE_CR`), where it stopped (``hi`` when every line was read: it
    stops early when ``kind``, ``models`` or ``items`` is full), the number of distinct
    models and the rows of ``items`` used. ``names`` (:data:`MAX_NAMES` rows of 3 int64)
    and ``tmp`` (2 int64) are its working space: it allocates nothing (see :func:`_native`)."""
    tmp[0] = 0
    tmp[1] = 0
    slots[:] = -1
    d = 0
    last = -1
    flags = 0
    n = 0
    s = lo
    cap = kind.shape[0]
    while s < hi and n < cap and tmp[1] + MAX_NAMES <= items.shape[0]:
        # a fast line is read once: the parse stops at the first byte that is not its own
        # (it never crosses a \n), which must then be the line end
        used = tmp[1]
        e = _record(buf, s, hi, ints[n], spans[n], names, items, tmp)
        t = e
        if e >= 0 and e < hi and buf[e] == 13 and (e + 1 == hi or buf[e + 1] == 10):
            t += 1
        if e >= 0 and (t == hi or buf[t] == 10) and e - s < _MAX_RECORD:
            ms = spans[n, MODEL]
            me = spans[n, MODEL + 1]
            if last < 0 or not _same(buf, ms, me, buf, models[last, 0], models[last, 1]):
                last = _intern(buf, ms, me, models, slots, d)
                if last < 0:
                    tmp[1] = used
                    break  # models is full: the caller reads on from s
                if last == d:
                    d += 1
            codes[n] = last
            kind[n] = FAST
            bounds[n, 0] = s
            bounds[n, 1] = e
            n += 1
            s = t + 1
            continue
        # any other line: its end is the next \n, and its bytes are searched for \r and NUL
        tmp[1] = used  # the tools it may have read are not kept
        for k in range(8):
            spans[n, k] = -1
        t = s
        while t < hi and buf[t] != 10:
            t += 1
        e = t
        if e > s and buf[e - 1] == 13:
            e -= 1
        bounds[n, 0] = s
        bounds[n, 1] = e
        codes[n] = -1
        if e == s:
            kind[n] = EMPTY
        else:
            kind[n] = SLOW
            for p in range(s, e):
                b = buf[p]
                if b == 0:
                    flags |= NUL
                elif b == 13:
                    flags |= LONE_CR
        n += 1
        s = t + 1
    return n, flags, min(s, hi), d, tmp[1]


@njit(cache=True, nogil=True)
def gather(buf: Any, starts: Any, ends: Any) -> Any:
    """Arrow string layout of ``buf[starts[k]:ends[k]]`` for every k (empty where
    ``starts[k]`` is -1): int32 offsets (k + 1 of them) and the bytes."""
    n = starts.shape[0]
    offsets = np.empty(n + 1, dtype=np.int32)
    total = 0
    offsets[0] = 0
    for k in range(n):
        if starts[k] >= 0:
            total += ends[k] - starts[k]
        offsets[k + 1] = total
    data = np.empty(total, dtype=np.uint8)
    p = 0
    for k in range(n):
        for q in range(starts[k], ends[k]):
            data[p] = buf[q]
            p += 1
    return offsets, data


@_native(inline=True)
def _hash(buf: Any, s: int, e: int) -> int:
    """A cheap hash of ``buf[s:e]``: its length and its first and last 8 bytes (a full
    comparison follows every match)."""
    h = e - s
    for q in range(s, min(s + 8, e)):
        h = h * 31 + buf[q]
    for q in range(max(s, e - 8), e):
        h = h * 31 + buf[q]
    return h & 0x3FFFFFFFFFFFFFFF


@njit(cache=True, nogil=True)
def columns(
    n: int,
    kind: Any,
    bounds: Any,
    ints: Any,
    spans: Any,
    codes: Any,
    items: Any,
    first_id: int,
    other: int,
) -> Any:
    """The non-empty lines of a :func:`scan_lines` result (its first ``n`` rows) as
    contiguous columns, for Arrow to take as they are: ``fast`` (uint8), ``cols`` (rows:
    the id, ``first_id`` plus the line's first byte; the time in microseconds since
    1970-01-01 UTC; prompt, completion, cached and reasoning tokens), ``tool_rows`` (int16),
    ``model`` (int32: the line's model number, or ``other`` for a line that is not fast),
    the start and end of ``request`` (-1 when absent), ``rows`` (each line's row in the
    :func:`scan_lines` arrays, for the text of a line that is not fast), and the tools of
    the fast lines: ``tools`` (rows: the line's index here, its id, the count) and the
    start and end of each name (``names``)."""
    m = 0
    t = 0
    for k in range(n):
        if kind[k] != EMPTY:
            m += 1
        if kind[k] == FAST:
            t += ints[k, TOOL_NAMES]
    fast = np.empty(m, dtype=np.uint8)
    cols = np.empty((6, m), dtype=np.int64)
    tool_rows = np.empty(m, dtype=np.int16)
    model = np.empty(m, dtype=np.int32)
    request = np.empty((2, m), dtype=np.int64)
    rows = np.empty(m, dtype=np.int64)
    tools = np.empty((3, t), dtype=np.int64)
    names = np.empty((2, t), dtype=np.int64)
    j = 0
    t = 0
    for k in range(n):
        if kind[k] == EMPTY:
            continue
        rows[j] = k
        cols[0, j] = first_id + bounds[k, 0]
        if kind[k] == FAST:
            fast[j] = 1
            cols[1, j] = ints[k, EPOCH] * 1_000_000
            cols[2, j] = ints[k, PROMPT]
            cols[3, j] = ints[k, COMPLETION]
            cols[4, j] = ints[k, CACHED]
            cols[5, j] = ints[k, REASONING]
            tool_rows[j] = ints[k, TOOL_NAMES]
            model[j] = codes[k]
            request[0, j] = spans[k, REQUEST]
            request[1, j] = spans[k, REQUEST + 1]
            first = ints[k, TOOL_FIRST]
            for q in range(ints[k, TOOL_NAMES]):
                tools[0, t] = j
                tools[1, t] = cols[0, j]
                tools[2, t] = items[first + q, 2]
                names[0, t] = items[first + q, 0] + 1  # the name without its quotes
                names[1, t] = items[first + q, 1] - 1
                t += 1
        else:
            fast[j] = 0
            for c in range(1, 6):
                cols[c, j] = 0
            tool_rows[j] = 0
            model[j] = other
            request[0, j] = -1
            request[1, j] = -1
        j += 1
    return fast, cols, tool_rows, model, request, rows, tools, names
