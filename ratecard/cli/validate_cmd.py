"""``ratecard validate [--endpoint E] [--lenient] [--json] FILE|-``.

Kept light at import time: the compiled validators come from the on-disk cache
(:mod:`catalog.requests.cache`), so this path never imports pydantic or the card loader
unless the cards changed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK, InputError, data_dir, read_body

ENDPOINTS = ("chat.completions", "completions", "responses", "messages", "runware.task")


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="validate a request body against the catalog")
    p.add_argument("file", metavar="FILE|-", help="the request body (JSON), or - for stdin")
    p.add_argument(
        "--endpoint",
        choices=ENDPOINTS,
        help="the request's dialect (default: guessed from the body; chat.completions for "
        "an object with messages)",
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="drop unknown fields with a warning and print the cleaned request",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import CardErrors, request_validator

    root = str(data_dir(args))
    text = read_body(args.file)
    try:
        validator = request_validator(root)
    except CardErrors as exc:  # the cards do not load: exit 1, as for every command
        count = len(exc.problems)
        raise InputError(
            f"the cards have {count} problem{'s' if count != 1 else ''}; "
            "run 'ratecard catalog lint' to see them all"
        ) from None
    result = validator.validate_text(text, endpoint=args.endpoint, lenient=args.lenient)
    if args.json:
        doc = result.as_dict()
        if args.lenient:
            doc["request"] = result.request
        print(dump_request(doc))
    else:
        _print_text(result, args.lenient)
    return EXIT_OK if result.valid else EXIT_BAD_INPUT


def dump_request(body: Any, *, indent: int | None = None) -> str:
    # here for start-up time: loaded only when this command runs
    from catalog import dump_request as dump

    return dump(body, indent=indent)


def _print_text(result: Any, lenient: bool) -> None:
    """Issues and the verdict on stdout; with ``--lenient`` stdout holds only the cleaned
    request (ready to send) and the rest goes to stderr."""
    report = sys.stderr if lenient else sys.stdout
    what = f"{result.model} ({result.endpoint})" if result.model else ""
    for issue in result.issues:
        print(f"error: {issue.pointer or '/'}: {issue.message}", file=report)
    for warning in result.warnings:
        print(f"warning: {warning.pointer or '/'}: {warning.message}", file=report)
    count = len(result.issues)
    issues = f"{count} issue" + ("" if count == 1 else "s")
    if result.valid:
        print(f"valid: {what}", file=report)
    else:
        print(f"invalid: {what}: {issues}" if what else f"invalid: {issues}", file=report)
    if lenient and result.valid:
        print(dump_request(result.request, indent=2))
