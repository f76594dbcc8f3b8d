"""The ``ratecard`` command: a thin layer that parses arguments and calls the library.

Exit status: 0 success, 1 the input was judged bad, 2 a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn

from .boundary import ArgumentError, fail, report
from .common import EXIT_OK, EXIT_USAGE

#: Subcommand → the module (in this package) that registers it, in the order the help
#: shows. Only the module of the command being run is imported, so that one command's
#: imports (pydantic, SQLAlchemy, rating) never slow another's start-up.
COMMANDS = {
    "catalog": "catalog_cmd",
    "validate": "validate_cmd",
    "estimate": "estimate_cmd",
    "price": "price_cmd",
    "audit": "audit_cmd",
    "ingest": "ledger_cmd",
    "invoice": "ledger_cmd",
    "credit-note": "ledger_cmd",
    "db": "ledger_cmd",
    "customer": "profile_cmd",
    "issuer": "profile_cmd",
    "rate": "rate_cmd",
    "export-events": "rate_cmd",
    "serve": "service_cmd",
    "tenant": "service_cmd",
    "key": "service_cmd",
    "openapi": "service_cmd",
}


def _requested(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``, skipping the global options before it."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--data":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _modules(argv: Sequence[str] | None) -> list[ModuleType]:
    wanted = _requested(sys.argv[1:] if argv is None else argv)
    names = [COMMANDS[wanted]] if wanted in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    return [importlib.import_module(f".{name}", __name__) for name in names]


def _columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` finds it, fallback 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized without importing shutil: argparse builds one for
    every add_argument call, and shutil (with bz2 and lzma) costs ``ratecard validate``
    start-up time."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _columns() - 2  # as HelpFormatter does with shutil's answer
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommand parsers (of the same class) use :class:`_Formatter`
    and whose errors go through the error boundary (with the subcommand's own usage)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise ArgumentError(f"{self.prog}: {message}", self.format_usage())


def build_parser(argv: Sequence[str] | None = ()) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's module is loaded
    (``()`` loads them all, for help and tests)."""
    parser = _Parser(
        prog="ratecard",
        description="Model catalog, request validation, exact pricing and invoices for LLM APIs.",
        epilog="Exit status: 0 success, 1 the input was judged bad, 2 a usage error, "
        "130 interrupted. RATECARD_DEBUG=1 shows tracebacks.",
    )
    parser.add_argument("--version", "-V", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--data",
        metavar="DIR",
        action="append",
        help="a card directory; repeat for layers, lowest first: a higher layer's offering "
        "replaces the same provider/id below it (default: $RATECARD_DATA, a "
        f"'{os.pathsep}'-separated list, else the bundled world catalog under the bundled cards)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules(argv):
        module.register(sub)
    return parser


#: Options of the ``ratecard`` command itself that take a value; they may also be written
#: after the subcommand (``ratecard catalog list --data DIR``).
GLOBAL_OPTIONS = ("--data",)


def _globals_first(argv: list[str]) -> list[str]:
    """``argv`` with the global options (and their values) moved before the subcommand."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_OPTIONS and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 2
            continue
        if arg.startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def version() -> str:
    # here for start-up time: loaded only when this command runs
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("ratecard")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # handled like Ctrl-C: the batch in flight finishes or rolls back


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ratecard ARGV``; the exit status. Every expected error is one sentence on
    stderr (and a JSON error object on stdout with ``--json``): see :mod:`.boundary`."""
    args_list = _globals_first(list(sys.argv[1:] if argv is None else argv))
    as_json = any(a == "--json" or a.startswith("--json=") for a in args_list)
    if args_list[:1] in (["--version"], ["-V"]):
        print(f"ratecard {version()}")
        return EXIT_OK
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test, a host program): its handler stays
        previous = None
    try:
        parser = build_parser(args_list)
        try:
            args, extra = parser.parse_known_args(args_list)
            if extra:
                _innermost(parser, args_list).error(f"unrecognized arguments: {' '.join(extra)}")
        except ArgumentError as exc:
            message = str(exc)
            stray = _stray_options(args_list)
            if "required: COMMAND" in message and stray:  # "ratecard --bogus"
                message = (
                    f"unrecognized arguments: {' '.join(stray)} (a COMMAND comes first; "
                    "'ratecard --help' lists them)"
                )
            fail(message, EXIT_USAGE, "usage", as_json=as_json, usage=exc.usage)
            return EXIT_USAGE
        except SystemExit as exc:  # --help
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        try:
            code: int = args.func(args)
        except BrokenPipeError:
            _quiet_stdout()
            return EXIT_OK
        except (Exception, KeyboardInterrupt) as exc:
            source = getattr(args, "file", None)
            return report(exc, as_json=as_json, source=source if isinstance(source, str) else None)
        return code
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stray_options(argv: list[str]) -> list[str]:
    """The options in ``argv`` that ``ratecard`` itself does not take (values skipped)."""
    stray, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in GLOBAL_OPTIONS:
            skip = True
        elif arg.startswith("-") and arg.split("=", 1)[0] not in GLOBAL_OPTIONS:
            stray.append(arg)
    return stray


def _innermost(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The (sub)parser of the deepest subcommand named in ``argv``: its errors show its usage."""
    current = parser
    while True:
        subs = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = next((subs[0].choices[w] for w in argv if subs and w in subs[0].choices), None)
        if chosen is None:
            return current
        current = chosen


def _quiet_stdout() -> None:
    """After a closed pipe (``ratecard ... | head``), keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
