"""``price --engine duckdb`` against the Python calculator, record kinds that could diverge.

DuckDB's JSON reader is more lenient than ratecard's (billing.records.loads): it casts
``"5"``, ``1.5``, ``true`` and ``1e3`` to integers, reads the first of two equal keys, drops
unknown keys, and accepts ``NaN`` and a comma before a closing bracket. Every such record
must come out of the bulk path exactly as ``ratecard price`` prices it: priced to the same
digits, or refused with the same reason. The reference is billing.priced.price_one, record
by record, summed here; nothing below is computed by the code under test.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.money import EXACT
from billing.priced import price_one
from billing.sqlrate import files
from billing.sqlrate.files import FileTextError, _reason, price_files

#: every test with each JSON Lines reader (tests/ratecard/conftest.py)
pytestmark = pytest.mark.usefixtures("jsonl_reader")

pytest.importorskip("duckdb")

MODELS = (
    "qwen3-5-4b",
    "empiriolabs/qwen3-5-flash",
    "empiriolabs/qwen3-5-flash:variant1",
    "no-such-model",
    " ",
)


def python_totals(lines: list[str]) -> dict[str, Any]:
    """What ``ratecard price`` (the Python calculator) gives for ``lines``, summed as the
    bulk result sums: per charge line, per failure reason, and the total."""
    priced = 0
    failed: dict[str, int] = {}
    by_line: dict[tuple[Any, ...], list[Any]] = {}
    total = Decimal(0)
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        # with its line end, as ``ratecard price`` reads a line (assert_same ends each one)
        result = price_one(text + "\n", number)
        if result.charge is None:
            reason = _reason(result.error or "")
            failed[reason] = failed.get(reason, 0) + 1
            continue
        priced += 1
        charge = result.charge
        total = EXACT.add(total, charge.total)
        for ln in charge.lines:
            key = (
                f"{charge.provider}/{charge.offering}",
                ln.price_version or "",
                ln.tier,
                ln.charge,
                ln.unit,
                ln.unit_price,
            )
            acc = by_line.setdefault(key, [0, 0, Decimal(0)])
            acc[0] += ln.quantity
            acc[1] += 1
            acc[2] = EXACT.add(acc[2], ln.amount)
    return {"priced": priced, "failed": failed, "lines": by_line, "total": total}


def bulk_totals(path: Path) -> dict[str, Any]:
    result = price_files([path])
    if path.suffix != ".parquet":  # the reader the test asked for read the file
        assert result.reader == files.READER
    lines = {k: v for k, v in result.lines.items() if v[0] or v[1]}
    return {
        "priced": result.priced,
        "failed": result.failed,
        "lines": lines,
        "total": result.total,
        "fast": result.fast,
    }


def assert_same(tmp_path: Path, lines: list[str], name: str = "usage.jsonl") -> dict[str, Any]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    want = python_totals(lines)
    got = bulk_totals(path)
    assert got["total"] == want["total"]
    assert got["priced"] == want["priced"]
    assert got["failed"] == want["failed"]
    assert got["lines"] == want["lines"]
    return got


def record(**usage: Any) -> dict[str, Any]:
    return {
        "id": "r",
        "customer": "acme",
        "model": "qwen3-5-4b",
        "timestamp": "2026-11-20T10:00:00Z",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 10, **usage},
    }


GOOD = json.dumps(record())
# Each bait differs from GOOD by one thing DuckDB reads leniently (or not at all); the comment
# says what the Python reader does with it.
BAIT = [
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": "1000"'),  # refused: a string
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": 1000.5'),  # refused: not whole
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": 1000.0'),  # priced: 1000
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": 1e3'),  # priced: 1000
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": true'),  # refused: a boolean
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": -0'),  # priced: 0
    GOOD.replace('"prompt_tokens": 1000', '"prompt_tokens": 1000, "prompt_tokens": 5'),  # twice
    GOOD.replace('"model": "qwen3-5-4b"', '"model": "qwen3-5-4b", "model": "qwen3-5-4b"'),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "audio_tokens": 3'),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "x": {"y": 1}'),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": 1010'),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": 1011'),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "total_tokens": null'),
    GOOD.replace('"id": "r"', '"id": "r", "foo": 1'),  # an unknown top-level key: priced
    GOOD.replace('"id": "r"', '"id": "r", "choices": [{"a": 1, "a": 2}]'),  # refused: twice
    GOOD.replace('"id": "r"', '"id": "r", "provider": "empiriolabs"'),
    GOOD.replace('"id": "r"', '"id": "r", "service_tier": "flex"'),
    GOOD.replace('"id": "r"', '"id": "r", "cost_usd": 0.5'),
    GOOD.replace('"id": "r"', '"id": "r", "x": NaN'),  # refused: NaN
    GOOD.replace('"id": "r"', '"id": 5'),  # refused: a number
    GOOD.replace('"id": "r"', '"id": null'),  # priced
    GOOD.replace('"customer": "acme"', '"customer": null'),  # priced
    GOOD.replace('"customer": "acme"', '"customer": 7'),  # refused
    GOOD.replace('"customer": "acme"', '"customer": "a\\u0000b"'),  # refused: NUL
    GOOD.replace('"customer": "acme"', '"customer": "' + "c" * 201 + '"'),  # refused: long
    GOOD.replace('"customer": "acme"', '"customer": "a\\"b"'),  # priced (escaped quote)
    GOOD.replace('"model": "qwen3-5-4b"', '"model": "qwen3-5-\\u0034b"'),  # priced: escape
    GOOD.replace('"model": "qwen3-5-4b"', '"model": "  "'),  # refused: blank
    GOOD.replace('"model": "qwen3-5-4b"', '"model": "no-such-model"'),  # refused: unknown
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T10:00:00+00:00"),  # priced
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20 10:00:00"),  # priced
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T10:00:00"),  # priced: UTC
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20 10:00:00+00"),  # priced
    GOOD.replace("2026-11-20T10:00:00Z", "20260-1-20T10:00:00Z"),  # refused
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T10:00:60Z"),  # refused
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T24:00:00Z"),  # refused
    GOOD.replace("2026-11-20T10:00:00Z", "2026-02-30T10:00:00Z"),  # refused
    GOOD.replace("2026-11-20T10:00:00Z", "0000-11-20T10:00:00Z"),  # refused: year 0
    GOOD.replace("2026-11-20T10:00:00Z", "0001-01-01T00:00:00Z"),  # refused: no price yet
    GOOD.replace("2026-11-20T10:00:00Z", "2024-02-29T10:00:00Z"),
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T10:00:00+00"),
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20 10:00:00Z"),
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20t10:00:00z"),  # priced
    GOOD.replace("2026-11-20T10:00:00Z", "2026-11-20T10:00:00.5Z"),  # priced
    GOOD.replace('"timestamp": "2026-11-20T10:00:00Z"', '"timestamp": 1795000000'),  # priced
    GOOD.replace('"timestamp": "2026-11-20T10:00:00Z"', '"timestamp": null'),  # priced
    GOOD.replace('"id": "r"', '"id": "r", "endpoint": "completions"'),
    GOOD.replace('"id": "r"', '"id": "r", "endpoint": "responses"'),
    GOOD.replace('"id": "r"', '"id": "r", "endpoint": null'),
    GOOD.replace("}}", ", }}"),  # refused: a comma before }
    GOOD.replace("}}", "},}"),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 1000}',
    ),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 1001}',
    ),  # refused: more than the prompt
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "prompt_tokens_details": '
        '{"cached_tokens": 1, "cached_tokens": 2}',
    ),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "prompt_tokens_details": {"cached_tokens": 1, "audio_tokens": 0}',
    ),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "prompt_tokens_details": {}'),
    GOOD.replace(
        '"completion_tokens": 10', '"completion_tokens": 10, "prompt_tokens_details": null'
    ),
    GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "prompt_tokens_details": 5'),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "completion_tokens_details": {"reasoning_tokens": 10}',
    ),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "completion_tokens_details": {"reasoning_tokens": 11}',
    ),
    GOOD.replace(
        '"completion_tokens": 10',
        '"completion_tokens": 10, "completion_tokens_details": {"reasoning_tokens": null}',
    ),
    GOOD.replace(
        '"completion_tokens": 10', '"completion_tokens": 10, "cache_creation_input_tokens": 5'
    ),
    GOOD.replace("1000", str(10**15)),  # priced: the largest count
    GOOD.replace("1000", str(10**15 + 1)),  # refused: implausible
    GOOD.replace("1000", "123456789012345678901234567890123"),  # refused: beyond 10^30
    '{"id": "r", "usage": ',  # not JSON
    "[1, 2]",
    "   ",  # blank: not a record
    "",
]
FLASH = {
    "id": "t",
    "model": "empiriolabs/qwen3-5-flash:variant1",
    "timestamp": "2026-11-20T10:00:00Z",
    "usage": {"prompt_tokens": 2000, "completion_tokens": 30},
}
FLASH_TEXT = json.dumps(FLASH)[:-2]  # without the closing "}}" of usage and the record
TOOL_BAIT = [
    FLASH_TEXT + ', "tool_usage": {"web_search": 2}}}',
    FLASH_TEXT + ', "tool_usage": {"web_search": 2, "code_interpreter": 1}}}',
    FLASH_TEXT + ', "tool_usage": {"web_search": "2"}}}',  # refused: a string
    FLASH_TEXT + ', "tool_usage": {"web_search": 2.5}}}',
    FLASH_TEXT + ', "tool_usage": {"web_search": 1000000000000000}}}',  # the largest count
    FLASH_TEXT + ', "tool_usage": {"web_search": 1000000000000001}}}',  # refused
    FLASH_TEXT + ', "tool_usage": {"web_search": -0}}}',
    FLASH_TEXT + ', "tool_usage": {"web_search": 2, "web_search": 3}}}',
    FLASH_TEXT + ', "tool_usage": {"web_search": 2,}}}',
    FLASH_TEXT + ', "tool_usage": {}}}',
    FLASH_TEXT + ', "tool_usage": null}}',
    FLASH_TEXT + ', "tool_usage": {"": 1}}}',
    FLASH_TEXT + ', "tool_usage": {"we\\"b": 1}}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": "true"}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "tool_web_search": false}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "temperature": 0.7}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "temperature": NaN}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "t": Infinity}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "n": 1e999}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "o": {"a": 1, "a": 2}}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "o": [1,]}}',
    FLASH_TEXT + '}, "request": {"tool_web_search": true, "s": "x\\u0000"}}',
    FLASH_TEXT + '}, "request": null}',
    FLASH_TEXT + '}, "request": []}',
]


def test_every_bait_priced_or_refused_as_python(tmp_path: Path) -> None:
    got = assert_same(tmp_path, [GOOD, *BAIT, *TOOL_BAIT])
    assert got["fast"] >= 10  # the plain records still take DuckDB's path


def test_each_bait_alone(tmp_path: Path) -> None:
    """One file per bait: a divergence cannot hide behind another record's."""
    for i, line in enumerate([*BAIT, *TOOL_BAIT]):
        assert_same(tmp_path, [line, GOOD], f"bait{i}.jsonl")


# GOOD is qwen3-5-4b (seed: input $0.04, output $0.07, cache read $0.02 per 1M tokens) with
# 1,000 prompt and 10 completion tokens: 1,000 x 0.04/10^6 + 10 x 0.07/10^6
# = 0.00004 + 0.0000007 = 0.0000407
GOOD_TOTAL = Decimal("0.0000407")
TWICE = "the key '{}' appears twice in one object; keep one."
# Each holds every member DuckDB finds in GOOD, with GOOD's values, and one more member
# (null, or a repeat of one found, equal to it): the fast path must see that the record,
# as DuckDB writes it, is longer than the members it found, and leave it to Python.
# Each with what Python makes of it (the price of the record alone, or its reason).
LENGTH_BAIT: list[tuple[str, Decimal | str]] = [
    # an unknown top-level key, null: Python ignores it, priced as GOOD
    (GOOD.replace('"id": "r"', '"id": "r", "x": null'), GOOD_TOTAL),
    # an unknown usage key, null: Python reads a null count as absent, priced as GOOD
    (GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "x": null'), GOOD_TOTAL),
    # an unknown details key, null, beside cached_tokens 1: input 999 x 0.04/10^6
    # + cache read 1 x 0.02/10^6 + output 0.0000007 = 0.00003996 + 0.00000002 + 0.0000007
    (
        GOOD.replace(
            '"completion_tokens": 10',
            '"completion_tokens": 10, "prompt_tokens_details": '
            '{"cached_tokens": 1, "audio_tokens": null}',
        ),
        Decimal("0.00004068"),
    ),
    # the same in completion_tokens_details (reasoning 1 of the 10 output tokens, all output)
    (
        GOOD.replace(
            '"completion_tokens": 10',
            '"completion_tokens": 10, "completion_tokens_details": '
            '{"reasoning_tokens": 1, "x": null}',
        ),
        GOOD_TOTAL,
    ),
    # a key repeated with the same value, at each level: refused
    (GOOD.replace('"id": "r"', '"id": "r", "id": "r"'), TWICE.format("id")),
    (
        GOOD.replace('"completion_tokens": 10', '"completion_tokens": 10, "completion_tokens": 10'),
        TWICE.format("completion_tokens"),
    ),
    (
        GOOD.replace(
            '"completion_tokens": 10',
            '"completion_tokens": 10, "prompt_tokens_details": '
            '{"cached_tokens": 1, "cached_tokens": 1}',
        ),
        TWICE.format("cached_tokens"),
    ),
    (GOOD[:-1] + ', "usage": ' + json.dumps(record()["usage"]) + "}", TWICE.format("usage")),
    # in the tool map and the request (a name with a comma is checked by json_keys)
    (
        FLASH_TEXT + ', "tool_usage": {"web_search": 2, "web_search": 2}}}',
        TWICE.format("web_search"),
    ),
    (
        FLASH_TEXT + ', "tool_usage": {"web_search": 1, "a,b": 1, "a,b": 1}}}',
        TWICE.format("a,b"),
    ),
    (
        FLASH_TEXT + '}, "request": {"tool_web_search": true, "tool_web_search": true}}',
        TWICE.format("tool_web_search"),
    ),
    (FLASH_TEXT + '}, "request": {"a,b": true, "a,b": true}}', TWICE.format("a,b")),
]
# GOOD written otherwise, each read by DuckDB's path: no space, tabs and spaces around every
# token, keys written with escapes (both readers decode them), a request string holding a
# comma and a colon.
GOOD_FORMS = [
    json.dumps(record(), separators=(",", ":")),
    GOOD.replace(": ", " :\t ").replace(", ", " ,  ").replace("{", "{ ").replace("}", " }"),
    GOOD.replace('"model"', '"mod\\u0065l"').replace('"prompt_tokens"', '"prompt_\\u0074okens"'),
    GOOD[:-1] + ', "request": {"a,b": "x,y:z"}}',
]


def test_a_record_longer_than_its_members_takes_the_exact_path(tmp_path: Path) -> None:
    for i, (line, want) in enumerate(LENGTH_BAIT):
        got = assert_same(tmp_path, [GOOD, line], f"longer{i}.jsonl")
        assert got["fast"] == 1, line  # GOOD alone
        if isinstance(want, Decimal):
            assert (got["total"], got["failed"]) == (GOOD_TOTAL + want, {}), line
        else:
            assert (got["total"], got["failed"]) == (GOOD_TOTAL, {want: 1}), line


def test_good_written_otherwise_takes_the_fast_path(tmp_path: Path, jsonl_reader: str) -> None:
    got = assert_same(tmp_path, GOOD_FORMS)
    # four times GOOD: 4 x 0.0000407 = 0.0001628 (the request names no fee of qwen3-5-4b);
    # the compiled reader leaves every escape to the exact path (the third form's keys)
    fast = 3 if jsonl_reader == "compiled" else 4
    assert (got["fast"], got["total"], got["failed"]) == (fast, Decimal("0.0001628"), {})


def test_a_line_longer_than_the_parallel_read_takes(tmp_path: Path) -> None:
    """DuckDB reads the lines on all cores only when none is longer than 4 MiB and a bit
    (billing.sqlrate.files._LINE_BYTES); a file with a longer line is read again, whole:
    the long line is refused by Python as too long, the others priced as ever."""
    long_line = '{"id": "long", "x": "' + "a" * (5 * 1024 * 1024) + '"}'
    got = assert_same(tmp_path, [GOOD, long_line, GOOD])
    # GOOD twice: 2 x 0.0000407 = 0.0000814; the long line refused (1 MiB: 1024 KiB)
    assert got["fast"] == 2
    assert got["total"] == Decimal("0.0000814")
    assert got["failed"] == {"the line is longer than N KiB; a usage record is not that long.": 1}


def test_the_same_records_as_parquet(tmp_path: Path) -> None:
    """Parquet rows become JSON text (nulls left out) and take the same checks."""
    import duckdb

    good = [GOOD, json.dumps(FLASH), TOOL_BAIT[0], TOOL_BAIT[10]]
    src = tmp_path / "src.jsonl"
    src.write_text("\n".join(good) + "\n")
    parquet = tmp_path / "usage.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM read_json('{src}', format = 'newline_delimited')) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    want = python_totals(good)
    got = bulk_totals(parquet)
    assert (got["total"], got["priced"], got["failed"]) == (want["total"], 4, {})
    assert got["fast"] == 4


_count = st.one_of(
    st.integers(0, 3_000_000),
    st.sampled_from([-1, 10**15, 10**15 + 1, 2**64]),
    st.sampled_from(['"5"', "1.5", "7.0", "true", "null", "1e3", "[1]", "{}"]).map(
        lambda t: json.loads(t) if t[0] in '[{"' else _Raw(t)
    ),
)


class _Raw:
    """A JSON literal written as is (1.5, true, 1e3), not as json.dumps would write it."""

    def __init__(self, text: str) -> None:
        self.text = text


def _dump(value: Any) -> str:
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@st.composite
def _record(draw: st.DrawFn) -> str:
    usage: dict[str, Any] = {
        "prompt_tokens": draw(_count),
        "completion_tokens": draw(_count),
    }
    if draw(st.booleans()):
        usage["prompt_tokens_details"] = {"cached_tokens": draw(_count)}
    if draw(st.booleans()):
        usage["completion_tokens_details"] = {"reasoning_tokens": draw(_count)}
    if draw(st.integers(0, 3)) == 0:
        usage["tool_usage"] = draw(
            st.dictionaries(st.sampled_from(["web_search", "code_interpreter", "x"]), _count)
        )
    if draw(st.integers(0, 4)) == 0:
        usage[draw(st.sampled_from(["total_tokens", "cache_creation_input_tokens", "zz"]))] = draw(
            _count
        )
    doc: dict[str, Any] = {
        "id": draw(st.sampled_from(["a", "b", 5, None])),
        "model": draw(st.sampled_from(MODELS)),
        "timestamp": draw(
            st.sampled_from(["2026-11-20T10:00:00Z", "2026-01-01T00:00:00Z", "2026-11-20", None])
        ),
        "usage": usage,
    }
    if draw(st.integers(0, 3)) == 0:
        doc["request"] = draw(
            st.dictionaries(
                st.sampled_from(["tool_web_search", "temperature"]),
                st.sampled_from([True, False, "true", None, _Raw("0.5"), _Raw("NaN")]),
            )
        )
    if draw(st.integers(0, 5)) == 0:
        doc[draw(st.sampled_from(["foo", "provider", "batch"]))] = draw(
            st.sampled_from([1, "empiriolabs", True, None])
        )
    text = _dump(doc)
    # text-level baits: a key repeated, a comma before a closing brace, no spaces
    bait = draw(st.integers(0, 9))
    if bait == 0:
        text = text.replace('"usage": {', '"usage": {"prompt_tokens": 1, ', 1)
    elif bait == 1:
        text = text[:-1] + ",}"
    elif bait == 2:
        text = text.replace(", ", ",").replace(": ", ":")
    return text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_record(), min_size=1, max_size=12))
def test_random_records_equal_python(tmp_path: Path, lines: list[str]) -> None:
    assert_same(tmp_path, lines)


# -- files DuckDB would read otherwise than Python (a review's findings, 2026-11-30) -------

#: a good record with a request value of each number form Python refuses or bounds, a line
#: of exactly the length limit (its line end makes it one too long), and lines DuckDB's
#: line reader would split (the byte 0x01) or cut (a string or an escape at the line end)
READER_BAIT = [
    GOOD[:-1] + ', "request": {"a": 0.5' + "0" * 30 + "}}",
    GOOD[:-1] + ', "request": {"a": 5' + "0" * 31 + "E-32}}",
    GOOD[:-1] + ', "request": {"a": 1.' + "0" * 79 + "}}",
    GOOD[:-1] + ', "request": {"a": 1e-400}}',
    GOOD[:-1] + ', "request": {"a": 0.5}}',
    GOOD[:-1] + " " * (1024 * 1024 - len(GOOD)) + "}",
    GOOD[:-1] + " " * (1024 * 1024 - len(GOOD) - 1) + "}",
    '{"id":"r',
    '{"id":"r\\',
]


def test_reader_baits_priced_or_refused_as_python(tmp_path: Path) -> None:
    got = assert_same(tmp_path, [GOOD, *READER_BAIT, GOOD])
    # the good records, the 0.5 request and the record one character under the limit
    assert got["priced"] == 4
    assert got["total"] == 4 * GOOD_TOTAL


@pytest.mark.parametrize(
    "line",
    [GOOD + "\x01", "\x01", "\x01" + GOOD, '{"id": "\x01"}'],
    ids=["after a record", "alone", "before a record", "inside a string"],
)
def test_a_line_with_the_byte_01_is_read_by_python(
    tmp_path: Path, line: str, jsonl_reader: str
) -> None:
    # DuckDB's line reader splits at 0x01 and would price the part before it: the whole
    # file is read by Python instead; the good record after it is still priced. The
    # compiled reader splits at \n alone: the line with 0x01 is Python's, GOOD its own.
    got = assert_same(tmp_path, [line, GOOD])
    assert got["priced"] == 1
    assert got["fast"] == (1 if jsonl_reader == "compiled" else 0)


def test_a_byte_order_mark_is_refused_in_the_first_record_as_python_does(
    tmp_path: Path,
) -> None:
    got = assert_same(tmp_path, ["\ufeff" + GOOD, GOOD])
    assert got["priced"] == 1  # the first record is refused ("Unexpected UTF-8 BOM")
    assert [reason for reason in got["failed"] if "BOM" in reason]


def test_a_nul_byte_refuses_the_file_as_python_does(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_text(GOOD + "\n" + GOOD + "\x00\n", encoding="utf-8")
    with pytest.raises(FileTextError, match="line 2 holds NUL bytes") as caught:
        price_files([path])
    assert not caught.value.usage


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(GOOD.replace("qwen3-5-4b", "qw\xe9n").encode("latin-1") + b"\n")
    with pytest.raises(FileTextError, match="not UTF-8 text") as caught:
        price_files([path])
    assert caught.value.usage


def test_a_name_is_read_as_it_is_not_as_a_glob(tmp_path: Path) -> None:
    # usage[1].jsonl as a glob would read usage1.jsonl (two records) instead
    (tmp_path / "usage[1].jsonl").write_text(GOOD + "\n", encoding="utf-8")
    (tmp_path / "usage1.jsonl").write_text(GOOD + "\n" + GOOD + "\n", encoding="utf-8")
    (tmp_path / "u*.jsonl").write_text(GOOD + "\n", encoding="utf-8")
    for name in ("usage[1].jsonl", "u*.jsonl"):
        got = bulk_totals(tmp_path / name)
        assert (got["priced"], got["total"]) == (1, GOOD_TOTAL)


def test_a_gz_suffix_is_not_a_compression(tmp_path: Path) -> None:
    import gzip

    plain = tmp_path / "plain.jsonl.gz"
    plain.write_text(GOOD + "\n", encoding="utf-8")
    assert bulk_totals(plain)["total"] == GOOD_TOTAL  # text, as Python reads it
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress((GOOD + "\n").encode()))
    with pytest.raises(FileTextError, match="not UTF-8 text"):
        price_files([packed])


def test_a_long_line_blank_at_first_is_a_record_as_ratecard_price_reads_it(
    tmp_path: Path,
) -> None:
    # a line of more than billing.records.MAX_RECORD_CHARS (1 MiB) characters whose first
    # MiB is spaces holds a record: ``ratecard price`` reads the first MiB of a long line
    # only, and once skipped such a line as blank; it is refused by its length, as the
    # bulk readers refuse it, never silently left out
    from ratecard.cli.common import read_json_lines

    pad = " " * (1024 * 1024 + 5)
    path = tmp_path / "long.jsonl"
    path.write_text(f"{GOOD}\n{pad}{GOOD}\n{pad}\n{GOOD}\n", encoding="utf-8")
    with path.open(encoding="utf-8") as stream:
        read = [(number, price_one(text, number)) for number, text in read_json_lines(stream)]
    assert [number for number, _priced in read] == [1, 2, 4]  # line 3 is blank
    too_long = "the line is longer than N KiB; a usage record is not that long."
    assert [_reason(p.error or "") for _n, p in read if p.charge is None] == [too_long]
    got = bulk_totals(path)
    assert (got["priced"], got["failed"]) == (2, {too_long: 1})
    assert got["total"] == 2 * GOOD_TOTAL


def test_a_last_line_longer_than_duckdbs_buffer_is_refused_not_dropped(tmp_path: Path) -> None:
    # DuckDB's CSV reader drops a last line longer than its buffer (16 x the 4 MiB line
    # limit: 64 MiB) without an error (duckdb/duckdb#25825): that line is a record
    # ``ratecard price`` refuses by its length, so the file is Python's to read
    long_line = "x" * (65 * 1024 * 1024)
    path = tmp_path / "last.jsonl"
    path.write_text(f"{GOOD}\n{long_line}", encoding="utf-8")
    got = bulk_totals(path)
    # GOOD once: 0.0000407; the long line refused (1 MiB: 1024 KiB)
    assert (got["priced"], got["total"]) == (1, GOOD_TOTAL)
    assert got["failed"] == {"the line is longer than N KiB; a usage record is not that long.": 1}


def test_a_lone_carriage_return_in_a_crlf_file_splits_the_line_as_python_does(
    tmp_path: Path,
) -> None:
    # Python's reader ends a line at a lone \r too; DuckDB's CSV reader, in a file of
    # \r\n line ends, dropped the byte after a lone \r (the "{" of the record there), so
    # the file is read by Python whole, as the compiled reader leaves it
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(f"{GOOD}\r\nx\r{GOOD}\r\n{GOOD}\r\n".encode())
    got = bulk_totals(path)
    # GOOD three times: 3 x 0.0000407 = 0.0001221; "x" is not JSON
    assert (got["priced"], got["total"]) == (3, Decimal("0.0001221"))
    assert got["failed"] == {"not valid JSON: Expecting value (line N, column N).": 1}


def test_blank_lines_are_not_counted_as_records_whichever_path_prices_them(
    tmp_path: Path,
) -> None:
    # lines of blanks only are not records (``ratecard price`` skips them); the compiled
    # reader hands them to the calculator, which counted them out, but with none of its
    # lines held (all priced in the read) the count of the records view overwrote that
    path = tmp_path / "blanks.jsonl"
    path.write_text(f"{GOOD}\n \n\t\n{GOOD}\n  \n", encoding="utf-8")
    result = price_files([path])
    # GOOD twice: 2 x 0.0000407 = 0.0000814; the 3 blank lines are no records
    assert (result.records, result.priced, result.total) == (2, 2, Decimal("0.0000814"))
    assert result.failed == {}


def test_a_failure_counts_under_one_reason_whatever_the_record_id(tmp_path: Path) -> None:
    # Python writes an id holding ' in double quotes (record "it's"): the reason is still
    # the sentence alone, as for any other id (DuckDB's reader hands the calculator a
    # record without its id when its model does not resolve)
    lines = [
        GOOD.replace('"qwen3-5-4b"', '"no-such-model"').replace('"id": "r"', f'"id": {rid}')
        for rid in ('"it\'s"', '"r"', '"a\\"b\'c"', "null")
    ]
    got = assert_same(tmp_path, lines)
    assert got["failed"] == {"unknown model 'no-such-model'.": 4}


class _Unloadable:
    """A meta path finder that fails the import of billing.sqlrate.lineread as numba can."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def find_spec(self, name: str, *_args: Any) -> None:
        if name == "billing.sqlrate.lineread":
            raise self.error


@pytest.mark.parametrize(
    "error",
    [
        ImportError("Numba needs NumPy 2.2 or less. Got NumPy 2.3."),
        RuntimeError("cannot cache function '_is_key': no locator available for file"),
    ],
    ids=["numpy", "no cache"],
)
def test_a_compiled_reader_that_cannot_load_leaves_the_files_to_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # numba installed but not loadable (beside a NumPy it does not support; or with no
    # place to keep its compiled code: a read-only install and no writable cache folder):
    # DuckDB's reader reads the files, as without numba, never an internal error
    import sys

    import billing.sqlrate

    monkeypatch.setattr(files, "READER", "auto")
    monkeypatch.setattr(files, "COMPILED_FROM_BYTES", 0)
    monkeypatch.delattr(billing.sqlrate, "lineread", raising=False)
    monkeypatch.delitem(sys.modules, "billing.sqlrate.lineread", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_Unloadable(error), *sys.meta_path])
    path = tmp_path / "usage.jsonl"
    path.write_text(GOOD + "\n", encoding="utf-8")
    result = price_files([path])
    assert (result.reader, result.priced, result.total) == ("duckdb", 1, GOOD_TOTAL)
