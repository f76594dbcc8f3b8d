"""``ratecard estimate [--endpoint E] [--budget USD] FILE|-``: worst-case cost of a request."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from billing import EstimateError, decimal_text, estimate, estimate_doc, explain_line, loads
from catalog import ENDPOINTS

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, print_json, read_body
from .price_cmd import load_catalog_for


def register(sub: Any) -> None:
    p = sub.add_parser(
        "estimate",
        help="worst-case cost of a request before sending it",
        description=(
            "Estimate the worst-case cost of a request body: the prompt's upper bound, the "
            "output cap, the thinking budget and every enabled tool's fee, with the "
            "assumptions. With --budget, exit status 1 when the worst case exceeds it. A "
            "request that cannot be estimated (bad JSON, unknown model, unpublished price) "
            "is judged bad input: exit status 1, with the reason on stderr (and, with "
            "--json, an error document whose worst_case is null)."
        ),
    )
    p.add_argument("file", metavar="FILE|-", help="a JSON request body, or - for stdin")
    p.add_argument("--endpoint", choices=ENDPOINTS, help="the dialect (default: from the body)")
    p.add_argument("--budget", metavar="USD", help="fail (exit 1) above this amount")
    p.add_argument(
        "--tool-calls",
        type=int,
        default=1,
        metavar="N",
        help="calls assumed for each enabled tool (default 1: a floor)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_estimate)


def _cannot(args: argparse.Namespace, message: str) -> int:
    """No estimate (bad JSON, no or unknown model, a price that is not published): the
    sentence on stderr (with --json, also the JSON document on stdout), exit status 1:
    bad input, as DESIGN.md §5 says. "Over --budget" is exit 1 too (issue 4); a script
    tells them apart by the JSON document (``worst_case`` null and an ``error``) or by the
    sentence on stderr, and never takes an estimate that could not be made for a cost."""
    if args.json:
        print_json({"worst_case": None, "error": message})
    print(f"ratecard: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_estimate(args: argparse.Namespace) -> int:
    budget = None
    if args.budget is not None:
        try:
            budget = Decimal(args.budget)
        except InvalidOperation:
            raise UsageError(f"--budget {args.budget!r} is not a decimal amount") from None
        if not budget.is_finite() or budget < 0:
            raise UsageError("--budget must be a finite amount of at least 0")
    if args.tool_calls < 0:
        raise UsageError("--tool-calls must be at least 0")
    catalog = load_catalog_for(args)
    text = read_body(args.file)
    try:
        body = loads(text)
    except (ValueError, RecursionError) as exc:
        # here for start-up time: loaded only when this command runs
        from catalog import json_problem

        problem = json_problem(exc)
        if problem.startswith("not valid JSON"):
            return _cannot(args, f"the request is {problem}")
        return _cannot(args, f"the request cannot be used: {problem}")
    try:
        result = estimate(body, args.endpoint, catalog, tool_calls=args.tool_calls)
    except EstimateError as exc:
        return _cannot(args, exc.message)
    over = budget is not None and result.worst_case > budget
    if args.json:
        print_json(estimate_doc(result, budget))
    else:
        for task in result.tasks:
            times = f" × {task.multiplier} results" if task.multiplier > 1 else ""
            print(f"{task.offering} ({task.endpoint}){times}")
            width = max(len(li.charge) for li in task.charge.lines) if task.charge.lines else 0
            for li in task.charge.lines:
                print(f"  {li.charge.ljust(width)}  {explain_line(li)}")
        print(f"worst case: {result.currency} {decimal_text(result.worst_case)}")
        if budget is not None:
            verdict = "OVER" if over else "within"
            print(f"budget: {result.currency} {decimal_text(budget)} ({verdict})")
        print("assumptions:")
        for note in result.assumptions:
            print(f"  - {note}")
    return EXIT_BAD_INPUT if over else EXIT_OK
