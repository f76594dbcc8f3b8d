"""Where the cards are: the one data-directory policy of every caller (the command line, the
request validator, :func:`billing.rating.bundled_catalog`).

1. the directory the caller names (``ratecard --data DIR``);
2. else ``$RATECARD_DATA``;
3. else the bundled cards: ``ratecard_data/`` beside this package in an installed wheel
   (setup.py ships the repository's ``data/`` under that name), or ``data/`` beside it in a
   checkout or an editable install.

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


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The card directory: ``explicit``, else ``$RATECARD_DATA``, else the bundled cards."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("RATECARD_DATA")
    if from_env:
        return Path(from_env)
    return bundled_data_dir()
