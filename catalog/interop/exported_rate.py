"""The one rule every exporter applies to a card's token price: what a peer format can hold.

A format that reads a missing price as 0 (genai-prices, LiteLLM, models.dev, OpenRouter all
do) must never receive an unpublished price as a missing key, or it would bill it free. So,
for one token kind of one tier:

- absent, or inherited from another kind (``inherited_from``): nothing is written, and the
  format falls back as the card does;
- unpublished: the whole offering is left out (:class:`Omit`), and the export report says
  why (:func:`left_out`);
- not applicable: the key is omitted, with a report line;
- published: its price (per 1M tokens, as on the card).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from decimal import Decimal

from ..model import Offering, TokenPrice, ToolCharge
from ..rates import PriceState
from .report import ImportReport


class Omit(Exception):
    """An offering an export leaves out; the message says why."""


def exported_price(
    o: Offering,
    token_price: TokenPrice | None,
    kind: str,
    report: ImportReport,
    report_key: str,
    free_note: str,
    noted_kinds: Collection[str] | None = None,
) -> Decimal | None:
    """The price of ``kind`` an export writes, or None when it writes nothing (absent,
    inherited, or not applicable: a report line under ``report_key``). An unpublished price
    raises :class:`Omit` ("input price unpublished (``free_note``)"; the note only for
    ``noted_kinds`` when given)."""
    if token_price is None or token_price.inherited_from is not None:
        return None
    rate = token_price.rate
    if rate.state is PriceState.UNPUBLISHED:
        if noted_kinds is None or kind in noted_kinds:
            raise Omit(f"{kind} price unpublished ({free_note})")
        raise Omit(f"{kind} price unpublished")
    if rate.state is PriceState.NOT_APPLICABLE:
        report.add(o.provider, o.id, report_key, "not_applicable", "omitted")
        return None
    assert rate.price is not None
    return rate.price


def exported_tool_fees(
    o: Offering,
    tools: Iterable[ToolCharge],
    report: ImportReport,
    keys: Collection[str],
    why: str,
    shown: Callable[[Decimal], str] = lambda fee: format(fee, "f"),
) -> list[tuple[str, Decimal]]:
    """The per-call fees an export writes: ``(tool name, fee)`` of each tool named in
    ``keys`` (the tools the format has a key for), in the card's order. An unpublished fee
    raises :class:`Omit` ("tool web_search fee unpublished"); a fee of another tool that is
    not 0 is a report line (``tool:<name>``, the fee as ``shown``, ``why``), since the format
    would bill it free."""
    out = []
    for tool in tools:
        fee = tool.per_call.price
        if fee is None:
            raise Omit(f"tool {tool.name} fee unpublished")
        if tool.name in keys:
            out.append((tool.name, fee))
        elif fee != 0:
            report.add(o.provider, o.id, f"tool:{tool.name}", shown(fee), why)
    return out


def left_out(report: ImportReport, o: Offering, why: Omit | str) -> None:
    """The export report's line for an offering left out."""
    report.add(o.provider, o.id, "(offering)", "", f"left out: {why}")


__all__ = ["Omit", "exported_price", "exported_tool_fees", "left_out"]
