"""``ratecard serve``, ``ratecard tenant create``, ``ratecard key create|revoke|list`` and
``ratecard openapi [--check]``. The service's modules are imported inside the commands (they
load FastAPI), so other commands' start-up time does not pay for them."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import EXIT_BAD_INPUT, EXIT_OK, UsageError, data_dir, db_arg, print_json


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="the HTTP service",
        description="Serve the catalog, validation, estimates, pricing, usage ingest and "
        "invoices over HTTP (FastAPI on uvicorn). SIGTERM or Ctrl-C stops it gracefully: "
        "requests in flight finish, and every event acknowledged is committed.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    db_arg(p)
    p.add_argument(
        "--no-anonymous-catalog",
        action="store_true",
        help="require an API key on the catalog routes and model pages too",
    )
    p.add_argument(
        "--max-body-bytes", type=int, default=None, metavar="N", help="413 above (10 MiB)"
    )
    p.add_argument(
        "--max-batch", type=int, default=None, metavar="N", help="records per request (10,000)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (uvicorn's; default 1): each serves requests on the same port "
        "with its own database connections; SIGTERM stops them all gracefully",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="the lowest level logged (default: info)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the address and database as JSON first (the logs are JSON lines anyway)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("tenant", help="tenants of the HTTP service")
    tsub = p.add_subparsers(dest="tenant_command", required=True, metavar="SUBCOMMAND")
    q = tsub.add_parser("create", help="create a tenant and print its first API key")
    q.add_argument("name", help="lower-case letters, digits, '-' and '_'")
    db_arg(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_tenant_create)

    p = sub.add_parser("key", help="API keys of the HTTP service")
    ksub = p.add_subparsers(dest="key_command", required=True, metavar="SUBCOMMAND")
    q = ksub.add_parser("create", help="print a new API key for a tenant (shown once)")
    q.add_argument("--tenant", required=True, help="the tenant id")
    db_arg(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_key_create)
    q = ksub.add_parser("revoke", help="revoke a key by its id (rc_<KEY_ID>_...)")
    q.add_argument("key_id", help="the id of the key (from key create or key list)")
    db_arg(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_key_revoke)
    q = ksub.add_parser("list", help="a tenant's key ids, with when they were made and revoked")
    q.add_argument("--tenant", required=True, help="the tenant id")
    db_arg(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_key_list)

    p = sub.add_parser("openapi", help="write (or --check) the service's OpenAPI document")
    p.add_argument(
        "--out", type=Path, default=None, help="default: openapi.json in the card directory"
    )
    p.add_argument("--check", action="store_true", help="fail if the committed one is stale")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_openapi)


def _engine(url: str | None, *, create: bool = False) -> Any:
    """The service's database, checked as every ``--db`` is (``ledger_cmd.database_target``):
    only ``tenant create`` and ``serve`` (``create``) make a missing SQLite file."""
    # here for start-up time: loaded only when this command runs
    from billing.ledger import ensure_schema, make_engine

    from .ledger_cmd import database_target  # the one --db check (start-up time)

    target = database_target(url, create=create)
    try:
        engine = make_engine(target)
        ensure_schema(engine)
    except Exception as exc:
        if exc.__class__.__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            raise UsageError(f"cannot open the database: {exc}") from None
        raise
    return engine


def _new_key(args: argparse.Namespace, make: Any, *, create: bool = False) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import TenantError

    engine = _engine(args.db, create=create)
    try:
        new = make(engine)
    except TenantError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    if args.json:
        print_json({"tenant": new.tenant, "key_id": new.key_id, "key": new.key})
    else:
        print(f"tenant {new.tenant}: API key {new.key_id} (shown once, keep it): {new.key}")
    return EXIT_OK


def cmd_tenant_create(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import create_tenant

    return _new_key(args, lambda engine: create_tenant(engine, args.name), create=True)


def cmd_key_create(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import create_key

    return _new_key(args, lambda engine: create_key(engine, args.tenant))


def cmd_key_revoke(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import TenantError, revoke_key

    engine = _engine(args.db)
    try:
        revoke_key(engine, args.key_id)
    except TenantError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    if args.json:
        print_json({"key_id": args.key_id, "revoked": True})
    else:
        print(f"API key {args.key_id} revoked")
    return EXIT_OK


def cmd_key_list(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.ledger import TenantError, list_keys

    engine = _engine(args.db)
    try:
        keys = list_keys(engine, args.tenant)
    except TenantError as exc:
        print(f"ratecard: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    if args.json:
        print_json([{"key_id": k, "created_at": c, "revoked_at": r} for k, c, r in keys])
    else:
        for key_id, created, revoked in keys:
            state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
            print(f"{key_id}  created {created:%Y-%m-%d %H:%M}  {state}")
    return EXIT_OK


def _config(args: argparse.Namespace) -> Any:
    # here for start-up time: loaded only when this command runs
    from ratecard.service.config import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY, ServiceConfig

    body = args.max_body_bytes if args.max_body_bytes is not None else DEFAULT_MAX_BODY
    batch = args.max_batch if args.max_batch is not None else DEFAULT_MAX_BATCH
    if body < 1 or batch < 1:
        raise UsageError("--max-body-bytes and --max-batch must be at least 1")
    return ServiceConfig(
        data=data_dir(args),
        db=args.db,
        anonymous_catalog=not args.no_anonymous_catalog,
        max_body_bytes=body,
        max_batch_lines=batch,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    import uvicorn

    # here for start-up time: loaded only when this command runs
    from ratecard.service import create_app
    from ratecard.service.app import CONFIG_ENV, LOG_LEVEL_ENV
    from ratecard.service.observe import configure_logging

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, got {args.port}")
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers must be 1 to 64, got {args.workers}")
    config = _config(args)
    configure_logging(args.log_level)
    # a database that cannot be opened is a usage error
    _engine(config.db, create=True).dispose()
    where = {
        "url": f"http://{args.host}:{args.port}",
        "db": config.db or "(default)",
        "workers": args.workers,
    }
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,  # our JSON handler on the root logger
        "access_log": False,  # ratecard.access writes one JSON line per request instead
        "timeout_graceful_shutdown": 30,
        "server_header": False,
    }
    if args.workers == 1:
        app: Any = create_app(config)
        _announce(args, where)
        uvicorn.run(app, **options)
        return EXIT_OK
    # uvicorn starts the workers from an import string; each builds its app from the
    # environment, and the metrics of all of them are summed through a shared directory
    os.environ[CONFIG_ENV] = config.to_json()
    os.environ[LOG_LEVEL_ENV] = args.log_level
    with tempfile.TemporaryDirectory(prefix="ratecard-metrics-") as metrics_dir:
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", metrics_dir)
        _announce(args, where)
        uvicorn.run(
            "ratecard.service.app:app_from_environment",
            factory=True,
            workers=args.workers,
            **options,
        )
    return EXIT_OK


def _announce(args: argparse.Namespace, where: dict[str, Any]) -> None:
    if args.json:
        print_json(where, indent=None)
    else:
        processes = f", {args.workers} workers" if args.workers > 1 else ""
        print(
            f"ratecard serving on {where['url']} (database {where['db']}{processes}); "
            "Ctrl-C stops it"
        )
    sys.stdout.flush()


def cmd_openapi(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from ratecard.service import ServiceConfig, create_app, openapi_text

    out: Path = args.out or data_dir(args) / "openapi.json"
    app = create_app(ServiceConfig(data=data_dir(args), db="sqlite:///:memory:"), migrate=False)
    text = openapi_text(app)
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else ""
        stale = current != text
        if args.json:
            print_json({"path": str(out), "ok": not stale})
        elif stale:
            print(f"{out}: out of date; run 'ratecard openapi'", file=sys.stderr)
        return EXIT_BAD_INPUT if stale else EXIT_OK
    out.write_text(text, encoding="utf-8")
    if args.json:
        print_json({"written": str(out)})
    else:
        print(f"wrote {out}")
    return EXIT_OK
