"""``ratecard customer set|show`` and ``ratecard issuer set|show``: who is billed and who
bills, stored in the ledger (billing.invoicing.profiles)."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from .common import EXIT_OK, UsageError, db_arg, print_json
from .ledger_cmd import open_ledger

_LIMITS = {"name": 200, "email": 200, "tax_id": 64, "address": 2000}


def register(sub: Any) -> None:
    p = sub.add_parser("customer", help="a customer's profile: name, address, terms, tax")
    csub = p.add_subparsers(dest="profile_command", required=True, metavar="SUBCOMMAND")
    q = csub.add_parser("set", help="create or update a customer (options not given are kept)")
    db_arg(q)
    q.add_argument("id", metavar="ID", help="the customer id usage records carry")
    q.add_argument("--name", help="legal name shown on invoices")
    q.add_argument("--address", help="postal address; '\\n' or a newline separates lines")
    q.add_argument("--email", help="billing email address")
    q.add_argument("--tax-id", help="the customer's VAT or tax number")
    q.add_argument("--currency", metavar="CODE", help="ISO 4217 code its invoices are in")
    q.add_argument(
        "--terms-days", type=int, metavar="N", help="payment due N days after issue (default 30)"
    )
    tax = q.add_mutually_exclusive_group()
    tax.add_argument(
        "--tax-rate", metavar="R", help="tax as a fraction of the subtotal, e.g. 0.20 for 20%%"
    )
    tax.add_argument(
        "--reverse-charge", action="store_true", help="no tax: the customer accounts for it"
    )
    tax.add_argument("--no-tax", action="store_true", help="no tax: not applicable")
    q.add_argument("--json", action="store_true", help="print the stored profile as JSON")
    q.set_defaults(func=cmd_customer)
    q = csub.add_parser("show", help="print a customer's profile")
    db_arg(q)
    q.add_argument("id", metavar="ID", help="the customer id usage records carry")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_customer)

    tenant_help = (
        "the issuer of this tenant's invoices ('ratecard serve'; each tenant has its own "
        "profile and gapless numbers); without it, the issuer of customers outside tenants"
    )
    p = sub.add_parser("issuer", help="the issuer's profile: who the invoices are from")
    isub = p.add_subparsers(dest="profile_command", required=True, metavar="SUBCOMMAND")
    q = isub.add_parser("set", help="store the issuer (options not given are kept)")
    db_arg(q)
    q.add_argument("--name", help="legal name shown on invoices (needed the first time)")
    q.add_argument("--address", help="postal address; '\\n' or a newline separates lines")
    q.add_argument("--email", help="billing contact email address")
    q.add_argument("--tax-id", help="the issuer's VAT or tax number")
    q.add_argument("--tenant", help=tenant_help)
    q.add_argument("--json", action="store_true", help="print the stored profile as JSON")
    q.set_defaults(func=cmd_issuer)
    q = isub.add_parser("show", help="print the issuer's profile")
    db_arg(q)
    q.add_argument("--tenant", help=tenant_help)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_issuer)


def _text(option: str, value: str | None) -> str | None:
    """A text option checked for length and control characters; ``\\n`` becomes a newline."""
    if value is None:
        return None
    value = value.replace("\\n", "\n")
    limit = _LIMITS[option]
    if len(value) > limit:
        raise UsageError(f"--{option.replace('_', '-')} is longer than {limit} characters")
    bad = [c for c in value if (ord(c) < 32 and c != "\n") or ord(c) == 127]
    if bad or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise UsageError(f"--{option.replace('_', '-')} contains a control or invalid character")
    return value


def _rate(value: str) -> Decimal:
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise UsageError(
            f"--tax-rate must be a decimal fraction like 0.20, got {value[:40]!r}"
        ) from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise UsageError(f"--tax-rate is a fraction from 0 to 1 (0.20 for 20%), got {value[:40]!r}")
    if (rate.as_tuple().exponent or 0) < -6:  # type: ignore[operator]
        raise UsageError(f"--tax-rate has at most 6 decimal places, got {value[:40]!r}")
    return rate


def _customer_doc(profile: Any) -> dict[str, Any]:
    return {
        "id": profile.code,
        "name": profile.name,
        "address": profile.address,
        "email": profile.email,
        "tax_id": profile.tax_id,
        "currency": profile.currency,
        "terms_days": profile.terms_days,
        "tax_treatment": profile.tax_treatment,
        "tax_rate": None if profile.tax_rate is None else format(profile.tax_rate, "f"),
    }


def _tax_text(profile: Any) -> str:
    if profile.tax_treatment == "rate":
        return f"{format(profile.tax_rate, 'f')} of the subtotal"
    if profile.tax_treatment == "reverse_charge":
        return "reverse charge"
    if profile.tax_treatment == "not_applicable":
        return "not applicable"
    return "not set (no tax line)"


def cmd_customer(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.invoicing import DEFAULT_TERMS_DAYS, customer_profile, set_customer

    if len(args.id) > 200 or not args.id.strip():
        raise UsageError("a customer id is 1 to 200 characters")
    engine = open_ledger(args, create=False)
    try:
        if args.profile_command == "set":
            fields: dict[str, Any] = {}
            for option in ("name", "address", "email", "tax_id"):
                value = _text(option, getattr(args, option))
                if value is not None:
                    fields[option] = value
            if args.currency is not None:
                fields["currency"] = args.currency
            if args.terms_days is not None:
                if not 0 <= args.terms_days <= 365:
                    raise UsageError(f"--terms-days must be 0 to 365, got {args.terms_days}")
                fields["terms_days"] = args.terms_days
            if args.tax_rate is not None:
                fields["tax_rate"] = _rate(args.tax_rate)
            elif args.reverse_charge:
                fields["tax_treatment"] = "reverse_charge"
            elif args.no_tax:
                fields["tax_treatment"] = "not_applicable"
            profile = set_customer(engine, args.id, **fields)
        else:
            profile = customer_profile(engine, args.id)
    finally:
        engine.dispose()
    if args.json:
        print_json(_customer_doc(profile))
        return EXIT_OK
    terms = profile.terms_days if profile.terms_days is not None else DEFAULT_TERMS_DAYS
    rows = [
        ("customer", profile.code),
        ("name", profile.name or "(not set)"),
        ("address", (profile.address or "(not set)").replace("\n", ", ")),
        ("email", profile.email or "(not set)"),
        ("tax id", profile.tax_id or "(not set)"),
        ("currency", profile.currency or "(that of its charges)"),
        ("terms", f"due {terms} days after issue"),
        ("tax", _tax_text(profile)),
    ]
    print("\n".join(f"{k + ':':<10} {v}" for k, v in rows))
    return EXIT_OK


def cmd_issuer(args: argparse.Namespace) -> int:
    # here for start-up time: loaded only when this command runs
    from billing.invoicing import issuer_profile, set_issuer

    engine = open_ledger(args, create=False)
    try:
        if args.profile_command == "set":
            profile = set_issuer(
                engine,
                name=_text("name", args.name),
                address=_text("address", args.address),
                email=_text("email", args.email),
                tax_id=_text("tax_id", args.tax_id),
                tenant=args.tenant,
            )
        else:
            profile = issuer_profile(engine, tenant=args.tenant)
    finally:
        engine.dispose()
    doc = {
        "name": profile.name,
        "address": profile.address,
        "email": profile.email,
        "tax_id": profile.tax_id,
        "set": profile.profile_set,
    }
    if args.json:
        print_json(doc)
        return EXIT_OK
    rows = [
        ("issuer", profile.name + ("" if profile.profile_set else " (placeholder: not set)")),
        ("address", (profile.address or "(not set)").replace("\n", ", ")),
        ("email", profile.email or "(not set)"),
        ("tax id", profile.tax_id or "(not set)"),
    ]
    print("\n".join(f"{k + ':':<10} {v}" for k, v in rows))
    return EXIT_OK
