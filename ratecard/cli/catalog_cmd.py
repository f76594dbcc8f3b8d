"""``ratecard catalog lint|list|show|compile|site|schema``.

The catalog modules are imported inside the commands: they load pydantic, and importing
this module must stay cheap for ``ratecard validate``'s start-up time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog import Catalog

from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    check_output,
    data_dir,
    data_dirs,
    get_catalog,
    print_json,
)


def register(sub: Any) -> None:
    cat = sub.add_parser("catalog", help="lint, list, show and compile the cards")
    csub = cat.add_subparsers(dest="catalog_command", required=True, metavar="SUBCOMMAND")

    p = csub.add_parser("lint", help="check every card")
    p.add_argument("dir", nargs="?", help="card directory (default: the data directory)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_lint)

    p = csub.add_parser("list", help="one line per offering and variant")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--provider", help="only this provider's offerings")
    p.add_argument("--search", metavar="TEXT", help="TEXT in the id, name, provider or model")
    p.add_argument(
        "--status", choices=["available", "coming_soon", "deprecated", "retired"], help="status"
    )
    p.add_argument("--modality", help="an input or output modality (text, image, audio, video)")
    p.add_argument("--feature", help="a feature flag (vision, function_calling, ...)")
    p.add_argument(
        "--sort",
        choices=["id", "input", "output", "context"],
        default="id",
        help="input/output: cheapest first (first tier); context: largest first (default: id)",
    )
    p.add_argument("--limit", type=int, help="at most this many rows")
    p.set_defaults(func=cmd_list)

    p = csub.add_parser("show", help="a model page: at a glance, pricing, parameters, variants")
    p.add_argument("id", help="offering id, provider/id or base:variant")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_show)

    p = csub.add_parser("compile", help="write the machine-readable catalog")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(func=cmd_compile)

    p = csub.add_parser("site", help="write the model pages as static HTML")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(func=cmd_site)

    p = csub.add_parser("schema", help="write (or --check) the card format's JSON Schema")
    p.add_argument("dir", nargs="?", help="card directory (default: the data directory)")
    p.add_argument("--check", action="store_true", help="fail if the committed schema is stale")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_schema)

    # here for start-up time: loaded only when this command runs
    from . import crosscheck_cmd, interop_cmd

    interop_cmd.register(csub)
    interop_cmd.register_export(csub)
    crosscheck_cmd.register(csub)


def cmd_lint(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import CardErrors, load_catalog

    root = Path(args.dir) if args.dir else data_dir(args)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")
    try:
        catalog = load_catalog(root)
    except CardErrors as exc:
        if args.json:
            print_json(
                {
                    "ok": False,
                    "problems": [
                        {
                            "path": p.path,
                            "line": p.line,
                            "col": p.col,
                            "field": p.field,
                            "message": p.message,
                        }
                        for p in exc.problems
                    ],
                }
            )
        else:
            for problem in exc.problems:
                print(problem)
            print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = {
        "models": len(catalog.models),
        "providers": len(catalog.providers),
        "offerings": len(catalog.offerings),
    }
    # Warnings, not problems: imported ids are kept exactly as their source writes them.
    if not args.dir and len(data_dirs(args)) > 1:
        # here for start-up time: loaded only when this command runs
        from catalog import load_layers

        collisions = load_layers(data_dirs(args)).key_collisions()
    else:
        collisions = catalog.key_collisions()
    warnings = [
        f"warning: {key!r} is {key.partition('/')[0]}'s offering {key.partition('/')[2]!r} "
        f"and also the id of {other}; without a provider it is ambiguous"
        for key, other in collisions
    ]
    if args.json:
        print_json({"ok": True, "problems": [], "warnings": warnings, **counts})
    else:
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(
            f"{root}: ok ({counts['models']} models, {counts['providers']} providers, "
            f"{counts['offerings']} offerings and variants)"
        )
    return EXIT_OK


def _catalog_or_problems(args: argparse.Namespace) -> Catalog | None:
    """The catalog (bad cards raise :class:`InputError` in :func:`get_catalog`: exit 1)."""
    return get_catalog(args)


def cmd_list(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog.publish import LIST_HEADERS, list_doc, list_rows, select, table

    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must not be negative")
    catalog = _catalog_or_problems(args)
    if catalog is None:
        return EXIT_BAD_INPUT
    chosen = select(
        catalog,
        provider=args.provider,
        search=args.search,
        status=args.status,
        modality=args.modality,
        feature=args.feature,
        sort=args.sort,
        limit=args.limit,
    )
    if args.json:
        print_json(list_doc(catalog, chosen))
    else:
        print(table(list_rows(catalog, chosen), LIST_HEADERS))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import UnknownOfferingError
    from catalog.publish import model_doc, model_page, offering_doc, show_page

    catalog = _catalog_or_problems(args)
    if catalog is None:
        return EXIT_BAD_INPUT
    try:
        offering = catalog.resolve(args.id)
    except UnknownOfferingError as exc:
        model = catalog.find_model(args.id)
        if model is None:
            print(f"ratecard: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if args.json:
            print_json(model_doc(model))
        else:
            print(model_page(catalog, model))
        return EXIT_OK
    layer = catalog.layer_of.get(offering.key)
    if args.json:
        doc = offering_doc(catalog, offering)
        model = catalog.models.get(offering.model)
        doc["model_card"] = model_doc(model) if model else None
        doc["layer"] = layer
        print_json(doc)
    else:
        print(show_page(catalog, offering))
        if layer is not None:
            print(f"\nLayer: {layer} (of {len(set(catalog.layer_of.values()))} layers)")
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog.publish import write_site

    catalog = _catalog_or_problems(args)
    if catalog is None:
        return EXIT_BAD_INPUT
    out: Path = args.out
    written = write_site(catalog, out)
    if args.json:
        print_json({"out": str(out), "files": [str(p) for p in written]})
    else:
        print(f"wrote {len(written)} pages to {out} (open {out / 'index.html'})")
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import compile_catalog

    catalog = _catalog_or_problems(args)
    if catalog is None:
        return EXIT_BAD_INPUT
    out: Path = args.out
    check_output("--out", str(out), directory=True)
    cards = data_dir(args).resolve()
    if out.resolve() == cards or cards in out.resolve().parents:
        raise UsageError(f"--out {out} is inside the card directory {cards}; write elsewhere")
    written = compile_catalog(catalog, out)
    if args.json:
        print_json({"out": str(out), "files": [str(p) for p in written]})
    else:
        print(f"wrote {len(written)} files to {out}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from catalog import stale_schemas, write_schemas

    root = Path(args.dir) if args.dir else data_dir(args)
    if args.check:
        stale = stale_schemas(root)
        if args.json:
            print_json({"ok": not stale, "stale": stale})
        for path in [] if args.json else stale:
            print(f"{path}: out of date; run 'ratecard catalog schema'", file=sys.stderr)
        return EXIT_BAD_INPUT if stale else EXIT_OK
    written = [str(p) for p in write_schemas(root)]
    if args.json:
        print_json({"written": written})
    else:
        for path in written:
            print(f"wrote {path}")
    return EXIT_OK
