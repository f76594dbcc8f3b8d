"""Run the ``ratecard`` command in this process, and build card trees to attack."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CORPUS = Path(__file__).parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``ratecard ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def card_tree(tmp: Path, overlay: Path | None = None) -> Path:
    """A copy of the bundled cards (no samples) with ``overlay``'s files laid over it."""
    tree = tmp / "cards"
    shutil.copytree(DATA, tree, ignore=shutil.ignore_patterns("samples"))
    if overlay is not None:
        for path in overlay.rglob("*.yaml"):
            target = tree / path.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return tree


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


__all__: Sequence[str] = ("CORPUS", "DATA", "card_tree", "main", "no_traceback", "run")
