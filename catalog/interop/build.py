"""Card pieces shared by the importers that read per-token or per-1M prices (LiteLLM,
models.dev, OpenRouter): exact unit conversion, float-noise rounding with a note and a
report line, price plans with tiers, and the model card each offering names.

A price a source does not give for input or output is written ``unpublished`` (ratecard
refuses to price it; the peers charge 0). A missing cache or reasoning price is omitted:
cached tokens are then charged at the input rate and reasoning as output, as the peers do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..kinds import KINDS
from ..units import slug
from .genai_prices import clean_price
from .report import ImportReport

#: Per token → per 1M tokens (exact: a Decimal product).
MTOK = Decimal(1_000_000)
#: The largest count ratecard prices at all (a bound at or above it is an open top tier).
OPEN_TOP = 10**15
#: token kind → card rate key
RATE_KEYS: dict[str, str] = {name: kind.price_key for name, kind in KINDS.items()}
_TOP_NOTE = (
    "Tiers as {source} writes them: the whole request is priced at the tier its prompt "
    "tokens (cached included) select, a tier applying above its threshold (exclusive); "
    "the top tier is open."
)


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros or an exponent (``2.5000000`` → ``2.5``; ``1E+1`` →
    ``10``): the same number, written as a person would."""
    return Decimal(format(value.normalize(), "f"))


class Prices:
    """Rounds float noise for one source, noting it on the card and in the report."""

    def __init__(self, label: str, report: ImportReport) -> None:
        self.label = label
        self.report = report

    def clean(
        self, pid: str, mid: str, key: str, raw: Decimal, value: Decimal, notes: list[str]
    ) -> Decimal:
        """``value`` (``raw`` converted) with float noise rounded to 15 significant digits."""
        cleaned, noisy = clean_price(plain(value))
        if noisy:
            note = (
                f"{key} is {format(raw, 'f')} in {self.label}: float "
                f"noise (more than 15 significant digits once converted); written as "
                f"{format(cleaned, 'f')}"
            )
            if note not in notes:
                notes.append(note)
            self.report.add(
                pid,
                mid,
                key,
                f"{format(raw, 'f')} -> {format(cleaned, 'f')} per 1M",
                "float noise: rounded to 15 significant digits (noted on the card)",
            )
        return cleaned


def plan(
    tiers: list[tuple[int | None, dict[str, Decimal]]],
    tools: dict[str, Decimal],
    source_name: str,
    notes: list[str],
) -> dict[str, Any]:
    """One price plan from ``tiers`` (upper bound in prompt tokens, a count equal to it
    staying in the tier, None = open; rates per 1M by kind) and per-call tool fees."""
    out: dict[str, Any] = {}
    if len(tiers) == 1:
        rates = tiers[0][1]
        for kind, key in RATE_KEYS.items():
            if kind in rates:
                out[key] = rates[kind]
            elif kind in ("input", "output"):
                out[key] = "unpublished"
    else:
        rows = []
        for upper, rates in tiers:
            row: dict[str, Any] = {"up_to": upper}  # None: the open top tier
            for kind, key in RATE_KEYS.items():
                if kind in rates:
                    row[key] = rates[kind]
                elif kind in ("input", "output"):
                    row[key] = "unpublished"
            rows.append(row)
        out["tiers"] = {"by": "input_tokens", "boundary": "upper_inclusive", "rows": rows}
        note = _TOP_NOTE.format(source=source_name)
        if note not in notes:
            notes.append(note)
    if tools:
        out["tools"] = {name: {"per_call": fee} for name, fee in sorted(tools.items())}
    return out


def model_card(name: str, creator: str, provenance: str, notes: list[str]) -> dict[str, Any]:
    """The model card an imported offering names (``provider/slug(id)``)."""
    return {"name": name, "creator": creator, "sources": [provenance], "notes": notes}


def model_key(pid: str, oid: str) -> str:
    """The model card key of an imported offering: ``provider/slug(id)``."""
    return f"{pid}/{slug(oid)}"


def provider_card(name: str, endpoints: set[str], provenance: str, note: str) -> dict[str, Any]:
    """A provider card serving ``endpoints`` (POST each)."""
    order = ("chat.completions", "responses", "completions", "messages")
    return {
        "name": name,
        "endpoints": {e: {"method": "POST"} for e in order if e in endpoints},
        "notes": [note],
        "sources": [provenance],
    }


__all__ = [
    "MTOK",
    "OPEN_TOP",
    "RATE_KEYS",
    "Prices",
    "model_card",
    "model_key",
    "plain",
    "plan",
    "provider_card",
]
