"""``ratecard customer set|show``, ``ratecard issuer set|show`` and what the invoice command
makes of them: the customer's name and address on the invoice, a refused placeholder issuer,
a period that has not ended and ``--force``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ratecard.cli import main

from ..billing.ledger.helpers import event, line, store


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_profiles_from_the_command_line(
    engine: object,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RATECARD_ISSUER_NAME")
    # 539 web searches × 0.015 = 8.085 -> 8.09; tax 8.09 × 0.20 = 1.618 -> 1.62; total 9.71
    store(
        engine,
        event("acme", "e1", "2026-10-02T10:00:00Z", line("tool:web_search", 539, "0.015", "8.085")),
    )  # type: ignore[arg-type]
    db = ["--db", db_url]
    finalize = ["invoice", *db, "--customer", "acme", "--period", "2026-10", "--finalize"]
    code, out, err = _run(capsys, finalize)
    assert code == 1 and out == ""
    assert "run 'ratecard issuer set --name NAME --address ADDRESS' first" in err
    assert "Traceback" not in err
    code, out, err = _run(capsys, ["issuer", "show", *db])
    assert code == 0 and "(placeholder: not set)" in out
    code, out, _ = _run(
        capsys,
        ["issuer", "set", *db, "--name", "Example AI Ltd", "--address", "1 Sample St\\nLondon"],
    )
    assert code == 0 and "issuer:    Example AI Ltd" in out and "1 Sample St, London" in out
    code, out, _ = _run(
        capsys,
        [
            "customer",
            "set",
            "acme",
            *db,
            "--name",
            "Acme Corp",
            "--address",
            "9 Road\\nSpringfield",
            "--email",
            "ap@acme.test",
            "--tax-id",
            "GB123",
            "--currency",
            "USD",
            "--terms-days",
            "14",
            "--tax-rate",
            "0.20",
            "--json",
        ],
    )
    assert code == 0
    assert json.loads(out) == {
        "id": "acme",
        "name": "Acme Corp",
        "address": "9 Road\nSpringfield",
        "email": "ap@acme.test",
        "tax_id": "GB123",
        "currency": "USD",
        "terms_days": 14,
        "tax_treatment": "rate",
        "tax_rate": "0.20",
    }
    code, out, _ = _run(capsys, ["customer", "show", "acme", *db])
    assert code == 0 and "due 14 days after issue" in out and "0.20 of the subtotal" in out
    code, out, err = _run(capsys, [*finalize, "--json", "-"])
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["subtotal"], doc["tax"], doc["total"], doc["number"]) == ("8.09", "1.62", "9.71", 1)
    assert (doc["issuer"], doc["customer_name"]) == ("Example AI Ltd", "Acme Corp")
    assert doc["due_date"] is not None and doc["payment_terms_days"] == 14
    code, out, _ = _run(capsys, ["invoice", *db, "--customer", "acme", "--period", "2026-10"])
    assert "Customer: Acme Corp (acme)" in out and "Springfield" in out
    assert "Due: " in out and "TOTAL USD 9.71" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tax-rate", "abc"], "--tax-rate must be a decimal fraction"),
        (["--tax-rate", "20"], "a fraction from 0 to 1"),
        (["--tax-rate", "1E+999999999"], "a fraction from 0 to 1"),
        (["--terms-days", "-1"], "--terms-days must be 0 to 365"),
        (["--currency", "dollars"], "ISO 4217"),
        (["--tax-rate", "0.2", "--no-tax"], "not allowed with argument"),
        (["--name", "x" * 201], "longer than 200 characters"),
        (["--name", "a\x00b"], "control or invalid character"),
    ],
)
def test_bad_customer_options(
    engine: object, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, ["customer", "set", "acme", "--db", db_url, *argv])
    assert code in (1, 2) and message in err and "Traceback" not in err


def test_unknown_customer_show_is_a_sentence(
    engine: object, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, ["customer", "show", "nobody", "--db", db_url])
    assert code == 1
    assert "unknown customer 'nobody': 'ratecard customer set nobody --name ...' adds it" in err


def test_unended_period_needs_force_from_the_command_line(
    engine: object, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store(
        engine, event("acme", "e1", "2999-01-02T10:00:00Z", line("input", 1000, "0.090", "0.00009"))
    )  # type: ignore[arg-type]
    argv = ["invoice", "--db", db_url, "--customer", "acme", "--period", "2999-01", "--finalize"]
    code, _, err = _run(capsys, argv)
    assert code == 1 and "has not ended yet" in err and "--force" in err
    code, out, _ = _run(capsys, [*argv, "--force"])
    assert code == 0 and "Issued before the end of its period (2999-01)" in out


def test_issuer_per_tenant_from_the_command_line(
    engine: object,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RATECARD_ISSUER_NAME")
    db = ["--db", db_url]
    assert _run(capsys, ["tenant", "create", "alpha", *db])[0] == 0
    code, out, _ = _run(capsys, ["issuer", "set", *db, "--tenant", "alpha", "--name", "Alpha Ltd"])
    assert code == 0 and "issuer:    Alpha Ltd" in out
    code, out, _ = _run(capsys, ["issuer", "show", *db, "--tenant", "alpha", "--json"])
    assert code == 0 and json.loads(out)["name"] == "Alpha Ltd"
    # the issuer of customers outside tenants is another profile, still the placeholder
    code, out, _ = _run(capsys, ["issuer", "show", *db])
    assert code == 0 and "(placeholder: not set)" in out
    code, out, err = _run(capsys, ["issuer", "set", *db, "--tenant", "nobody", "--name", "X"])
    assert code == 1 and out == "" and "no tenant named 'nobody'" in err
    assert "Traceback" not in err
