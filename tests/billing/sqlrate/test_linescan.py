"""The compiled JSON Lines reader (billing.sqlrate.linescan): a line it reads as fast holds
exactly what Python's reader reads, value for value; every other line is left to the
calculator. Whole files through ``price --engine duckdb`` are compared with the calculator
in tests/ratecard/test_price_bulk_exact.py (every test there runs with this reader too)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pytest.importorskip("numba")

from billing.sqlrate import linescan as ls  # noqa: E402
from tests.budget import examples  # noqa: E402
from tests.ratecard.test_price_bulk_exact import record as good  # noqa: E402


def arrays(rows: int, models: int = 64) -> tuple[Any, ...]:
    """What :func:`billing.sqlrate.linescan.scan_lines` writes into, for ``rows`` lines."""
    return (
        np.empty(rows, dtype=np.uint8),
        np.empty((rows, 2), dtype=np.int64),
        np.empty((rows, 7), dtype=np.int64),
        np.empty((rows, 8), dtype=np.int64),
        np.empty(rows, dtype=np.int32),
        np.empty((models, 3), dtype=np.int64),
        np.empty(4 * models, dtype=np.int64),
        np.empty((rows * 2 + 64, 3), dtype=np.int64),
        np.empty((ls.MAX_NAMES, 3), dtype=np.int64),
        np.empty(2, dtype=np.int64),
    )


def scan(text: str | bytes) -> tuple[list[dict[str, Any]], int]:
    """Every line of ``text`` as the reader says it: kind, bounds and, for a fast line,
    what it read; and the flags."""
    raw = text.encode() if isinstance(text, str) else text
    data = np.frombuffer(bytearray(raw), dtype=np.uint8)
    kind, bounds, ints, spans, codes, models, slots, items, names, tmp = arrays(len(data) + 1)
    n, flags, stop, distinct, _used = ls.scan_lines(
        data, 0, len(data), kind, bounds, ints, spans, codes, models, slots, items, names, tmp
    )
    assert stop == len(data)
    out = []
    for k in range(n):
        row: dict[str, Any] = {
            "kind": int(kind[k]),
            "text": bytes(data[bounds[k, 0] : bounds[k, 1]]),
        }
        if kind[k] == ls.FAST:
            row.update(
                prompt=int(ints[k, ls.PROMPT]),
                completion=int(ints[k, ls.COMPLETION]),
                cached=int(ints[k, ls.CACHED]),
                reasoning=int(ints[k, ls.REASONING]),
                epoch=int(ints[k, ls.EPOCH]),
            )
            s, e, _h = models[codes[k]]
            assert codes[k] < distinct and bytes(data[s:e]) == bytes(
                data[spans[k, ls.MODEL] : spans[k, ls.MODEL + 1]]
            )
            first, count = ints[k, ls.TOOL_FIRST], ints[k, ls.TOOL_NAMES]
            row["tool_items"] = {
                bytes(data[items[q, 0] + 1 : items[q, 1] - 1]).decode(): int(items[q, 2])
                for q in range(first, first + count)
            }
            for name, col in (
                ("model", ls.MODEL),
                ("ts", ls.TS),
                ("request", ls.REQUEST),
                ("tools", ls.TOOLS),
            ):
                s, e = spans[k, col], spans[k, col + 1]
                row[name] = None if s < 0 else bytes(data[s:e]).decode()
        out.append(row)
    return out, int(flags)


def one(line: str) -> dict[str, Any]:
    rows, _flags = scan(line + "\n")
    assert len(rows) == 1
    return rows[0]


GOOD = json.dumps(good())  # the record tests/ratecard/test_price_bulk_exact.py starts from


def test_a_plain_record_is_read_exactly() -> None:
    row = one(
        json.dumps(
            good(
                prompt_tokens_details={"cached_tokens": 200},
                completion_tokens_details={"reasoning_tokens": 4},
                tool_usage={"web_search": 2},
            )
            | {"request": {"tool_web_search": True}}
        )
    )
    # 2026-11-20T10:00:00Z: 20,777 days after 1970-01-01 (56 years with 14 leap days:
    # 56 x 365 + 14 = 20,454, then 323 days to 20 November) x 86,400 + 36,000 seconds
    assert row == {
        "kind": ls.FAST,
        "text": row["text"],
        "tool_items": {"web_search": 2},
        "prompt": 1000,
        "completion": 10,
        "cached": 200,
        "reasoning": 4,
        "epoch": 20_777 * 86_400 + 36_000,
        "model": '"qwen3-5-4b"',
        "ts": '"2026-11-20T10:00:00Z"',
        "request": '{"tool_web_search": true}',
        "tools": '{"web_search": 2}',
    }


def _swap(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


TS = '"2026-11-20T10:00:00Z"'
#: (line, what Python's reader does with it: "same" = fast and read as GOOD is, or the
#: epoch it reads, or "slow" = the reader must leave it to the calculator)
CASES: list[tuple[str, Any]] = [
    # the time
    (_swap(TS, '"2024-02-29T00:00:00Z"'), datetime(2024, 2, 29, tzinfo=UTC)),
    (_swap(TS, '"2000-02-29T00:00:00Z"'), datetime(2000, 2, 29, tzinfo=UTC)),
    (_swap(TS, '"0001-01-01T00:00:00Z"'), datetime(1, 1, 1, tzinfo=UTC)),
    (_swap(TS, '"9999-12-31T23:59:59Z"'), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    (_swap(TS, '"2026-11-20 10:00:00+00"'), datetime(2026, 11, 20, 10, tzinfo=UTC)),
    (_swap(TS, '"2026-11-20T10:00:00"'), datetime(2026, 11, 20, 10, tzinfo=UTC)),
    (_swap(TS, '"2023-02-29T00:00:00Z"'), "slow"),
    (_swap(TS, '"1900-02-29T00:00:00Z"'), "slow"),
    (_swap(TS, '"2026-04-31T00:00:00Z"'), "slow"),
    (_swap(TS, '"2026-11-20T24:00:00Z"'), "slow"),
    (_swap(TS, '"2026-11-20T10:60:00Z"'), "slow"),
    (_swap(TS, '"2026-11-20T10:00:60Z"'), "slow"),
    (_swap(TS, '"0000-01-01T00:00:00Z"'), "slow"),
    (_swap(TS, '"2026-11-20T10:00:00+01"'), "slow"),
    (_swap(TS, '"2026-11-20T10:00:00.5Z"'), "slow"),
    (_swap(TS, '"2026-11-20t10:00:00Z"'), "slow"),
    (_swap(TS, '"2026-13-20T10:00:00Z"'), "slow"),
    (_swap(TS, '"2026-11-20"'), "slow"),
    (_swap(TS, "null"), "slow"),
    # counts
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 0'), "same"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 01000'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": -0'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1e3'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1000.0'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": "1000"'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": true'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": null'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1000000000000000'), "same"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1000000000000001'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 9999999999999999'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 99999999999999999999'), "slow"),
    (_swap('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": 1010'), "same"),
    (_swap('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": 1011'), "slow"),
    (_swap('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": null'), "same"),
    # the details objects
    (_swap("10}", '10, "prompt_tokens_details": {"cached_tokens": null}}'), "same"),
    (_swap("10}", '10, "prompt_tokens_details": {"cached_tokens": 1000}}'), "same"),
    (_swap("10}", '10, "prompt_tokens_details": {"cached_tokens": 1001}}'), "slow"),
    (_swap("10}", '10, "prompt_tokens_details": {}}'), "slow"),
    (_swap("10}", '10, "prompt_tokens_details": null}'), "slow"),
    (_swap("10}", '10, "prompt_tokens_details": {"cached_tokens": 1, "x": 2}}'), "slow"),
    (_swap("10}", '10, "completion_tokens_details": {"reasoning_tokens": 11}}'), "slow"),
    (_swap("10}", '10, "completion_tokens_details": {"cached_tokens": 1}}'), "slow"),
    # keys: unknown, repeated, escaped, at each level
    (_swap('"id": "r"', '"id": "r", "provider": "x"'), "slow"),
    (_swap('"id": "r"', '"id": "r", "id": "r"'), "slow"),
    (_swap('"model": "qwen3-5-4b"', '"model": "qwen3-5-4b", "model": "qwen3-5-4b"'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1000, "prompt_tokens": 1000'), "slow"),
    (_swap('"prompt_tokens": 1000', '"prompt_tokens": 1000, "cache_write_tokens": 0'), "slow"),
    (_swap('"model"', '"mod\\u0065l"'), "slow"),
    (_swap('"model"', '"model "'), "slow"),
    (_swap('"model"', '"modelx"'), "slow"),
    (_swap('"usage"', '"usag"'), "slow"),
    (_swap('"prompt_tokens"', '"prompt_tokens_detail"'), "slow"),
    (_swap('"completion_tokens"', '"completion_tokens_x"'), "slow"),
    (_swap('"completion_tokens"', '"total_tokens"'), "slow"),
    # strings
    (_swap('"r"', '"' + "i" * 200 + '"'), "same"),
    (_swap('"r"', '"' + "i" * 201 + '"'), "slow"),
    (_swap('"qwen3-5-4b"', '"' + "m" * 201 + '"'), "slow"),
    (_swap('"r"', '"r\u00e9"'), "slow"),
    (_swap('"r"', '"r\\u00e9"'), "slow"),
    (_swap('"r"', '"r\t"'), "slow"),
    (_swap('"r"', "7"), "slow"),
    (_swap('"r"', "null"), "same"),
    (_swap('"acme"', "null"), "same"),
    (_swap('"qwen3-5-4b"', "null"), "slow"),
    (_swap('"id": "r", ', ""), "same"),
    # the endpoint
    (_swap('"id": "r"', '"id": "r", "endpoint": "chat.completions"'), "same"),
    (_swap('"id": "r"', '"id": "r", "endpoint": "completions"'), "same"),
    (_swap('"id": "r"', '"id": "r", "endpoint": null'), "same"),
    (_swap('"id": "r"', '"id": "r", "endpoint": "embeddings"'), "slow"),
    # tools and request
    (_swap("10}", '10, "tool_usage": {}}'), "same"),
    (_swap("10}", '10, "tool_usage": null}'), "same"),
    (_swap("10}", '10, "tool_usage": {"web_search": 1, "web_search": 1}}'), "slow"),
    (_swap("10}", '10, "tool_usage": {"": 1}}'), "slow"),
    (_swap("10}", '10, "tool_usage": {"' + "t" * 100 + '": 1}}'), "same"),
    (_swap("10}", '10, "tool_usage": {"' + "t" * 101 + '": 1}}'), "slow"),
    (_swap("10}", '10, "tool_usage": {"web_search": 1.0}}'), "slow"),
    (_swap("10}", '10, "tool_usage": {"web_search": "1"}}'), "slow"),
    (_swap("10}", '10, "tool_usage": [1]}'), "slow"),
    (GOOD[:-1] + ', "request": {"a": "x", "b": true, "c": false, "d": null}}', "same"),
    (GOOD[:-1] + ', "request": {}}', "same"),
    (GOOD[:-1] + ', "request": null}', "same"),
    (GOOD[:-1] + ', "request": {"a": 0.5}}', "slow"),
    (GOOD[:-1] + ', "request": {"a": {"b": 1}}}', "slow"),
    (GOOD[:-1] + ', "request": {"a": 1, "a": 1}}', "slow"),
    (GOOD[:-1] + ', "request": {"a": "\\n"}}', "slow"),
    (
        GOOD[:-1] + ', "request": {' + ", ".join(f'"k{i}": true' for i in range(32)) + "}}",
        "same",
    ),
    (
        GOOD[:-1] + ', "request": {' + ", ".join(f'"k{i}": true' for i in range(33)) + "}}",
        "slow",
    ),
    # layout
    (GOOD.replace(": ", ":").replace(", ", ","), "same"),
    (GOOD.replace(": ", "\t:\t").replace(", ", " \t, "), "same"),
    ("  \t" + GOOD + " \t ", "same"),
    (GOOD[:-1] + ",}", "slow"),
    (GOOD + GOOD, "slow"),
    (GOOD + " 1", "slow"),
    ("[" + GOOD + "]", "slow"),
    (GOOD[:-1], "slow"),
    ('{"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}', "slow"),
    ('{"model": "m", "timestamp": ' + TS + ', "usage": {"prompt_tokens": 1}}', "slow"),
    ('{"model": "m", "timestamp": ' + TS + "}", "slow"),
    ("{}", "slow"),
    ("   ", "slow"),
]


def seconds(when: datetime) -> int:
    """Whole seconds from 1970-01-01 UTC to ``when``."""
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86_400 + delta.seconds


def python_reads(line: str) -> dict[str, Any]:
    """What Python's reader finds in a line the compiled reader calls fast: every object's
    keys distinct, and the members (an independent reading of the same text)."""

    def distinct(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        assert len({k for k, _ in pairs}) == len(pairs), "a key repeated"
        return dict(pairs)

    doc = json.loads(line, object_pairs_hook=distinct)
    usage = doc["usage"]
    when = datetime.strptime(
        doc["timestamp"].replace("T", " ").removesuffix("Z").removesuffix("+00"),
        "%Y-%m-%d %H:%M:%S",
    )
    return {
        "prompt": usage["prompt_tokens"],
        "completion": usage["completion_tokens"],
        "cached": (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0,
        "reasoning": (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0,
        "epoch": seconds(when.replace(tzinfo=UTC)),
        "model": doc["model"],
        "request": doc.get("request"),
        "tools": usage.get("tool_usage"),
        "keys": set(doc) | set(usage),
    }


def assert_reads_as_python(line: str, row: dict[str, Any]) -> None:
    want = python_reads(line)
    for name in ("prompt", "completion", "cached", "reasoning", "epoch"):
        assert row[name] == want[name], (name, line)
    assert json.loads(row["model"]) == want["model"]
    assert (None if row["request"] is None else json.loads(row["request"])) == want["request"]
    assert (None if row["tools"] is None else json.loads(row["tools"])) == want["tools"]
    assert row["tool_items"] == (want["tools"] or {})  # the rows of usage_tool_calls
    known = set(ls.TOP) | set(ls.USAGE)
    assert want["keys"] <= known, line


@pytest.mark.parametrize("line, want", CASES, ids=range(len(CASES)))
def test_each_case(line: str, want: Any) -> None:
    row = one(line)
    if want == "slow":
        assert row["kind"] == ls.SLOW, line
        return
    assert row["kind"] == ls.FAST, line
    assert_reads_as_python(line, row)
    if isinstance(want, datetime):
        assert row["epoch"] == seconds(want)


def test_models_are_numbered_in_order_of_first_sight() -> None:
    a, b = GOOD, GOOD.replace('"qwen3-5-4b"', '"qwen3-5-flash"')
    c = GOOD.replace('"qwen3-5-4b"', '"qwen3-5-4c"')  # as long as a's, one byte apart
    text = "\n".join([a, b, a, "{}", c, b, a]) + "\n"
    data = np.frombuffer(bytearray(text.encode()), dtype=np.uint8)
    kind, bounds, ints, spans, codes, models, slots, items, names, tmp = arrays(10)
    n, _flags, stop, distinct, _used = ls.scan_lines(
        data, 0, len(data), kind, bounds, ints, spans, codes, models, slots, items, names, tmp
    )
    assert (n, stop, distinct) == (7, len(data), 3)
    assert list(codes[:n]) == [0, 1, 0, -1, 2, 1, 0]
    texts = [bytes(data[s:e]) for s, e, _h in models[:distinct]]
    assert texts == [b'"qwen3-5-4b"', b'"qwen3-5-flash"', b'"qwen3-5-4c"']
    # with room for two models the read stops before the third, where the caller goes on
    kind, bounds, ints, spans, codes, models, slots, items, names, tmp = arrays(10, models=2)
    n, _flags, stop, distinct, _used = ls.scan_lines(
        data, 0, len(data), kind, bounds, ints, spans, codes, models, slots, items, names, tmp
    )
    assert (n, distinct) == (4, 2)
    assert stop == text.index(c)


def test_lines_are_split_as_python_splits_them() -> None:
    text = GOOD + "\r\n\n" + GOOD + "\n   \n\r\n" + GOOD
    rows, flags = scan(text)
    # Python's reader (universal newlines): GOOD, "", GOOD, "   ", "", GOOD
    assert [r["kind"] for r in rows] == [ls.FAST, ls.EMPTY, ls.FAST, ls.SLOW, ls.EMPTY, ls.FAST]
    assert [r["text"] for r in rows] == [
        GOOD.encode(),
        b"",
        GOOD.encode(),
        b"   ",
        b"",
        GOOD.encode(),
    ]
    assert flags == 0


@pytest.mark.parametrize(
    "text, flag",
    [
        (GOOD + "\n" + GOOD.replace(", ", ",\r", 1) + "\n", ls.LONE_CR),
        (GOOD + "\r\r\n", ls.LONE_CR),
        (GOOD + "\n" + GOOD.replace('"r"', '"r\x00"') + "\n", ls.NUL),
    ],
    ids=["cr between tokens", "two cr", "nul in a string"],
)
def test_bytes_python_splits_or_refuses_are_flagged(text: str, flag: int) -> None:
    # a \r Python ends a line at, or a NUL (Python refuses the file): the caller reads the
    # file with Python whole
    rows, flags = scan(text)
    assert flags == flag
    # the line before is read as ever; the flagged line is Python's
    assert [r["kind"] for r in rows] == ([ls.SLOW] if len(rows) == 1 else [ls.FAST, ls.SLOW])


def test_a_long_line_is_left_to_python() -> None:
    # billing.records.MAX_RECORD_CHARS = 1 MiB characters, the line end included
    pad = " " * (1024 * 1024 - 1 - len(GOOD))
    assert one(GOOD + pad)["kind"] == ls.FAST
    assert one(GOOD + pad + " ")["kind"] == ls.SLOW


_name = st.sampled_from(["web_search", "code_interpreter", "x", "a,b", "tool_web_search"])
_value = st.one_of(
    st.integers(0, 10**15 + 2),
    st.sampled_from([True, False, None, "x", "", 0.5, -1, "é", [1], {}]),
)


@st.composite
def _line(draw: st.DrawFn) -> str:
    """A record near the fast shape: optional members, odd values, unknown keys, and any
    layout json.dumps can give."""
    usage: dict[str, Any] = {}
    for key in ls.USAGE:
        if draw(st.integers(0, 2)):
            if key.endswith("_details"):
                inner = "cached_tokens" if key.startswith("prompt") else "reasoning_tokens"
                usage[key] = draw(st.one_of(st.just({inner: draw(_value)}), _value))
            elif key == "tool_usage":
                usage[key] = draw(st.one_of(st.dictionaries(_name, _value, max_size=3), _value))
            else:
                usage[key] = draw(_value)
    doc: dict[str, Any] = {}
    for key in ls.TOP:
        if draw(st.integers(0, 3)):
            if key == "usage":
                doc[key] = usage
            elif key == "timestamp":
                doc[key] = draw(
                    st.sampled_from(
                        [
                            "2026-11-20T10:00:00Z",
                            "2024-02-29 23:59:59+00",
                            "2026-02-29T00:00:00",
                            None,
                        ]
                    )
                )
            elif key == "request":
                doc[key] = draw(st.one_of(st.dictionaries(_name, _value, max_size=3), _value))
            elif key == "endpoint":
                doc[key] = draw(st.sampled_from(["chat.completions", "completions", "x", None]))
            else:
                doc[key] = draw(st.one_of(st.sampled_from(["qwen3-5-4b", "acme"]), _value))
    if draw(st.integers(0, 5)) == 0:
        doc[draw(st.sampled_from(["foo", "provider", "Model"]))] = draw(_value)
    keys = draw(st.permutations(list(doc)))
    separators = draw(st.sampled_from([(", ", ": "), (",", ":"), (" ,\t", "\t: ")]))
    text = json.dumps({k: doc[k] for k in keys}, separators=separators)
    if draw(st.integers(0, 6)) == 0 and '"usage": {' in text:
        text = text.replace('"usage": {', '"usage": {"prompt_tokens": 1, ', 1)  # repeated
    return text


@settings(max_examples=examples(400), deadline=None)
@given(_line())
def test_a_fast_line_holds_what_python_reads(line: str) -> None:
    row = one(line)
    if row["kind"] == ls.FAST:
        assert_reads_as_python(line, row)


@settings(max_examples=examples(200), deadline=None)
@given(
    st.integers(0, 10**15),
    st.integers(0, 10**15),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([(", ", ": "), (",", ":")]),
)
def test_a_plain_record_is_always_fast(p: int, c: int, when: datetime, separators: Any) -> None:
    # the reader is only worth having if the records a provider writes take it
    doc = good()
    doc["usage"] = {"prompt_tokens": p, "completion_tokens": c}
    doc["timestamp"] = (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
        f"T{when.hour:02d}:{when.minute:02d}:{when.second:02d}Z"
    )
    row = one(json.dumps(doc, separators=separators))
    assert row["kind"] == ls.FAST
    assert_reads_as_python(json.dumps(doc), row)


def test_every_case_priced_or_refused_as_python(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cases through ``price --engine duckdb`` with this reader, against the calculator
    pytest.importorskip("duckdb")
    from billing.sqlrate import files
    from tests.ratecard.test_price_bulk_exact import assert_same

    monkeypatch.setattr(files, "READER", "compiled")
    got = assert_same(tmp_path, [line for line, _want in CASES])
    assert got["fast"] >= sum(1 for _line, want in CASES if want != "slow") - 2


def test_many_small_pieces_and_batches_priced_as_python(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pieces of a few lines, each thread's arrays used again for the next piece, and a
    # batch ended by a third model text: the rows of every batch are its own
    pytest.importorskip("duckdb")
    from billing.sqlrate import files, lineread
    from tests.ratecard.test_price_bulk_exact import MODELS, assert_same

    monkeypatch.setattr(files, "READER", "compiled")
    monkeypatch.setattr(lineread, "PIECE_BYTES", 700)
    monkeypatch.setattr(lineread, "MODELS", 2)
    lines = []
    for i in range(90):
        model = MODELS[i % 3]
        line = GOOD.replace('"qwen3-5-4b"', json.dumps(model)).replace("1000", str(i))
        lines.append(line if i % 7 else line.replace('"usage"', '"provider": "x", "usage"'))
    got = assert_same(tmp_path, lines)
    assert got["fast"] == sum(1 for i in range(90) if i % 7)


@pytest.mark.parametrize("byte", ['"', "\\", "\x1f", "\x7f", "\x80", "\u00e9", "\x00", "\t"])
def test_a_special_byte_anywhere_in_a_string_is_seen(byte: str) -> None:
    # strings are read 8 bytes at a time: a byte that ends or spoils a string is found at
    # every place in a word, and the bytes just inside the printable range are not
    for at in range(20):
        name = "m" * at + byte + "m" * (19 - at)
        assert one(_swap('"qwen3-5-4b"', '"' + name + '"'))["kind"] == ls.SLOW, (byte, at)
    for at in range(20):  # bytes no UTF-8 text holds: 0xFF carries out of its byte
        name = b"m" * at + b"\xff" + b"m" * (19 - at)
        line = _swap('"qwen3-5-4b"', '"@"').encode().replace(b"@", name)
        assert scan(line + b"\n")[0][0]["kind"] == ls.SLOW, at
    for edge in (" ", "~", "!", "}", "[", "#", "]"):
        for at in range(20):
            name = "m" * at + edge + "m" * (19 - at)
            row = one(_swap('"qwen3-5-4b"', json.dumps(name)))
            assert row["kind"] == ls.FAST, (edge, at)
            assert json.loads(row["model"]) == name


def test_a_key_near_the_end_of_the_buffer_is_read_byte_by_byte() -> None:
    # keys are compared 32 bytes at a time only where the buffer holds 32 more: the last
    # line of a buffer, without a line end, is read byte by byte at its end
    line = GOOD.replace(": ", ":").replace(", ", ",")
    rows, _flags = scan(line)
    assert rows[0]["kind"] == ls.FAST
    assert rows[0]["prompt"] == 1000
    rows, _flags = scan(line.replace('"completion_tokens"', '"completion_tokenz"'))
    assert rows[0]["kind"] == ls.SLOW


#: a record with every member the reader reads, and bytes a decoder may disagree on
_FULL = json.dumps(
    good(
        total_tokens=1010,
        prompt_tokens_details={"cached_tokens": 200},
        completion_tokens_details={"reasoning_tokens": 4},
        tool_usage={"web_search": 2, "code_interpreter": 0},
    )
    | {"endpoint": "completions", "request": {"tool_web_search": True, "size": "hd", "n": None}}
).encode()
_BYTES = [b"\r", b"\x00", b"\xff", b"\x0b", b"\x0c", b"\x1f", b"\x7f", b"\x80", b"\\", b'"']
_BYTES += ["\u2028".encode(), "\u00e9".encode(), "\ufeff".encode(), b"\t", b" ", b",", b"}"]


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_FULL)), st.sampled_from(_BYTES), st.integers(0, 2)),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([b"\n", b"\r\n", b""]),
)
def test_a_line_changed_byte_by_byte_is_fast_only_as_python_reads_it(
    edits: list[tuple[int, bytes, int]], end: bytes
) -> None:
    # any byte inserted, replaced or deleted anywhere: a line still read as fast holds
    # what Python reads (and is one line: a \r or NUL makes it Python's)
    line = _FULL
    for at, byte, how in edits:
        at = min(at, len(line))
        line = (
            line[:at] + byte + line[at:]
            if how == 0
            else line[:at] + byte + line[at + 1 :]
            if how == 1
            else line[:at] + line[at + 1 :]
        )
    rows, flags = scan(line + end)
    fast = [row for row in rows if row["kind"] == ls.FAST]
    for row in fast:
        assert row["text"] == line.rstrip(b"\r")
        assert_reads_as_python(line.decode("ascii"), row)
    if b"\x00" in line:
        assert not fast and flags & ls.NUL


def test_a_file_too_large_for_a_record_id_is_left_to_duckdb(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an id holds a record's byte offset in 40 bits (1 TiB): a larger file is DuckDB's
    from billing.sqlrate import files, lineread

    path = tmp_path / "usage.jsonl"
    path.write_text((GOOD + "\n") * 3)
    monkeypatch.setattr(files, "READER", "compiled")
    assert files._compiled_reader([path])
    monkeypatch.setattr(lineread, "FILE_IDS", path.stat().st_size)
    assert not files._compiled_reader([path])


def test_warming_loads_the_functions_a_read_runs(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # lineread.warm must call each compiled function with a read's argument types: any
    # other type would compile it again (11 s) instead of loading what a read runs
    pytest.importorskip("duckdb")
    from numba import typeof

    from billing.sqlrate import files, lineread

    calls: dict[str, set[tuple[Any, ...]]] = {"warm": set(), "read": set()}
    phase = ["warm"]
    for name in ("scan_lines", "columns", "gather"):
        compiled = getattr(ls, name)

        def recorded(*args: Any, _name: str = name, _f: Any = compiled) -> Any:
            calls[phase[0]].add((_name, *(typeof(a) for a in args)))
            return _f(*args)

        monkeypatch.setattr(ls, name, recorded)
    monkeypatch.setattr(files, "_warm_reader", lambda paths: None)
    lineread.warm()
    phase[0] = "read"
    monkeypatch.setattr(files, "READER", "compiled")
    path = tmp_path / "usage.jsonl"
    path.write_text(GOOD + "\n" + GOOD.replace('"usage"', '"request": {"r": "x"}, "usage"'))
    files.price_files([path])
    assert {c[0] for c in calls["read"]} == {"scan_lines", "columns", "gather"}
    assert calls["warm"] == calls["read"]


def test_the_calculators_thread_stops_when_told() -> None:
    # after an error or ^C in the rating, price_files sets the event and waits for the
    # thread: it must end at its next line, not price every line held
    import threading

    from billing.rating import bundled_catalog
    from billing.sqlrate.files import _price_lines

    held = [(0, [(i, GOOD + "\n") for i in range(50)])]
    catalog = bundled_catalog()
    assert _price_lines(held, catalog).exact == 50
    stop = threading.Event()
    stop.set()
    assert _price_lines(held, catalog, stop).exact == 0
