"""Write a tree of cards (plain dicts) as lint-clean YAML, deterministically.

Keys keep the order they were built in, Decimals are written as exact decimal text
(:func:`catalog.dump.dump_yaml`), every card gets its line-1 schema comment, and the card
format's JSON Schema is written into the tree's ``schema/`` so that the tree lints on its
own. The same input gives byte-identical files.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..cards.dump import dump_yaml
from ..units import slug

Tree = dict[str, Any]


def write_tree(
    out: Path,
    providers: dict[str, dict[str, Any]],
    offerings: dict[tuple[str, str], dict[str, Any]],
    models: dict[str, dict[str, Any]],
) -> list[Path]:
    """Write ``providers`` (id → card), ``offerings`` ((provider, id) → card) and
    ``models`` (creator/name → card) below ``out``, replacing its ``providers/``,
    ``models/`` and ``schema/``. Returns the files written, sorted."""
    from ..cards.editor_schema import write_schemas  # only on this path (start-up time)

    for sub in ("providers", "models", "schema"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    written: list[Path] = []
    for pid, card in sorted(providers.items()):
        path = out / "providers" / pid / "provider.yaml"
        written.append(_write(path, card, "../../schema/provider.schema.json"))
    for (pid, oid), card in sorted(offerings.items()):
        path = out / "providers" / pid / "models" / f"{slug(oid)}.yaml"
        written.append(_write(path, card, "../../../schema/offering.schema.json"))
    for mid, card in sorted(models.items()):
        creator, _, name = mid.partition("/")
        path = out / "models" / creator / f"{name}.yaml"
        written.append(_write(path, card, "../../schema/model.schema.json"))
    written.extend(write_schemas(out))
    # The compiled cache keys this tree by its manifest (catalog.layers), not by stat.
    from ..layers import MANIFEST, manifest_text

    manifest = out / MANIFEST
    manifest.write_text(manifest_text(out), encoding="utf-8")
    written.append(manifest)
    return sorted(written)


def _write(path: Path, card: dict[str, Any], schema: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"# yaml-language-server: $schema={schema}\n{dump_yaml(card)}"
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["write_tree"]
