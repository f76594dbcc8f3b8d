"""Hostile request bodies (tests/hostile/requests/*.json, with the sentence expected in
*.expected) and usage records (tests/hostile/records/hostile.jsonl, expected.json: line →
sentence): each is refused in one sentence, quoting little, in valid UTF-8; the good
records around the bad ones are still priced. Ingest of the same file on both databases is
in tests/billing/ledger/test_hostile_ingest.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .cli import CORPUS, no_traceback, run

REQUESTS = sorted((CORPUS / "requests").glob("*.json"))
RECORDS = CORPUS / "records" / "hostile.jsonl"
EXPECTED = {
    int(k): v for k, v in json.loads((CORPUS / "records" / "expected.json").read_text()).items()
}


@pytest.mark.parametrize("body", REQUESTS, ids=[p.stem for p in REQUESTS])
@pytest.mark.parametrize("command", ["validate", "estimate"])
def test_request_refused_in_a_sentence(
    body: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = body.with_suffix(".expected").read_text(encoding="utf-8").strip()
    code, out, err = run(capsys, command, str(body))
    no_traceback(out, err)
    if command == "estimate" and "unknown parameter" in expected:
        assert code == 0  # estimate prices what it knows; validate judges the parameters
    else:
        assert code == 1
        assert expected in out + err
    assert len(out) + len(err) < 2000, "a message quotes too much of the input"
    code, out, err = run(capsys, command, "--json", str(body))
    no_traceback(out, err)
    out.encode("utf-8")  # valid UTF-8: no surrogate reaches the output
    json.loads(out)
    assert len(out) < 3000


def test_records_refused_one_by_one_and_the_rest_priced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "price", "--json", str(RECORDS))
    no_traceback(out, err)
    assert code == 1
    out.encode("utf-8")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["line"] for d in docs] == list(range(1, len(docs) + 1))
    for doc in docs:
        if doc["line"] in EXPECTED:
            assert doc["total"] is None, doc
            assert EXPECTED[doc["line"]] in doc["error"], doc
            assert len(doc["error"]) < 300
        else:
            # qwen3-5-flash: 123 × 0.090/1M + 456 × 0.368/1M = 0.00001107 + 0.000167808
            assert doc["total"] == "0.000178878", doc


def test_a_line_too_long_is_refused_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = RECORDS.read_text(encoding="utf-8").splitlines()[0]
    long_line = '{"id": "big", "pad": "' + "x" * (2 * 1024 * 1024) + '"}'
    src = tmp_path / "long.jsonl"
    src.write_text(f"{good}\n{long_line}\n{good.replace('evt-001', 'evt-999')}\n")
    code, out, err = run(capsys, "price", "--json", str(src))
    no_traceback(out, err)
    assert code == 1
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["total"] for d in docs] == ["0.000178878", None, "0.000178878"]
    assert "longer than 1024 KiB" in docs[1]["error"]


def test_binary_input_is_not_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zeros = tmp_path / "zeros"
    zeros.write_bytes(b"\0" * (3 * 1024 * 1024))
    for command in ("validate", "estimate", "price", "audit"):
        code, out, err = run(capsys, command, str(zeros))
        no_traceback(out, err)
        assert code == 1 and "is not text" in err, (command, err)
