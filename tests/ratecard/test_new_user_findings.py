"""What a new user's session found (issue 12, "a user's first hour"), each kept as a test:
messages that end "?.", a directory reported as "no such file", an empty --db file turned
into a database by a read, a full device reported as "the file", and a bound printed twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ratecard.cli import main


def _record(model: str, prompt: int = 10) -> str:
    return json.dumps(
        {
            "id": "n1",
            "customer": "acme",
            "model": model,
            "timestamp": "2026-11-02T00:00:00Z",
            "usage": {"prompt_tokens": prompt, "completion_tokens": 1},
        }
    )


def test_a_suggestion_is_not_followed_by_a_full_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "usage.jsonl"
    records.write_text(_record("qwen3-5-4") + "\n")
    for command in ("price", "audit"):
        assert main([command, str(records)]) == 1
        out = capsys.readouterr().out
        assert "did you mean 'qwen3-5-4b'?" in out, out
        assert "?." not in out, out


def test_beyond_the_top_tier_names_the_bound_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # qwen3-5-flash:variant1's top tier ends at 1,000,000 prompt tokens (read in thousands)
    records = tmp_path / "usage.jsonl"
    records.write_text(_record("qwen3-5-flash:variant1", 1_100_000) + "\n")
    assert main(["price", str(records)]) == 1
    out = capsys.readouterr().out
    assert "which covers at most 1,000,000; no price is published" in out, out


@pytest.mark.parametrize("command", ["validate", "price", "ingest"])
def test_a_directory_is_called_a_directory(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, str(tmp_path)]
    if command == "ingest":
        argv = ["ingest", "--create", "--db", str(tmp_path / "l.db"), str(tmp_path)]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"ratecard: {tmp_path} is a directory; give a file\n"


@pytest.mark.parametrize("command", [["db", "current"], ["customer", "show", "acme"]])
def test_an_empty_db_file_is_refused_and_left_empty(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert main([*command, "--db", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "is an empty file, not a ratecard database" in err, err
    assert empty.stat().st_size == 0  # reading it wrote no SQLite header into it
    # db upgrade makes a database in it, on purpose; db current then has no "None" to show
    assert main(["db", "upgrade", "--db", str(empty)]) == 0
    assert main(["db", "current", "--db", str(empty)]) == 0
    assert "None" not in capsys.readouterr().out


def test_a_full_rejects_device_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    records = tmp_path / "usage.jsonl"
    records.write_text(_record("no-such-model") + "\n")
    db = str(tmp_path / "l.db")
    argv = ["ingest", "--create", "--db", db, "--no-progress", "--rejects", "/dev/full"]
    assert main([*argv, str(records)]) == 2
    err = capsys.readouterr().err
    assert err.endswith("ratecard: /dev/full: no space left on the device\n"), err


def test_an_unknown_option_before_any_command_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--bogus"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --bogus" in err, err  # not "required: COMMAND"
    assert main([]) == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err
