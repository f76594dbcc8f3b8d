"""Compile the request validators once and keep them on disk.

The compiled catalog is pickled under the cache directory (``$RATECARD_CACHE``, else
``$XDG_CACHE_HOME/ratecard``, else ``~/.cache/ratecard``), named by a SHA-256 of every card
file and of the catalog package's modules: editing a card or that code compiles anew.
Loading the pickle imports neither pydantic nor the card loader, which is what keeps
``ratecard validate`` within its start-up budget. A cache that cannot be read or written is
simply not used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from ..datadir import cache_dir
from .compiled import CompiledCatalog

_PACKAGE = Path(__file__).resolve().parents[1]  # catalog/
_FORMAT = b"ratecard-requests-2"


def code_files() -> list[Path]:
    """Every module of the catalog package: loading, units, issue wording and the dialects
    all shape the compiled validators, so a change to any of them compiles anew (a few
    dozen small files: well under a millisecond to hash)."""
    return sorted(_PACKAGE.rglob("*.py"))


def card_digest(root: Path) -> str:
    digest = hashlib.sha256(_FORMAT)
    files = [p for sub in ("models", "providers") for p in sorted((root / sub).rglob("*.yaml"))]
    code = code_files()
    for path in (*files, *code):
        name = str(path.relative_to(root) if path.is_relative_to(root) else path.name)
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_compiled(root: Path | str = "data", *, use_cache: bool = True) -> CompiledCatalog:
    """The compiled request validators for the cards under ``root``."""
    root = Path(root)
    digest = card_digest(root)
    path = cache_dir() / f"requests-{digest[:32]}.pickle"
    if use_cache:
        try:
            with path.open("rb") as handle:
                found = pickle.load(handle)
            if isinstance(found, CompiledCatalog) and found.digest == digest:
                return found
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
            pass
    # here for start-up time: only a cache miss reads the cards (pydantic) and builds schemas
    from ..cards.loader import load_catalog
    from .schemas import compile_requests

    compiled = compile_requests(load_catalog(root), digest)
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                pickle.dump(compiled, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass
    return compiled
