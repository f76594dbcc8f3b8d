"""The checks every hand-computed price vector gets (tests/billing/vectors/*.yaml)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.charge import Charge
from billing.records import loads

MILLIONTH = Decimal("1E-6")


def unit_of(charge: str) -> str:
    """Token lines are per 1M tokens, tool lines per call, request fees per request."""
    if charge.startswith("tool:"):
        return "call"
    if charge.startswith("request:"):
        return "request"
    return "1M tokens"


def check_charge(
    charge: Charge, vector: dict[str, Any], provider: str, *, list_prices: bool = False
) -> None:
    """``charge`` has the vector's lines, amounts, total, tier, version and notes; and each
    line is consistent: amount = quantity × unit price (per 1M for tokens), the unit its kind
    has, the charge's version and tier, a fee once per request. With ``list_prices``, a line
    has a list price only where the vector names one."""
    assert (charge.offering, charge.provider, charge.currency) == (
        loads(vector["record"])["model"],
        provider,
        "USD",
    )
    got = {line.charge: line.amount for line in charge.lines}
    want = {k: Decimal(v) for k, v in vector["lines"].items()}
    assert got == want
    assert len(charge.lines) == len(want)  # no charge appears twice
    assert charge.total == Decimal(vector["total"])
    assert charge.total == sum((line.amount for line in charge.lines), Decimal(0))
    assert charge.tier == vector.get("tier")
    notes = {line.charge: line.note for line in charge.lines if line.note is not None}
    assert notes == vector.get("notes", {})
    assert charge.price_version
    if "version" in vector:
        assert charge.price_version == vector["version"]
    for line in charge.lines:
        assert line.tier == vector.get("tier"), line
        assert line.price_version == charge.price_version, line
        assert line.unit == unit_of(line.charge), line
        scale = MILLIONTH if line.unit == "1M tokens" else Decimal(1)
        assert line.amount == line.quantity * line.unit_price * scale, line
        if line.unit == "request":
            assert line.quantity == 1, line
    for kind, listed in vector.get("list_prices", {}).items():
        assert next(li.list_price for li in charge.lines if li.charge == kind) == Decimal(listed)
    if list_prices:
        listed_kinds = set(vector.get("list_prices", {}))
        for line in charge.lines:
            if line.charge not in listed_kinds:
                assert line.list_price is None, line
