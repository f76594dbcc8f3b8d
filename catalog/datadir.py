"""Where the cards are: the one data-directory policy of every caller (the command line, the
request validator, :func:`billing.rating.bundled_catalog`).

1. the directories the caller names (``ratecard --data DIR [--data DIR ...]``);
2. else ``$RATECARD_DATA`` (several separated by ``os.pathsep``);
3. else the bundled cards: ``ratecard_data/`` beside this package in an installed wheel
   (setup.py ships the repository's ``data/`` under that name), or ``data/`` beside it in a
   checkout or an editable install, with the bundled world catalog (its ``world/``) as
   the layer below them.

Layers are listed lowest first (:mod:`catalog.layers`); :func:`data_dir` is the highest, the
platform's own cards (what lint, the request validator and ``bundled_catalog`` read).

Imports only the standard library: ``ratecard validate`` calls it on start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

_HOME = Path(__file__).resolve().parents[1]  # site-packages, or the repository


def bundled_data_dir() -> Path:
    """The cards that ship with the package (see the module docstring); the path is returned
    even if it does not exist, so the error names it."""
    installed = _HOME / "ratecard_data"
    if installed.is_dir():
        return installed
    return _HOME / "data"


def data_dirs(
    explicit: str | os.PathLike[str] | list[str] | list[Path] | None = None,
) -> list[Path]:
    """The card layers, lowest first: ``explicit`` (one directory or a list), else
    ``$RATECARD_DATA`` (``os.pathsep``-separated), else the bundled world under the bundled
    cards (the world only when it exists)."""
    if explicit:
        items = explicit if isinstance(explicit, list) else [explicit]
        return [Path(p) for p in items]
    from_env = os.environ.get("RATECARD_DATA")
    if from_env:
        return [Path(p) for p in from_env.split(os.pathsep) if p]
    bundled = bundled_data_dir()
    world = bundled / "world"
    return [world, bundled] if (world / "providers").is_dir() else [bundled]


def cache_dir() -> Path:
    """Where compiled caches live: ``$RATECARD_CACHE``, else ``$XDG_CACHE_HOME/ratecard``,
    else ``~/.cache/ratecard`` (:mod:`catalog.layers`, :mod:`catalog.requests.cache`)."""
    explicit = os.environ.get("RATECARD_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ratecard"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The highest card layer (:func:`data_dirs`): the platform's own cards."""
    return data_dirs(explicit)[-1]
