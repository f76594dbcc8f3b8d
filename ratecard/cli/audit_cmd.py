"""``ratecard audit [--json] [--tolerance USD] FILE|-``: reported cost against computed cost."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from billing import Finding, audit_stream, decimal_text

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, dumps, open_input, read_json_lines
from .price_cmd import load_catalog_for


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="compare the cost a provider reported with the computed cost",
        description=(
            "List every record whose reported cost_usd/cost differs from the cost computed "
            "from the cards by more than the tolerance, with the difference and its likely "
            "cause. Exit status 1 if any record disagrees or cannot be priced."
        ),
    )
    p.add_argument("file", metavar="FILE|-", help="JSON Lines usage records, or - for stdin")
    p.add_argument(
        "--tolerance",
        metavar="USD",
        help="allowed difference (default: half a unit of the reported number's last digit)",
    )
    p.add_argument("--json", action="store_true", help="one finding (JSON) per record")
    p.set_defaults(func=cmd_audit)


def _tolerance(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"--tolerance {text!r} is not a decimal amount") from None
    if not value.is_finite() or value < 0:
        raise UsageError(f"--tolerance must be a finite amount of at least 0; got {text}")
    return value


def _text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def finding_doc(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "line": f.line,
        "model": f.model,
        "reported": None if f.reported is None else format(f.reported, "f"),
        "computed": _text(f.computed),
        "difference": _text(f.difference),
        "tolerance": _text(f.tolerance),
        "agrees": f.agrees,
        "causes": list(f.causes),
        "error": f.error,
    }


def describe(f: Finding) -> str:
    """A disagreement or failure, for people."""
    who = f"line {f.line}" + (f", record {f.id!r}" if f.id else "") + f" ({f.model or '?'})"
    if f.error is not None:
        return f"cannot be priced: {f.error}"
    assert f.reported is not None and f.computed is not None and f.difference is not None
    more = "more" if f.difference > 0 else "less"
    text = (
        f"{who}: reported {f.reported:f}, computed {decimal_text(f.computed)}; the cards say "
        f"{decimal_text(abs(f.difference))} {more} (tolerance {_text(f.tolerance)})"
    )
    return "\n".join([text, *(f"  likely cause: {cause}" for cause in f.causes)])


def cmd_audit(args: argparse.Namespace) -> int:
    catalog = load_catalog_for(args)
    tolerance = _tolerance(args.tolerance)
    counts = {"agree": 0, "disagree": 0, "unreported": 0, "failed": 0}
    with open_input(args.file) as stream:
        for finding in audit_stream(read_json_lines(stream, args.file), catalog, tolerance):
            if finding.error is not None:
                counts["failed"] += 1
            elif finding.agrees is None:
                counts["unreported"] += 1
            else:
                counts["agree" if finding.agrees else "disagree"] += 1
            if args.json:
                print(dumps(finding_doc(finding)))
            elif finding.error is not None or finding.agrees is False:
                print(describe(finding))
    if not args.json:
        total = sum(counts.values())
        print(
            f"{total} record(s): {counts['agree']} agree, {counts['disagree']} disagree, "
            f"{counts['unreported']} without a reported cost, {counts['failed']} cannot be priced"
        )
    return EXIT_BAD_INPUT if counts["disagree"] or counts["failed"] else EXIT_OK
