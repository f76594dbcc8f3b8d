"""LiteLLM's ``model_cost`` map (MIT; BerriAI/litellm), read from its hash-pinned wheel.

``litellm/model_prices_and_context_window_backup.json`` is read with :mod:`zipfile`; LiteLLM
is never installed or imported (a compromised release exists in its history). Numbers are
read from the JSON text as Decimals (``9e-08`` is exactly 0.00000009), so a price is exact
whenever its text is.

LiteLLM's conventions, as its cost calculator applies them:

- prices are per token (``input_cost_per_token``); ratecard's are per 1M tokens, so they are
  multiplied by 10^6, exactly;
- ``*_above_128k_tokens`` prices the whole request when its prompt tokens are **above**
  128,000: LiteLLM's ``k`` is 1,000 and its thresholds are exclusive;
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


def _threshold(n: str, unit: str) -> int:
    return int(n) * (1000 if unit == "k" else 1_000_000)


def entry_facts(entry: dict[str, Any]) -> tuple[PriceFacts, dict[str, Any]]:
    """The prices and limits of one LiteLLM entry, and the keys it did not read."""
    base: dict[str, Decimal] = {}
    above: dict[int, dict[str, Decimal]] = {}
    fees: dict[str, Decimal] = {}
    unread: dict[str, Any] = {}
    for key, value in entry.items():
        if key in TOKEN_KEYS and isinstance(value, Decimal | int):
            base[TOKEN_KEYS[key]] = Decimal(value) * _MTOK
            continue
        m = _ABOVE.match(key)
        if m and m.group("base") in TOKEN_KEYS and isinstance(value, Decimal | int):
            bound = _threshold(m.group("n"), m.group("unit"))
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
    if not bounds:
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


__all__ = ["TOKEN_KEYS", "entry_facts", "load_litellm"]
