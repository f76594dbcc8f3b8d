"""``ratecard price``: one priced record per input line, in order; failures do not stop it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ratecard.cli import main

RECORDS = [
    '{"id": "evt-0001", "model": "qwen3-5-flash", "usage": {"prompt_tokens": 123, '
    '"completion_tokens": 456, "cost_usd": 0.0042, '
    '"tool_usage": {"web_search": 3, "code_interpreter": 1}}}',
    '{"id": "evt-0002", "model": "qwen3-5-flash", "usage": {"prompt_tokens": 1, '
    '"completion_tokens": 1, "tool_usage": {"teleport": 1}}}',
    "not json",
    '{"id": "evt-0004", "model": "qwen3-5-4b", "usage": {"prompt_tokens": 1000, '
    '"completion_tokens": 500}}',
]


@pytest.fixture
def usage_file(tmp_path: Path) -> Path:
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(RECORDS) + "\n", encoding="utf-8")
    return path


def test_json_lines(usage_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price", "--json", str(usage_file)]) == 1
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["line"] for d in docs] == [1, 2, 3, 4]
    first = docs[0]
    assert first["id"] == "evt-0001"
    assert first["currency"] == "USD"
    # 0.00001107 + 0.000167808 + 0.045 + 0
    assert first["total"] == "0.045178878"
    assert first["reported"] == "0.0042"
    assert first["error"] is None
    assert first["lines"][0] == {
        "charge": "input",
        "quantity": 123,
        "unit": "1M tokens",
        "unit_price": "0.090",
        "list_price": "0.10",
        "amount": "0.00001107",
        "tier": None,
        "price_version": "v1",
        "note": None,
    }
    for failed, needle in ((docs[1], "'teleport'"), (docs[2], "not valid JSON")):
        assert failed["total"] is None
        assert failed["lines"] == []
        assert failed["error"].startswith(f"line {failed['line']}")
        assert needle in failed["error"]
    assert docs[1]["id"] == "evt-0002"
    # 1000*0.04/1e6 + 500*0.07/1e6 = 0.00004 + 0.000035
    assert docs[3]["total"] == "0.000075"


def test_table_and_summary(usage_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["price", str(usage_file)]) == 1
    out = capsys.readouterr().out
    assert "USD 0.045178878" in out
    assert "4 record(s): 2 priced, 2 failed" in out
    # 0.045178878 + 0.000075
    assert "total USD 0.045253878" in out


def test_explain(usage_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["price", "--explain", str(usage_file)])
    out = capsys.readouterr().out
    assert "123 tokens × $0.090 / 1M = $0.00001107" in out
    assert "3 calls × $0.015 = $0.045" in out


def test_all_good_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text(RECORDS[0] + "\n", encoding="utf-8")
    assert main(["price", "--json", str(path)]) == 0


def test_summary_without_a_priced_record_has_no_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "total 0" would read as a free month; nothing was priced
    path = tmp_path / "usage.jsonl"
    path.write_text(RECORDS[1] + "\n" + RECORDS[2] + "\n", encoding="utf-8")
    assert main(["price", str(path)]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "2 record(s): 0 priced, 2 failed; nothing priced, no total"
