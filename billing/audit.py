"""Audit: the cost a provider reported (``cost_usd``/``cost``) against the computed cost.

A record disagrees when the two differ by more than a tolerance. The default tolerance is
half a unit of the reported number's last digit (``0.0042`` → ``0.00005``): the reported
number is taken to be rounded, and anything beyond that rounding is a real difference. A
reported 0 is exact (tolerance 0): it means "free" or "not costed", never a rounded amount.
A record without a reported cost has nothing to compare: its finding's ``agrees`` is None,
it is counted as unreported, and it does not change the exit status.

For each disagreement the audit tries the usual mistakes, each as an exact alternative
total: tool fees or request fees left out, cached input priced as uncached, billed twice or
not at all, reasoning left out or billed twice, and for every other token kind the record
carries (cache writes of any duration, audio, image, video, tool-use prompt, input and
output themselves) the kind left out, priced at its direction's rate, or billed twice;
another tier, the list price instead of the current one. Those within the tolerance of the
reported cost are the likely causes; when none is, the nearest is named as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from catalog import Catalog, PricePlan, PriceState
from catalog.kinds import KIND_TEXT, KINDS

from .charge import Charge, Line
from .money import EXACT, decimal_text
from .priced import Priced, price_stream
from .rating import bundled_catalog

_add = EXACT.add
_sub = EXACT.subtract
_mul = EXACT.multiply
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    id: str | None
    model: str | None
    reported: Decimal | None
    computed: Decimal | None
    tolerance: Decimal | None
    #: None when there is nothing to compare (no reported cost, or the record failed)
    agrees: bool | None
    causes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def difference(self) -> Decimal | None:
        """computed − reported (positive: the provider reported less than the cards say)."""
        if self.reported is None or self.computed is None:
            return None
        return _sub(self.computed, self.reported)


def default_tolerance(reported: Decimal) -> Decimal:
    """Half a unit of the last digit written: 0.0042 → 0.00005, 3 → 0.5. A reported zero
    (``0``, ``0.0``, ``0.00``) is exact, tolerance 0: providers write 0 for a call they
    treat as free or did not cost, not as a rounded amount (``0`` would otherwise allow
    $0.50), so any computed cost above 0 disagrees with it."""
    if reported.is_zero():
        return ZERO
    exponent = reported.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(5).scaleb(exponent - 1)


def audit_stream(
    lines: Iterable[tuple[int, str]],
    catalog: Catalog | None = None,
    tolerance: Decimal | None = None,
) -> Iterator[Finding]:
    """One finding per input line, in order."""
    for result in price_stream(lines, catalog):
        yield audit_result(result, catalog, tolerance)


def audit_result(
    result: Priced, catalog: Catalog | None = None, tolerance: Decimal | None = None
) -> Finding:
    record = result.record
    reported = record.reported if record is not None else None
    if result.charge is None:
        return Finding(
            result.line, result.id, result.model, reported, None, None, None, (), result.error
        )
    computed = result.charge.total
    if reported is None:
        return Finding(result.line, result.id, result.model, None, computed, None, None)
    allowed = tolerance if tolerance is not None else default_tolerance(reported)
    agrees = abs(_sub(computed, reported)) <= allowed
    causes = () if agrees else likely_causes(result.charge, reported, allowed, catalog)
    return Finding(
        result.line, result.id, result.model, reported, computed, allowed, agrees, causes
    )


def likely_causes(
    charge: Charge, reported: Decimal, tolerance: Decimal, catalog: Catalog | None = None
) -> tuple[str, ...]:
    """The usual mistakes that would turn the computed cost into the reported one."""
    computed = charge.total
    if reported.is_zero() and computed:
        return (
            "the provider reported 0: it treats the call as free or did not compute a cost "
            "(Runware: includeCost false); the cards price it",
        )
    candidates = [
        (what, total) for what, total in _alternatives(charge, catalog) if total != computed
    ]
    matches = [
        f"{what} (that gives {decimal_text(total)})"
        for what, total in candidates
        if abs(_sub(total, reported)) <= tolerance
    ]
    if matches:
        return tuple(matches)
    if not candidates:
        return ("no known mistake explains it",)
    what, total = min(candidates, key=lambda c: abs(_sub(c[1], reported)))
    return (
        f"no known mistake explains it exactly; the nearest is: {what} "
        f"(that gives {decimal_text(total)})",
    )


def _sum(lines: Iterable[Line]) -> Decimal:
    total = ZERO
    for line in lines:
        total = _add(total, line.amount)
    return total


def _alternatives(charge: Charge, catalog: Catalog | None) -> Iterator[tuple[str, Decimal]]:
    total = charge.total
    by_kind = {line.charge: line for line in charge.lines}
    tools = [li for li in charge.lines if li.charge.startswith("tool:")]
    fees = [li for li in charge.lines if li.charge.startswith("request:")]
    tool_sum, fee_sum = _sum(tools), _sum(fees)
    if tool_sum:
        yield f"the tool fees ({decimal_text(tool_sum)}) are missing", _sub(total, tool_sum)
    if fee_sum:
        yield f"the request fees ({decimal_text(fee_sum)}) are missing", _sub(total, fee_sum)
    if tool_sum and fee_sum:
        both = _add(tool_sum, fee_sum)
        yield f"the tool and request fees ({decimal_text(both)}) are missing", _sub(total, both)
    inp = by_kind.get("input")
    cached = by_kind.get("cache_read")
    if cached is not None:
        yield "cached input is not charged", _sub(total, cached.amount)
        if inp is not None:
            as_input = _tokens(cached.quantity, inp.unit_price)
            if inp.unit_price != cached.unit_price:
                yield (
                    "cached input is priced at the input rate, not the cache-read rate",
                    _add(_sub(total, cached.amount), as_input),
                )
            yield (
                "cached tokens are billed twice (as input and as cached input)",
                _add(total, as_input),
            )
    reasoning = by_kind.get("reasoning")
    if reasoning is not None:
        yield "reasoning tokens are not charged", _sub(total, reasoning.amount)
        yield (
            "reasoning tokens are billed twice (in output and again)",
            _add(total, reasoning.amount),
        )
    # every other kind the record carries: left out, priced at its root rate (input or
    # output), or billed twice (at the root rate as well)
    for line in charge.lines:
        info = KINDS.get(line.charge)
        if info is None or line.charge in ("cache_read", "reasoning") or not line.quantity:
            continue
        text = KIND_TEXT[line.charge]
        yield f"{text} tokens are not charged", _sub(total, line.amount)
        if info.parent is None:
            yield f"{text} tokens are billed twice", _add(total, line.amount)
            continue
        root_line = by_kind.get(info.direction)
        if root_line is None:
            continue
        as_root = _tokens(line.quantity, root_line.unit_price)
        if root_line.unit_price != line.unit_price:
            yield (
                f"{text} tokens are priced at the {info.direction} rate, not the {text} rate",
                _add(_sub(total, line.amount), as_root),
            )
        yield (
            f"{text} tokens are billed twice (as {info.direction} and as {text})",
            _add(total, as_root),
        )
    token_lines = [li for li in charge.lines if li.unit == "1M tokens"]
    listed = ZERO
    for line in token_lines:
        price = line.list_price if line.list_price is not None else line.unit_price
        listed = _add(listed, _tokens(line.quantity, price))
    if any(li.list_price is not None for li in token_lines):
        yield (
            "the list price was charged instead of the current price",
            _add(_sub(total, _sum(token_lines)), listed),
        )
    plan = _plan(charge, catalog)
    if plan is not None and plan.tiered:
        rest = _sub(total, _sum(token_lines))
        for tier in plan.tiers:
            if tier.label == charge.tier:
                continue
            alt = rest
            for line in token_lines:
                rate = tier.price_of(line.charge).rate
                if rate.state is not PriceState.PUBLISHED or rate.price is None:
                    break
                alt = _add(alt, _tokens(line.quantity, rate.price))
            else:
                yield f"the wrong tier was applied ({tier.label} instead of {charge.tier})", alt


def _tokens(quantity: int, price: Decimal) -> Decimal:
    return _mul(EXACT.scaleb(price, -6), quantity)


def _plan(charge: Charge, catalog: Catalog | None) -> PricePlan | None:
    catalog = catalog or bundled_catalog()
    offering = catalog.offerings.get(f"{charge.provider}/{charge.offering}")
    if offering is None:
        return None
    for plan in offering.pricing:
        if plan.version == charge.price_version:
            return plan
    return None
