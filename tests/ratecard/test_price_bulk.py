"""``ratecard price --engine duckdb FILE...``: usage exports priced in bulk by DuckDB, equal
to the Python calculator record for record, with every failure counted per reason."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from billing.priced import price_stream
from ratecard.cli import main

#: every test with each JSON Lines reader (tests/ratecard/conftest.py)
pytestmark = pytest.mark.usefixtures("jsonl_reader")

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "usage-2026-11.jsonl"


def _record(i: int, prompt: object, completion: object, **extra: object) -> str:
    doc = {
        "id": f"r{i}",
        "customer": "acme",
        "model": "qwen3-5-4b",
        "timestamp": "2026-11-20T10:00:00Z",
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
        **extra,
    }
    return json.dumps(doc)


def test_hand_computed_totals_and_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "usage.jsonl"
    lines = [
        _record(1, 1_000_000, 500_000),
        _record(2, 2_000, 0),
        _record(3, -5, 10),  # a negative count: fails, never priced 0
        "{not json",
        _record(4, 10, 10, model="no-such-model"),
        # tool counts that are not whole numbers, and a tool name with a quote: the Python
        # calculator judges them (the bulk path must not fail on them)
        _record(
            5,
            10,
            10,
            usage={"prompt_tokens": 1, "completion_tokens": 1, "tool_usage": {"web_search": "3"}},
        ),
        _record(
            6,
            10,
            10,
            usage={"prompt_tokens": 1, "completion_tokens": 1, "tool_usage": {'we"b': 1.5}},
        ),
    ]
    path.write_text("\n".join(lines) + "\n")
    code = main(["price", "--engine", "duckdb", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (doc["records"], doc["priced"]) == (7, 2)
    assert sum(doc["failed"].values()) == 5
    # qwen3-5-4b (seed): input 0.04 and output 0.07 per 1M tokens
    # input  1,000,000 + 2,000 = 1,002,000 × 0.04 / 10⁶ = 0.04008
    # output   500,000 + 0     =   500,000 × 0.07 / 10⁶ = 0.035
    # total 0.04008 + 0.035 = 0.07508
    assert doc["total"] == "0.07508"
    by_charge = {ln["charge"]: (ln["quantity"], ln["events"], ln["amount"]) for ln in doc["lines"]}
    assert by_charge == {"input": (1_002_000, 2, "0.04008"), "output": (500_000, 2, "0.035")}


def test_sample_month_equals_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jsonl_reader: str
) -> None:
    """Every record of the sample, in JSON Lines and as Parquet, against billing.priced."""
    want_total = Decimal(0)
    want_failed = 0
    with SAMPLE.open() as stream:
        numbered = ((i, t) for i, t in enumerate(stream, 1) if t.strip())
        for priced in price_stream(numbered):
            if priced.charge is None:
                want_failed += 1
            else:
                want_total += priced.charge.total
    main(["price", "--engine", "duckdb", "--json", str(SAMPLE)])
    doc = json.loads(capsys.readouterr().out)
    assert doc["engine"]["duckdb"] > 400  # most records took DuckDB's path
    assert doc["engine"]["reader"] == jsonl_reader
    assert Decimal(doc["total"]) == want_total
    assert sum(doc["failed"].values()) == want_failed == 3
    parquet = tmp_path / "usage.parquet"
    import duckdb

    duckdb.sql(
        f"COPY (SELECT * FROM read_json('{SAMPLE}', format = 'newline_delimited')) "
        f"TO '{parquet}' (FORMAT parquet)"
    )
    main(["price", "--engine", "duckdb", "--json", str(parquet)])
    again = json.loads(capsys.readouterr().out)
    assert again["total"] == doc["total"] and again["failed"] == doc["failed"]
    main(["price", "--engine", "duckdb", "--records", "--json", str(SAMPLE)])
    with_records = json.loads(capsys.readouterr().out)
    assert len(with_records["results"]) == 634
    assert sum(r["total"] is None for r in with_records["results"]) == 3


def test_a_repeated_key_is_refused_as_python_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB's path functions read the first of two equal keys; the Python reader refuses
    the record (records.loads). A repeated key anywhere the bulk path reads (top level, usage,
    its details, tool_usage, request, an object inside request) sends the record to the exact
    path, which refuses it: never priced with the first value."""
    head = '{"id": "d", "customer": "c", "timestamp": "2026-11-01T00:00:00Z", '
    plain = '"usage": {"prompt_tokens": 1000, "completion_tokens": 10}'
    lines = [
        head + '"model": "qwen3-5-4b", "model": "qwen3-5-flash", ' + plain + "}",
        head + '"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, "prompt_tokens": 5, '
        '"completion_tokens": 10}}',
        head + '"model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, "completion_tokens": '
        '10, "prompt_tokens_details": {"cached_tokens": 1, "cached_tokens": 2}}}',
        head + '"model": "qwen3-5-flash", "usage": {"prompt_tokens": 1000, "completion_tokens": '
        '10, "tool_usage": {"web_search": 1, "web_search": 2}}}',
        head
        + '"model": "qwen3-5-flash", '
        + plain
        + ', "request": {"tool_web_search": true, "tool_web_search": false}}',
        head + '"model": "qwen3-5-flash", ' + plain + ', "request": {"x": {"a": 1, "a": 2}}}',
        # the same record without the repeat: priced, 1,000 × 0.090 + 10 × 0.368 per 1M
        # (the qwen3-5-flash seed; its request fee is variant1's alone) = 93.68 µ$
        head + '"model": "qwen3-5-flash", ' + plain + ', "request": {"tool_web_search": true}}',
    ]
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(lines) + "\n")
    main(["price", "--engine", "duckdb", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    assert (doc["records"], doc["priced"]) == (7, 1)
    assert sum(doc["failed"].values()) == 6
    assert all("appears twice" in reason for reason in doc["failed"]), doc["failed"]
    assert doc["total"] == "0.00009368"


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b'{"id": "a"}\n{"id": "b"}\x00\n', 1, "is not text: line 2 holds NUL bytes"),
        (b'{"id": "caf\xe9"}\n', 2, "not UTF-8 text"),
    ],
    ids=["NUL bytes", "not UTF-8"],
)
def test_a_file_that_is_not_text_is_refused_as_the_python_engine_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, status: int, words: str
) -> None:
    path = tmp_path / "usage.jsonl"
    path.write_bytes(content)
    assert main(["price", "--engine", "duckdb", "--json", str(path)]) == status
    duck = capsys.readouterr().err
    assert main(["price", str(path)]) == status
    python = capsys.readouterr().err
    assert words in duck
    assert duck == python  # the same sentence, word for word
    assert "Traceback" not in duck


def test_a_directory_is_refused_as_the_python_engine_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["price", "--engine", "duckdb", str(folder)]) == 2
    duck = capsys.readouterr().err
    assert main(["price", str(folder)]) == 2
    assert duck == capsys.readouterr().err == f"ratecard: {folder} is a directory; give a file\n"


@pytest.mark.parametrize(
    "content",
    [
        b'{"model": "empiriolabs/qwen3-5-flash"}\n',  # JSON Lines named .parquet
        b"PAR1\x15\x04\x15\x10",  # a Parquet file cut short: its start, no footer
    ],
    ids=["JSON Lines", "cut short"],
)
def test_a_parquet_file_duckdb_cannot_read_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "usage.parquet"
    path.write_bytes(content)
    assert main(["price", "--engine", "duckdb", "--json", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ratecard: {path}: not a Parquet file DuckDB can read ("), err
    assert "internal error" not in err and "Traceback" not in err
    assert "UTF-8" not in err  # not the text check's words: it is not read as text


def test_options_of_the_python_engine_alone_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["price", "--engine", "duckdb", "--response", str(SAMPLE)])
    assert code == 2
    assert capsys.readouterr().err == (
        "ratecard: --response, --provider and --endpoint are for --engine python\n"
    )


def test_failures_count_under_one_reason_in_readable_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records failing the same way count under one reason: the values that differ (a
    timestamp, a number, a line and column) become N; the words of the sentence stay (ISO
    8601, the example time, the comma of "line N, column N")."""
    usage = '"usage": {"prompt_tokens": 1, "completion_tokens": 1}'
    model = '"model": "empiriolabs/qwen3-5-flash"'
    path = tmp_path / "usage.jsonl"
    path.write_text(
        f'{{{model}, "timestamp": "2026-13-40T10:00:00Z", {usage}}}\n'
        f'{{{model}, "timestamp": "2026-14-01T09:30:00Z", {usage}}}\n'
        '{"id": "x"\n'
        '{"id": "yy", "n": 12\n'
    )
    assert main(["price", "--engine", "duckdb", "--json", str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] == {
        "timestamp 'N' is not an ISO 8601 time (2026-11-20T10:00:00Z) or whole seconds "
        "since 1970.": 2,
        "not valid JSON: Expecting ',' delimiter (line N, column N).": 2,
    }


def test_the_python_engine_points_a_parquet_file_to_duckdb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "usage.parquet"
    path.write_bytes(b"PAR1")  # what it holds does not matter: the name says Parquet
    assert main(["price", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"ratecard: {path} is a Parquet file: price it with --engine duckdb\n"
    )
