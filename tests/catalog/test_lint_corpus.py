"""The corpus of broken cards: each case is a few files laid over a small valid tree
(``broken/_base``) and the exact lint lines expected, in ``expected.txt``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalog import lint_cards
from catalog.cards.yamlsource import MAX_EXPANDED_NODES, load_text
from ratecard.cli import main

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _tree(case: str, into: Path) -> Path:
    root = into / "cards"
    shutil.copytree(BROKEN / "_base", root)
    for path in (BROKEN / case).rglob("*.yaml"):
        target = root / path.relative_to(BROKEN / case)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def _expected(case: str) -> list[str]:
    lines = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert lines, f"{case}: expected.txt lists no problem"
    return lines


def test_base_tree_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN / "_base")
    assert lint_cards(Path(".")) == []


@pytest.mark.parametrize("case", CASES)
def test_lint_lines(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(_tree(case, tmp_path))
    problems = lint_cards(Path("."))
    assert [str(p) for p in problems] == _expected(case)
    assert main(["catalog", "lint", "."]) == 1
    assert capsys.readouterr().out.splitlines() == _expected(case)


def test_corpus_covers_every_kind_of_error() -> None:
    text = "\n".join("\n".join(_expected(c)) for c in CASES)
    for needle in (
        "YAML syntax error",
        "a YAML bomb?",
        "duplicate key",
        "unknown field 'defualt' (did you mean 'default'?)",
        "looks like a float with lost precision",
        "must not be negative",
        "tiers must ascend without overlap",
        "is above the maximum",
        "is not one of the allowed values",
        "is not a multiple of the step",
        "no model card 'acme/alpah'",
        "no model card 'acme/betta'",
        "no offering 'alpha-chta' sold by acme",
        "the provider does not serve 'messages'",
        "rule names 'temprature'",
        "no parameter 'tool_websearch'",
        "no request fee named 'web_serch'",
        "is already used by",
        "missing output_mtok",
        "line 1 must be '# yaml-language-server",
        "missing required field 'name'",
        "must be one of available, coming_soon, deprecated, retired; got 'availble'",
    ):
        assert needle in text, needle


def test_lint_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    root = _tree("tiers", tmp_path)
    assert main(["catalog", "lint", str(root), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert [(p["line"], p["col"], p["field"]) for p in doc["problems"]] == [
        (30, 18, "pricing.0.tiers.rows.1.up_to"),
        (36, 18, "pricing.0.tiers.rows.3.up_to"),
    ]


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_yaml_bomb_is_refused_before_it_expands() -> None:
    # 10**30 strings if expanded; the loader counts shared nodes once and stops early.
    source = load_text(_bomb(30))
    assert source.value is None
    [problem] = source.problems
    assert f"more than {MAX_EXPANDED_NODES:,} nodes" in problem.message


def test_small_aliases_are_fine() -> None:
    source = load_text(_bomb(3))
    assert source.problems == []
    assert len(source.value["a2"]) == 10


def test_recursive_alias_is_refused() -> None:
    source = load_text("a: &a [*a]\n")
    assert source.value is None
    assert source.problems


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    source = load_text("[" * 5000 + "]" * 5000)
    assert source.value is None
    assert source.problems[0].message.startswith("YAML")
