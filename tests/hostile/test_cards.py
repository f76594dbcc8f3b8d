"""Hostile card trees (tests/hostile/cards/<case>/: the files laid over a copy of the bundled
cards, and expected.txt, the text lint must print): lint reports each at its place in one
sentence, compile refuses the tree, nothing hangs or prints a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .cli import CORPUS, card_tree, no_traceback, run

CASES = sorted(p for p in (CORPUS / "cards").iterdir() if p.is_dir())
PASSING = sorted(p for p in (CORPUS / "cards-pass-lint").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lint_reports_it(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = card_tree(tmp_path, case)
    code, out, err = run(capsys, "catalog", "lint", str(tree))
    no_traceback(out, err)
    assert code == 1
    expected = (case / "expected.txt").read_text(encoding="utf-8").strip()
    assert expected in out, out
    assert all(len(line) < 400 for line in out.splitlines()), "a message quotes too much"
    code, out, err = run(
        capsys, "--data", str(tree), "catalog", "compile", "--out", str(tmp_path / "o")
    )
    no_traceback(out, err)
    assert code == 1 and "the cards have" in err


@pytest.mark.parametrize("case", PASSING, ids=[c.name for c in PASSING])
def test_what_lint_passes_compiles_and_validates(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = card_tree(tmp_path, case)
    assert run(capsys, "catalog", "lint", str(tree))[0] == 0
    code, out, err = run(
        capsys, "--data", str(tree), "catalog", "compile", "--out", str(tmp_path / "o")
    )
    no_traceback(out, err)
    assert code == 0, err
    body = tmp_path / "body.json"
    body.write_text(
        '{"model": "qwen3-5-4b", "max_tokens": 10, "system": "x",'
        ' "messages": [{"role": "user", "content": "hi"}]}'
    )
    env = os.environ.copy()
    os.environ["RATECARD_CACHE"] = str(tmp_path / "cache")
    try:
        code, out, err = run(capsys, "--data", str(tree), "validate", str(body))
    finally:
        os.environ.clear()
        os.environ.update(env)
    no_traceback(out, err)
    assert code == 0, out + err


def _lint(capsys: pytest.CaptureFixture[str], tree: Path) -> tuple[int, str]:
    code, out, err = run(capsys, "catalog", "lint", str(tree))
    no_traceback(out, err)
    return code, out


def test_symlink_loop_dangling_link_directory_and_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = card_tree(tmp_path)
    models = tree / "providers" / "empiriolabs" / "models"
    (models / "loop.yaml").symlink_to(models / "loop.yaml")
    (models / "dangling.yaml").symlink_to(models / "nothing-here.yaml")
    (models / "x.yaml").mkdir()
    os.mkfifo(models / "fifo.yaml")
    (tree / "models" / "alibaba" / "up").symlink_to(tree)  # a directory loop
    code, out = _lint(capsys, tree)
    assert code == 1
    assert f"{models / 'loop.yaml'}:1:1: (card): cannot read it: a symbolic link that loops" in out
    assert (
        f"{models / 'dangling.yaml'}:1:1: (card): cannot read it: a symbolic link to nothing" in out
    )
    assert f"{models / 'x.yaml'}:1:1: (card): a directory, not a card file" in out
    assert f"{models / 'fifo.yaml'}:1:1: (card): not a regular file (a FIFO or device?)" in out
    assert "a link to a directory is not followed" in out


def test_root_and_empty_directories_are_not_card_trees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _lint(capsys, Path("/"))
    assert code == 1 and "/:1:1: (card): no cards here" in out
    (tmp_path / "models").mkdir()
    (tmp_path / "providers").mkdir()
    code, out = _lint(capsys, tmp_path)
    assert code == 1 and "no cards here: models/ and providers/ are empty" in out
    code, out, err = run(capsys, "--data", str(tmp_path), "catalog", "list")
    no_traceback(out, err)
    assert code == 1 and "no cards here" in out + err
