"""``ratecard invoice`` from the command line: a malformed period is a usage error (exit 2,
stderr, no database touched), and an invoice without usage totals 0.00, not 0."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ratecard.cli import main

from ..billing.ledger.helpers import event, line, store


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("2026-13", "there is no month 13"),
        ("2026-00", "there is no month 00"),
        ("2026-1", "the month needs two digits (2026-01)"),
        ("abc", "four-digit year"),
        ("2026-11-01", "four-digit year"),
        ("", "four-digit year"),
    ],
)
@pytest.mark.parametrize("command", ["invoice", "credit-note"])
def test_malformed_period_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, period: str, why: str
) -> None:
    db = tmp_path / "ledger.db"
    args = [command, "--db", str(db), "--customer", "acme", "--period", period]
    if command == "credit-note":
        args += ["--amount", "1.00", "--reason", "test"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"--period must be YYYY-MM (for example 2026-11), got {period!r}" in captured.err
    assert why in captured.err
    assert not db.exists()  # checked before the database is opened


def test_invoice_without_usage_shows_cents(
    engine: object, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # acme has usage in November only; October's invoice has no lines
    store(
        engine, event("acme", "e1", "2026-11-02T10:00:00Z", line("input", 100, "0.090", "0.000009"))
    )  # type: ignore[arg-type]
    out = tmp_path / "oct.json"
    csv_out = tmp_path / "oct.csv"
    args = ["invoice", "--db", db_url, "--customer", "acme", "--period", "2026-10"]
    assert main([*args, "--json", str(out), "--csv", str(csv_out)]) == 0
    text = capsys.readouterr().out
    assert "TOTAL USD 0.00" in text
    doc = json.loads(out.read_text())
    assert doc["lines"] == []
    assert (doc["total"], doc["credited"], doc["balance"]) == ("0.00", "0.00", "0.00")
    assert doc["precise_total"] == "0"  # exact amounts are trimmed
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert [(r["kind"], r["amount"]) for r in rows] == [("total", "0.00")]
    # November: 100 × 0.090 / 1e6 = 0.000009, rounds to 0.00; no credit notes yet
    assert (
        main(
            ["invoice", "--db", db_url, "--customer", "acme", "--period", "2026-11", "--json", "-"]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert (doc["total"], doc["credited"], doc["balance"]) == ("0.00", "0.00", "0.00")
    assert doc["precise_total"] == "0.000009"


@pytest.mark.parametrize("amount", ["-1", "0", "0.00", "NaN", "Infinity", "abc"])
def test_credit_note_amount_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    db = tmp_path / "ledger.db"
    args = ["credit-note", "--db", str(db), "--customer", "acme", "--period", "2026-11"]
    assert main([*args, "--amount", amount, "--reason", "test"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--amount must be a " in captured.err
    assert not db.exists()
