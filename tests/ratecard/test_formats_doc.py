"""docs/formats.md: every example is what the command gives. A block after
``<!-- example: KIND NAME... -->`` is checked by KIND: ``request`` is validated and its
``validated`` block must equal the result; each ``record`` is priced and its ``priced``
block must be a subset of the priced record (lines compared in order, only the fields
shown); ``invoice A B`` ingests the records A and B and compares the invoice the same way.
The arithmetic behind the numbers is written out beside them in the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "formats.md"
BLOCK = re.compile(r"<!-- example: ([^>]*?) -->\s*```json\n(.*?)```", re.S)


def examples() -> dict[tuple[str, ...], Any]:
    found = {}
    for head, body in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        found[tuple(head.split())] = json.loads(body)
    return found


EXAMPLES = examples()
RECORDS = {key[1]: value for key, value in EXAMPLES.items() if key[0] == "record"}


def subset(shown: Any, actual: Any, where: str = "") -> None:
    """Every field ``shown`` has the value ``actual`` has (lists: same length, in order)."""
    if isinstance(shown, dict):
        assert isinstance(actual, dict), where
        for key, value in shown.items():
            assert key in actual, f"{where}/{key} is not in the output"
            subset(value, actual[key], f"{where}/{key}")
    elif isinstance(shown, list):
        assert isinstance(actual, list) and len(actual) == len(shown), where
        for i, (s, a) in enumerate(zip(shown, actual, strict=True)):
            subset(s, a, f"{where}/{i}")
    else:
        assert shown == actual, f"{where}: the page says {shown!r}, the command {actual!r}"


def test_the_page_has_every_kind() -> None:
    kinds = {key[0] for key in EXAMPLES}
    assert kinds == {"request", "validated", "record", "priced", "invoice"}
    assert set(RECORDS) == {key[1] for key in EXAMPLES if key[0] == "priced"}


def test_request_validates_as_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for key, body in EXAMPLES.items():
        if key[0] != "request":
            continue
        path = tmp_path / "request.json"
        path.write_text(json.dumps(body))
        main(["validate", "--json", str(path)])
        assert json.loads(capsys.readouterr().out) == EXAMPLES[("validated", key[1])]


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_record_prices_as_shown(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "record.jsonl"
    path.write_text(json.dumps(RECORDS[name]) + "\n")
    code = main(["price", "--json", str(path)])
    priced = json.loads(capsys.readouterr().out)
    shown = EXAMPLES[("priced", name)]
    assert code == (1 if shown["total"] is None else 0)
    subset(shown, priced)


def test_invoice_is_as_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for key, shown in EXAMPLES.items():
        if key[0] != "invoice":
            continue
        src = tmp_path / "usage.jsonl"
        src.write_text("".join(json.dumps(RECORDS[name]) + "\n" for name in key[1:]))
        db = str(tmp_path / f"{'-'.join(key[1:])}.db")
        assert main(["ingest", "--create", "--db", db, str(src)]) == 0
        capsys.readouterr()
        assert main(["invoice", "--db", db, "--customer", "acme", "--period", "2026-11",
                     "--json"]) == 0  # fmt: skip
        subset(shown, json.loads(capsys.readouterr().out))


def test_the_readme_stands_alone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "DESIGN.md" not in readme and "../shared" not in readme
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in quick.strip().splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]


def test_every_option_has_help_with_its_default() -> None:
    import argparse

    from ratecard.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")
            elif not isinstance(action, argparse._HelpAction):
                text = action.help or ""
                plain = action.default in (None, False) or isinstance(
                    action, argparse._StoreTrueAction
                )
                if not text or (not plain and "default" not in text):
                    missing.append(f"{name} {action.option_strings or action.dest}")

    walk(build_parser(()), "ratecard")
    assert missing == []
