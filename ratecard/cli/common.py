"""What every subcommand shares: exit codes, the catalog, input files, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from billing.text import decimal_text

if TYPE_CHECKING:
    from catalog import Catalog

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""


def data_dir(args: argparse.Namespace) -> Path:
    """The card directory (:func:`catalog.datadir.data_dir`): ``--data``, else
    ``$RATECARD_DATA``, else the bundled cards; a usage error if it is not a directory."""
    from catalog.datadir import data_dir as choose

    path = choose(getattr(args, "data", None))
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    return path


def get_catalog(args: argparse.Namespace) -> Catalog:
    from catalog import load_catalog  # imported here: it loads pydantic (start-up time)

    return load_catalog(data_dir(args))


def open_input(name: str) -> IO[str]:
    if name == "-":
        return sys.stdin
    path = Path(name)
    if not path.is_file():
        raise UsageError(f"{name}: no such file")
    return path.open(encoding="utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "items"):
        return dict(value.items())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, indent=indent)


def print_json(value: Any, *, indent: int | None = 2, file: IO[str] | None = None) -> None:
    print(dumps(value, indent=indent), file=file or sys.stdout)


def read_json_lines(stream: IO[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) for each non-blank line, 1-based."""
    for number, line in enumerate(stream, 1):
        if line.strip():
            yield number, line
