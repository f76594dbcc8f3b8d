"""``ratecard validate [--endpoint E] [--lenient] [--json] FILE|-``.

Kept light at import time: the compiled validators come from the on-disk cache
(:mod:`catalog.requests.cache`), so this path never imports pydantic or the card loader
unless the cards changed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, data_dir, open_input

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
    from catalog.requests.validation import request_validator

    root = str(data_dir(args))
    with open_input(args.file) as stream:
        try:
            text = stream.read()
        except UnicodeDecodeError as exc:
            raise UsageError(f"{args.file}: not UTF-8 text ({exc.reason})") from None
    try:
        validator = request_validator(root)
    except Exception as exc:  # the cards do not load: not the request's fault
        raise UsageError(f"the catalog has problems; run 'ratecard catalog lint' ({exc})") from None
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
    from catalog.requests.validation import dump_request as dump

    return dump(body, indent=indent)


def _print_text(result: Any, lenient: bool) -> None:
    what = f"{result.model or '?'} ({result.endpoint})"
    for issue in result.issues:
        print(f"error: {issue.pointer or '/'}: {issue.message}", file=sys.stdout)
    for warning in result.warnings:
        print(f"warning: {warning.pointer or '/'}: {warning.message}", file=sys.stdout)
    if result.valid:
        print(f"valid: {what}")
    else:
        print(f"invalid: {what}: {len(result.issues)} issue(s)")
    if lenient and result.valid:
        print(dump_request(result.request, indent=2))
