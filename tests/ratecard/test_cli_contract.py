"""DESIGN.md §5 across every subcommand: each takes --json, and each is registered in
COMMANDS so that only its own module is imported."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ratecard.cli import COMMANDS, build_parser, main


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {path: parser}
    out = {}
    for action in subs:
        for name, child in action.choices.items():
            out.update(_leaves(child, (*path, name)))
    return out


def test_every_subcommand_takes_json() -> None:
    leaves = _leaves(build_parser())
    assert ("db", "current") in leaves and ("catalog", "lint") in leaves
    missing = [
        " ".join(path)
        for path, parser in leaves.items()
        if not any("--json" in a.option_strings for a in parser._actions)
    ]
    assert missing == []


def test_every_command_is_registered_for_lazy_import() -> None:
    top = {path[0] for path in _leaves(build_parser())}
    assert top == set(COMMANDS)


def test_input_that_is_not_utf8_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"model": "qwen3-5-4b"}\n\xff\xfe\n')
    for args in (
        ["estimate", str(bad)],
        ["price", str(bad)],
        ["audit", str(bad)],
        ["validate", str(bad)],
        ["ingest", "--create", "--db", str(tmp_path / "ledger.db"), str(bad)],
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert f"ratecard: {bad}: not UTF-8 text (invalid start byte)" in err, args
