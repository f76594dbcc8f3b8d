"""Every subcommand, called wrongly in every usual way: a wrong flag, a missing file, a
directory, an empty file, malformed JSON, an unknown model, an unwritable output. Each
answer is a sentence on stderr (``ratecard: ...`` or argparse's usage and error), never a
traceback, with the README's exit status; with ``--json`` stdout is a JSON object."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "usage-2026-11.jsonl"
REQUEST = ROOT / "data" / "samples" / "requests"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db = tmp_path_factory.mktemp("ledger") / "ledger.db"
    assert main(["ingest", "--create", "--db", str(db), str(SAMPLE)]) in (0, 1)
    yield db


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "bad.json").write_text('{"model": "qwen3-5-4b", \n')
    (tmp_path / "unknown.json").write_text(
        '{"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}'
    )
    (tmp_path / "unknown.jsonl").write_text(
        '{"id": "u1", "customer": "acme", "model": "no-such-model",'
        ' "timestamp": "2026-11-02T00:00:00Z",'
        ' "usage": {"prompt_tokens": 1, "completion_tokens": 1}}\n'
    )
    (tmp_path / "adir").mkdir()
    return {
        "missing": str(tmp_path / "missing.json"),
        "dir": str(tmp_path / "adir"),
        "empty": str(tmp_path / "empty.json"),
        "bad": str(tmp_path / "bad.json"),
        "unknown": str(tmp_path / "unknown.json"),
        "unknown_lines": str(tmp_path / "unknown.jsonl"),
        "tmp": str(tmp_path),
    }


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and 'File "' not in err, (argv, err)
    assert "None" not in err and "?." not in err, (argv, err)
    return code, out, err


def _sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("ratecard")]
    assert lines, err
    return lines[-1]


# The commands that read one input file, with the arguments they need around it.
READERS = {
    "validate": lambda f, db: ["validate", f],
    "estimate": lambda f, db: ["estimate", f],
    "price": lambda f, db: ["price", f],
    "audit": lambda f, db: ["audit", f],
    "ingest": lambda f, db: ["ingest", "--db", db, f],
    "catalog lint": lambda f, db: ["catalog", "lint", f],
}
# Every command, called rightly (for the wrong-flag case).
EVERY = {
    **READERS,
    "catalog list": lambda f, db: ["catalog", "list"],
    "catalog show": lambda f, db: ["catalog", "show", "qwen3-5-4b"],
    "catalog compile": lambda f, db: ["catalog", "compile", "--out", f],
    "catalog schema": lambda f, db: ["catalog", "schema", "--check"],
    "invoice": lambda f, db: ["invoice", "--db", db, "--customer", "acme", "--period", "2026-11"],
    "credit-note": lambda f, db: [
        "credit-note",
        "--db",
        db,
        "--customer",
        "acme",
        "--period",
        "2026-11",
        "--amount",
        "1",
        "--reason",
        "x",
    ],
    "db upgrade": lambda f, db: ["db", "upgrade", "--db", db],
    "db current": lambda f, db: ["db", "current", "--db", db],
    "rate": lambda f, db: ["rate", "--db", db, "--period", "2026-11"],
    "customer set": lambda f, db: ["customer", "set", "--db", db, "acme", "--name", "Acme"],
    "customer show": lambda f, db: ["customer", "show", "--db", db, "acme"],
    "issuer set": lambda f, db: ["issuer", "set", "--db", db, "--name", "Example Ltd"],
    "issuer show": lambda f, db: ["issuer", "show", "--db", db],
}


@pytest.mark.parametrize("name", sorted(EVERY))
def test_wrong_flag(
    name: str, ledger: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = EVERY[name](files["tmp"], str(ledger))
    code, _, err = _run(capsys, [*argv, "--no-such-flag"])
    assert code == 2
    assert f"usage: ratecard {name}" in err  # the subcommand's own usage
    assert "unrecognized arguments: --no-such-flag" in err
    if name not in ("catalog schema",):
        code, out, err = _run(capsys, [*argv, "--json", "--no-such-flag"])
        assert code == 2 and json.loads(out)["error"]["status"] == 2


@pytest.mark.parametrize("name", sorted(READERS))
@pytest.mark.parametrize("case", ["missing", "dir"])
def test_missing_file_and_directory_are_usage_errors(
    name: str, case: str, ledger: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = READERS[name](files[case], str(ledger))
    code, out, err = _run(capsys, argv)
    if name == "catalog lint" and case == "dir":
        assert code == 1 and "no cards here" in out  # a directory is what lint reads
        return
    assert code == 2, err
    assert files[case] in _sentence(err)
    code, out, _ = _run(capsys, [*argv, "--json"])
    assert code == 2 and json.loads(out)["error"]["kind"] in ("usage", "file")


@pytest.mark.parametrize("name", ["validate", "estimate", "price", "audit", "ingest"])
@pytest.mark.parametrize("case", ["empty", "bad", "unknown"])
def test_empty_malformed_and_unknown_model(
    name: str, case: str, ledger: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = (
        files["unknown_lines"]
        if case == "unknown" and name in ("price", "audit", "ingest")
        else files[case]
    )
    db = shutil.copy(ledger, Path(files["tmp"]) / "copy.db")
    argv = READERS[name](path, str(db))
    code, out, err = _run(capsys, argv)
    if case == "empty" and name in ("price", "audit", "ingest"):
        assert code == 0  # no records: nothing to price, said so
        return
    assert code == 1, (out, err)
    text = out + err
    if case == "unknown":
        assert "no-such-model" in text
    elif case == "empty" or case == "bad":
        assert "JSON" in text
    shutil.copy(ledger, db)  # ingest again into the database as it was
    code, out, _ = _run(capsys, [*argv, "--json"])
    assert code == 1
    for line in out.splitlines() if name in ("price", "audit") else [out]:
        json.loads(line)


@pytest.mark.parametrize(
    "argv",
    [
        ["catalog", "compile", "--out", "/dev/full"],
        ["catalog", "compile", "--out", "/dev/full/x"],
        ["invoice", "--customer", "acme", "--period", "2026-11", "--html", "/dev/full"],
        ["invoice", "--customer", "acme", "--period", "2026-11", "--csv", "{tmp}"],
        ["invoice", "--customer", "acme", "--period", "2026-11", "--csv", "/dev/full/x.csv"],
        ["ingest", "--create", "--rejects", "/dev/full", str(SAMPLE)],
        ["ingest", "--create", "--rejects", "{tmp}", str(SAMPLE)],
    ],
    ids=lambda a: " ".join(a[:2]) + " " + a[-1 if a[0] != "ingest" else -2],
)
def test_unwritable_output(
    argv: list[str], ledger: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{tmp}", files["tmp"]) for a in argv]
    if argv[0] == "ingest":
        argv = [argv[0], "--db", str(Path(files["tmp"]) / "new.db"), *argv[1:]]
    if argv[0] == "invoice":
        db = shutil.copy(ledger, Path(files["tmp"]) / "copy.db")
        argv = [argv[0], "--db", str(db), *argv[1:]]
    code, _, err = _run(capsys, argv)
    assert code == 2, err
    sentence = _sentence(err)
    assert any(w in sentence for w in ("directory", "no space left", "is a file")), sentence


def test_exit_statuses_agree(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an unknown customer is bad input (1) for invoice and rate alike
    for argv in (
        ["invoice", "--db", str(ledger), "--customer", "nobody", "--period", "2026-11"],
        ["rate", "--db", str(ledger), "--customer", "nobody", "--period", "2026-11"],
    ):
        code, out, err = _run(capsys, argv)
        assert code == 1 and "unknown customer 'nobody'" in err, argv
        code, out, err = _run(capsys, [*argv, "--json"])
        assert code == 1 and "unknown customer" in json.loads(out)["error"]["message"]
    # broken cards are bad input (1) for every command
    broken = tmp_path / "cards"
    shutil.copytree(ROOT / "data", broken, ignore=shutil.ignore_patterns("samples"))
    card = broken / "providers" / "empiriolabs" / "models" / "qwen3-5-4b.yaml"
    card.write_text(card.read_text().replace("status: available", "status: availble"))
    body = REQUEST / sorted(p.name for p in REQUEST.iterdir())[0]
    for argv in (["catalog", "list"], ["validate", str(body)], ["price", str(SAMPLE)]):
        code, _, err = _run(capsys, [*argv, "--data", str(broken)])  # a global option after
        assert code == 1 and "the cards have 1 problem" in err, (argv, err)


def test_version_and_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ratecard ")
    monkeypatch.setenv("RATECARD_DEBUG", "1")
    assert main(["ingest", "--db", "mysql://u@h/db", str(SAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "mysql databases are not supported" in err
