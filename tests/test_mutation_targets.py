"""`make mutation`'s target table names files and tests that exist (a renamed test file made
the sql-plan target stop before its first mutant; `make mutation` is not part of `make test`,
so nothing else would notice)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_target_path_exists() -> None:
    table = tomllib.loads((ROOT / "tests/mutation/targets.toml").read_text(encoding="utf-8"))
    missing = []
    for target in table["target"]:
        for path in [*target["files"], *target["tests"]]:
            if not (ROOT / path.split("::")[0]).exists():
                missing.append(f"{target['name']}: {path}")
    assert table["target"], "no targets"
    assert missing == []
