"""What every subcommand shares: exit codes, the catalog, input files, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from billing import decimal_text

if TYPE_CHECKING:
    from catalog import Catalog

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  #: 128 + SIGINT, as shells report Ctrl-C


#: The largest request body a command reads (characters).
MAX_BODY_CHARS = 64 * 1024 * 1024
#: The longest JSON Lines line read whole (characters); a longer one is reported on its
#: own and skipped without being held in memory.
MAX_LINE_CHARS = 1024 * 1024


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""


class Interrupted(Exception):
    """Stopped by Ctrl-C or SIGTERM (exit status 130); the message says what was kept."""


class InputError(Exception):
    """The input was judged bad as a whole (exit status 1): not text, too large."""


def db_arg(parser: argparse.ArgumentParser) -> None:
    """The ``--db`` option every ledger command takes (resolved by ``billing.ledger``)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLite file path or postgresql:// URL (default: $RATECARD_DB, else ./ratecard.db)",
    )


def data_dirs(args: argparse.Namespace) -> list[Path]:
    """The card layers, lowest first (:func:`catalog.datadir.data_dirs`): ``--data``
    (repeatable), else ``$RATECARD_DATA`` (``os.pathsep``-separated), else the bundled world
    catalog under the bundled cards; a usage error if one is not a directory."""
    # here for start-up time: loaded only when this command runs
    from catalog import data_dirs as choose

    paths = choose(getattr(args, "data", None))
    for path in paths:
        if not path.is_dir():
            raise UsageError(f"{path} is not a directory")
    return paths


def data_dir(args: argparse.Namespace) -> Path:
    """The highest layer: the platform's own cards (lint, schema and validate read it)."""
    return data_dirs(args)[-1]


#: How many card problems a command other than ``catalog lint`` prints before its sentence.
SHOWN_CARD_PROBLEMS = 20


def get_catalog(args: argparse.Namespace) -> Catalog:
    """The catalog of the ``--data`` layers (:func:`catalog.load_layers`); when the cards
    have problems, the first :data:`SHOWN_CARD_PROBLEMS` go to stderr and
    :class:`InputError` says how many (exit 1, the same for every command)."""
    from catalog import CardErrors, load_layers  # imported here: pydantic (start-up time)

    try:
        return load_layers(data_dirs(args))
    except CardErrors as exc:
        for problem in exc.problems[:SHOWN_CARD_PROBLEMS]:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        raise InputError(
            f"the cards have {count} problem{'s' if count != 1 else ''}; "
            "run 'ratecard catalog lint' to see them all"
        ) from None


def input_path(name: str) -> Path:
    """``name`` as an input file's path; raises UsageError (in the user's words) for a
    directory, a missing file, or anything but a regular file."""
    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{name} is a directory; give a file")
    if not path.exists():
        raise UsageError(f"{name}: no such file")
    if not path.is_file():
        raise UsageError(f"{name} is not a regular file (a device or a pipe); give a file or -")
    return path


def open_input(name: str) -> IO[str]:
    if name == "-":
        return sys.stdin
    return input_path(name).open(encoding="utf-8")


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


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_output(
    option: str, target: str, inputs: Sequence[str | Path] = (), *, directory: bool = False
) -> Path | None:
    """The path of an output option (None for ``-``, standard output), checked before any
    output is opened: it must not be one of ``inputs`` (compared as resolved paths, so
    ``./a`` and a link to ``a`` are the same file), a directory (unless ``directory``), a
    file where a directory is wanted, or below a file. A :class:`UsageError` says which."""
    if target == "-":
        return None
    if not target.strip():
        raise UsageError(f"{option} is empty: give a path")
    path = Path(target)
    for given in inputs:
        if str(given) != "-" and _same(path, Path(given)):
            raise UsageError(
                f"{option} {target} is also an input ({given}); nothing was written: "
                "choose another path"
            )
    if directory:
        if path.exists() and not path.is_dir():
            raise UsageError(f"{option} {target} is a file; give a directory")
    elif path.is_dir():
        raise UsageError(f"{option} {target} is a directory; give a file path")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{option} {target}: {parent} is a file, not a directory")
            break
    return path


def write_output(path: Path | None, text: str) -> None:
    """Write ``text`` to ``path`` (its parent made), or to standard output for None."""
    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        if exc.filename is not None:
            raise
        # a failed write or close (/dev/full) names no file: name it for the message
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    print(f"wrote {path}", file=sys.stderr)


def _name(name: str) -> str:
    return "standard input" if name == "-" else name


def read_body(name: str) -> str:
    """The whole of ``name`` (``-``: standard input) as text, at most
    :data:`MAX_BODY_CHARS`; :class:`InputError` when longer or not text."""
    with open_input(name) as stream:
        try:
            text = stream.read(MAX_BODY_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise UsageError(f"{_name(name)}: not UTF-8 text ({exc.reason})") from None
    if len(text) > MAX_BODY_CHARS:
        raise InputError(
            f"{_name(name)} is larger than {MAX_BODY_CHARS // (1024 * 1024)} MiB; "
            "a request body is not that large"
        )
    if "\x00" in text:
        raise InputError(f"{_name(name)} is not text: it holds NUL bytes")
    return text


def read_json_lines(stream: IO[str], name: str = "the input") -> Iterator[tuple[int, str]]:
    """(line number, text) for each non-blank line, 1-based. A line longer than
    :data:`MAX_LINE_CHARS` is yielded cut to one character more than that (so the record
    reader refuses it by its length) and the rest of it is skipped, never held whole;
    input holding NUL bytes is not text (:class:`InputError`)."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if "\x00" in line:
            raise InputError(f"{_name(name)} is not text: line {number} holds NUL bytes")
        blank = not line.strip()
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            while True:  # skip the rest of the line in bounded pieces
                rest = stream.readline(MAX_LINE_CHARS)
                if "\x00" in rest:
                    raise InputError(f"{_name(name)} is not text: line {number} holds NUL bytes")
                # a long line is blank only when all of it is: one whose first part is
                # blank is still a record (refused by its length), never skipped
                blank = blank and not rest.strip()
                if not rest or rest.endswith("\n"):
                    break
        if not blank:
            yield number, line
