"""The on-disk cache of compiled validators is keyed by every module that can change them."""

from __future__ import annotations

import sys
from pathlib import Path

from catalog import load_catalog
from catalog.requests.cache import card_digest, code_files
from catalog.requests.schemas import compile_requests

from ..conftest import DATA


def test_every_module_used_to_compile_is_hashed() -> None:
    compile_requests(load_catalog(DATA))
    used = {
        Path(module.__file__).resolve()
        for name, module in list(sys.modules.items())
        if (name == "catalog" or name.startswith("catalog.")) and getattr(module, "__file__", None)
    }
    # e.g. issues.py words the 'allowed' ranges stored in the compiled steps, units.py reads
    # 256K: they were not hashed, so an upgrade could serve stale validators
    assert used - set(code_files()) == set()
    assert any(p.name == "issues.py" for p in code_files())


def test_digest_changes_with_a_card(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "data"
    shutil.copytree(DATA / "models", root / "models")
    shutil.copytree(DATA / "providers", root / "providers")
    before = card_digest(root)
    card = root / "providers" / "empiriolabs" / "models" / "qwen3-5-4b.yaml"
    card.write_text(card.read_text() + "\n")
    assert card_digest(root) != before
