"""LiteLLM's ``model_cost`` map (MIT; BerriAI/litellm), read from its hash-pinned wheel.

``litellm/model_prices_and_context_window_backup.json`` is read with :mod:`zipfile`; LiteLLM
is never installed or imported (a compromised release exists in its history). Numbers are
read from the JSON text as Decimals (``9e-08`` is exactly 0.00000009), so a price is exact
whenever its text is.

LiteLLM's conventions, as its cost calculator applies them:

- prices are per token (``input_cost_per_token``); ratecard's are per 1M tokens, so they are
  multiplied by 10^6, exactly;
- ``*_above_128k_tokens`` prices the whole request when its prompt tokens are **above**
  128,000: LiteLLM's ``k`` is 1,000 and its thresholds are exclusive, except for the
  providers in :data:`INCLUSIVE_THRESHOLDS` (xAI: from 128,000 on);
- ``tiered_pricing`` (a list of ``{"range": [start, end], "input_cost_per_token": ...}``)
  is all-or-nothing: the tier whose ``start < prompt tokens <= end`` prices the whole
  request, a prompt above the last ``end`` takes the last tier (so the top tier is open), and
  it replaces the ``*_above_Nk_tokens`` keys. Within a tier a missing cache read or write
  price is the tier's input price, a missing output price the entry's own output price, a
  missing reasoning price the tier's output price (LiteLLM 1.110.2,
  ``litellm_core_utils/llm_cost_calc/tiered_pricing.py`` and ``utils.py``
  ``_get_tiered_base_costs``). A request with no prompt tokens selects no tier there
  (LiteLLM then charges the entry's flat prices);
- ``search_context_cost_per_query`` is a fee per web-search call (by search context size);
- ``max_input_tokens`` / ``max_output_tokens`` are the context window and output cap.

:func:`entry_facts` turns one entry into :class:`~catalog.interop.facts.PriceFacts`;
what it does not read is returned as ``unread`` so a caller can report it.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from .facts import PriceFacts, TierFacts
from .sources import Source, read_member

_MTOK = Decimal(1_000_000)
#: LiteLLM key → ratecard token kind (per-token prices).
TOKEN_KEYS: dict[str, str] = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "output_cost_per_reasoning_token": "reasoning",
    # Anthropic's 1-hour cache write (the plain key is the 5-minute / unstated write)
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    # tokens by modality (LiteLLM prices them apart from the text tokens, as ratecard does)
    "input_cost_per_audio_token": "input_audio",
    "input_cost_per_image_token": "input_image",
    "input_cost_per_video_token": "input_video",
    "cache_read_input_audio_token_cost": "cache_audio_read",
    "cache_read_input_image_token_cost": "cache_image_read",
    "cache_creation_input_audio_token_cost": "cache_audio_write",
    "output_cost_per_audio_token": "output_audio",
    "output_cost_per_image_token": "output_image",
    "output_cost_per_video_token": "output_video",
}
_ABOVE = re.compile(r"^(?P<base>.+)_above_(?P<n>\d+)(?P<unit>k|m)_tokens$")
#: ``litellm_provider``s whose ``_above_N`` thresholds LiteLLM applies from N on (``>=``),
#: not above N (LiteLLM 1.110.2 ``llm_cost_calc/utils.py`` ``_INCLUSIVE_THRESHOLD_PROVIDERS``).
INCLUSIVE_THRESHOLDS = frozenset({"xai"})
#: Keys that are facts, not prices, and are read elsewhere or not needed for prices.
FACT_KEYS = frozenset(
    {"litellm_provider", "mode", "source", "max_input_tokens", "max_output_tokens", "max_tokens"}
)


def load_litellm(src: Source, wheel: Path) -> dict[str, Any]:
    """The ``model_cost`` map from the verified wheel, numbers as exact Decimals."""
    text = read_member(src, wheel).decode("utf-8")
    data: dict[str, Any] = json.loads(text, parse_float=Decimal)
    data.pop("sample_spec", None)
    return data


def is_threshold_key(key: str) -> bool:
    """Whether ``key`` is a token price above a prompt size (``input_cost_per_token_above_
    200k_tokens``)."""
    m = _ABOVE.match(key)
    return m is not None and m.group("base") in TOKEN_KEYS


def _threshold(n: str, unit: str) -> int:
    return int(n) * (1000 if unit == "k" else 1_000_000)


#: Kinds a LiteLLM tier prices itself (a missing cache read or write, 1-hour write included,
#: is the tier's input or write price, never the flat one); any other kind (audio, image,
#: ...) is read from the entry's flat keys in every tier, as LiteLLM's cost calculator does.
_TIER_KINDS = frozenset(
    {"input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning"}
)


def tiered_pricing(value: object, flat: dict[str, Decimal]) -> list[TierFacts] | None:
    """The tiers of a LiteLLM ``tiered_pricing`` list (rates per 1M; ``flat`` = the entry's
    own prices per 1M), or None when LiteLLM's rule cannot be written as tiers: a tier
    without ``input_cost_per_token`` (LiteLLM then falls back to the flat prices for that
    range), a key that is not a token price, ranges that are not contiguous from 0, or a
    bound that is not a whole number of tokens."""
    if not isinstance(value, list) or not value:
        return None
    rows: list[tuple[Decimal, Decimal, dict[str, Any]]] = []
    for tier in value:
        if not isinstance(tier, dict) or "input_cost_per_token" not in tier:
            return None
        bounds = tier.get("range")
        if not isinstance(bounds, list) or len(bounds) != 2:
            return None
        if not all(isinstance(b, Decimal | int) and not isinstance(b, bool) for b in bounds):
            return None
        start, end = (Decimal(b) for b in bounds)
        if start != start.to_integral_value() or end != end.to_integral_value() or end <= start:
            return None
        rows.append((start, end, tier))
    rows.sort(key=lambda row: row[0])
    if rows[0][0] != 0 or any(rows[i][1] != rows[i + 1][0] for i in range(len(rows) - 1)):
        return None
    out: list[TierFacts] = []
    for i, (_start, end, tier) in enumerate(rows):
        rates: dict[str, Decimal] = {}
        for key, price in tier.items():
            if key == "range":
                continue
            kind = TOKEN_KEYS.get(key)
            if kind not in _TIER_KINDS or not isinstance(price, Decimal | int):
                return None
            rates[kind] = Decimal(price) * _MTOK
        if "output" not in rates:
            # a tier without an output price bills the entry's own output (and reasoning)
            for kind in ("output", "reasoning"):
                if kind in flat and kind not in rates:
                    rates[kind] = flat[kind]
        for kind, price in flat.items():
            if kind not in _TIER_KINDS:
                rates.setdefault(kind, price)
        # a prompt above the last range's end takes the last tier: the top tier is open
        out.append(TierFacts(None if i == len(rows) - 1 else int(end), rates))
    return out


def entry_facts(entry: dict[str, Any]) -> tuple[PriceFacts, dict[str, Any]]:
    """The prices and limits of one LiteLLM entry, and the keys it did not read.

    ``tiered_pricing`` (:func:`tiered_pricing`), when LiteLLM's rule can be written as
    tiers, gives the tiers, and the ``*_above_Nk_tokens`` keys it replaces are returned as
    unread; otherwise ``tiered_pricing`` itself is unread."""
    base: dict[str, Decimal] = {}
    above: dict[int, dict[str, Decimal]] = {}
    fees: dict[str, Decimal] = {}
    unread: dict[str, Any] = {}
    inclusive = entry.get("litellm_provider") in INCLUSIVE_THRESHOLDS
    for key, value in entry.items():
        if key in TOKEN_KEYS and isinstance(value, Decimal | int):
            base[TOKEN_KEYS[key]] = Decimal(value) * _MTOK
            continue
        m = _ABOVE.match(key)
        if m and m.group("base") in TOKEN_KEYS and isinstance(value, Decimal | int):
            # the last count below the threshold's tier: N (above N), or N - 1 (from N on)
            bound = _threshold(m.group("n"), m.group("unit")) - (1 if inclusive else 0)
            above.setdefault(bound, {})[TOKEN_KEYS[m.group("base")]] = Decimal(value) * _MTOK
            continue
        if key == "search_context_cost_per_query" and isinstance(value, dict):
            sizes = {Decimal(v) for v in value.values() if isinstance(v, Decimal | int)}
            if len(sizes) == 1:
                fees["web_search"] = sizes.pop()
            else:
                for size, v in value.items():
                    fees[f"web_search ({size})"] = Decimal(v)
            continue
        if key in FACT_KEYS or key.startswith("supports_") or key == "supported_endpoints":
            continue
        unread[key] = value
    tiers: list[TierFacts] = []
    bounds = sorted(above)
    ranged = tiered_pricing(entry.get("tiered_pricing"), base)
    if ranged is not None:
        unread.pop("tiered_pricing", None)
        for key, value in entry.items():
            if is_threshold_key(key):
                unread[key] = value
        tiers = ranged
    elif not bounds:
        tiers.append(TierFacts(None, base))
    else:
        tiers.append(TierFacts(bounds[0], base))
        for i, bound in enumerate(bounds):
            upper = bounds[i + 1] if i + 1 < len(bounds) else None
            tiers.append(TierFacts(upper, {**base, **above[bound]}))
    return (
        PriceFacts(
            tiers=tuple(tiers),
            context_window=entry.get("max_input_tokens"),
            max_output_tokens=entry.get("max_output_tokens"),
            fees=fees,
        ),
        unread,
    )


__all__ = [
    "INCLUSIVE_THRESHOLDS",
    "TOKEN_KEYS",
    "entry_facts",
    "is_threshold_key",
    "load_litellm",
    "tiered_pricing",
]
