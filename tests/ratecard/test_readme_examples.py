"""The README's piped examples run as written: each ``echo '...' | ratecard price -`` line
is one JSON Lines record (a record broken over two lines was two bad lines), and its total is
the one the comment under it works out by hand."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
PIPED = re.compile(r"^echo '(.*)' \| ratecard price -\n# .*= (\d+\.\d+)", re.M)


def test_piped_price_examples_price_as_the_comment_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = PIPED.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "the README's 'echo ... | ratecard price -' example is gone or broken"
    for record, total in found:
        # the anthropic example: 1,000 × $3 + 500 × $15 per 1M = 0.003 + 0.0075 = 0.0105
        monkeypatch.setattr("sys.stdin", io.StringIO(record + "\n"))
        assert main(["price", "--json", "-"]) == 0, capsys.readouterr()
        priced = json.loads(capsys.readouterr().out)
        assert Decimal(priced["total"]) == Decimal(total), record
