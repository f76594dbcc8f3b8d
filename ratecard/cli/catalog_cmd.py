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


def cmd_lint(args: argparse.Namespace) -> int:
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
    if args.json:
        print_json({"ok": True, "problems": [], **counts})
    else:
        print(
            f"{root}: ok ({counts['models']} models, {counts['providers']} providers, "
            f"{counts['offerings']} offerings and variants)"
        )
    return EXIT_OK


def _catalog_or_problems(args: argparse.Namespace) -> Catalog | None:
    """The catalog (bad cards raise :class:`InputError` in :func:`get_catalog`: exit 1)."""
    return get_catalog(args)


def cmd_list(args: argparse.Namespace) -> int:
    from catalog.publish.documents import list_doc
    from catalog.publish.pages import LIST_HEADERS, list_rows, table

    catalog = _catalog_or_problems(args)
    if catalog is None:
        return EXIT_BAD_INPUT
    if args.json:
        print_json(list_doc(catalog))
    else:
        print(table(list_rows(catalog), LIST_HEADERS))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from catalog import UnknownOfferingError
    from catalog.publish.documents import model_doc, offering_doc
    from catalog.publish.pages import model_page, show_page

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
    if args.json:
        doc = offering_doc(catalog, offering)
        model = catalog.models.get(offering.model)
        doc["model_card"] = model_doc(model) if model else None
        print_json(doc)
    else:
        print(show_page(catalog, offering))
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    from catalog.publish.html import write_site

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
    from catalog.publish.compile import compile_catalog

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
    from catalog.cards.editor_schema import stale_schemas, write_schemas

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
