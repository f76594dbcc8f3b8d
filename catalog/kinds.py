"""The token kinds a price plan can price, as dimensions, with their fallback chains.

A kind is a point in direction (input, output) × modality (text, audio, image, video) ×
cache (uncached, read, write, write for 5 minutes, write for 1 hour), plus reasoning and
tool-use prompt tokens. Its card key is ``<kind>_mtok`` (per 1M tokens). The names follow
genai-prices' unit registry (``genai_prices/data_units.py``: ``cache_audio_read_mtok``,
``cache_write_1h_mtok``), so catalogs can be imported key for key; text is the plain kind
(``input`` is text input, ``cache_read`` a text cache read).

A kind a plan does not price falls back to its **parent**, and on up the chain, to the first
kind the card prices (each line says which rate it used):

- ``cache_<m>_write_<ttl>`` → ``cache_<m>_write`` (a write of unstated duration) → …
- ``cache_<m>_read`` / ``cache_<m>_write`` → ``input_<m>`` → ``input`` (a cached audio
  token is an audio token before it is a cached one: the issue's "audio cache read → audio
  input → input");
- ``input_<m>`` → ``input``; ``output_<m>`` → ``output``;
- ``reasoning`` → ``output`` (thinking is billed as output unless the card says otherwise);
- ``input_tool`` → ``input`` (Gemini's tool-use prompt tokens).

``input`` and ``output`` are the roots. For text, ``cache_read`` and ``cache_write`` fall back
to ``input`` directly (as before this registry).
"""

from __future__ import annotations

from dataclasses import dataclass

MODALITIES = ("text", "audio", "image", "video")
TTLS = ("5m", "1h")


@dataclass(frozen=True, slots=True)
class Kind:
    """One token kind: its name (the line's ``charge``), its dimensions and its parent."""

    name: str
    direction: str  #: input or output
    modality: str  #: text, audio, image or video
    cache: str  #: uncached, read, write, write_5m, write_1h, reasoning or tool
    parent: str | None  #: the kind it falls back to; None for input and output

    @property
    def price_key(self) -> str:
        """The card field that prices it: ``<name>_mtok``."""
        return f"{self.name}_mtok"

    @property
    def text(self) -> str:
        """How a sentence names it (``audio cache-read``, ``1-hour cache-write``)."""
        return KIND_TEXT[self.name]


def _m(modality: str) -> str:
    return "" if modality == "text" else f"{modality}_"


def _build() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}

    def add(name: str, direction: str, modality: str, cache: str, parent: str | None) -> None:
        kinds[name] = Kind(name, direction, modality, cache, parent)

    add("input", "input", "text", "uncached", None)
    add("cache_read", "input", "text", "read", "input")
    add("cache_write", "input", "text", "write", "input")
    add("output", "output", "text", "uncached", None)
    add("reasoning", "output", "text", "reasoning", "output")
    for ttl in TTLS:
        add(f"cache_write_{ttl}", "input", "text", f"write_{ttl}", "cache_write")
    add("input_tool", "input", "text", "tool", "input")
    for m in MODALITIES[1:]:
        add(f"input_{m}", "input", m, "uncached", "input")
        add(f"cache_{m}_read", "input", m, "read", f"input_{m}")
        add(f"cache_{m}_write", "input", m, "write", f"input_{m}")
        for ttl in TTLS:
            add(f"cache_{m}_write_{ttl}", "input", m, f"write_{ttl}", f"cache_{m}_write")
        add(f"output_{m}", "output", m, "uncached", "output")
    return kinds


#: Every kind, in the order lines are shown (the five original kinds first).
KINDS: dict[str, Kind] = _build()
#: The original five, always present in a tier's prices.
BASE_KINDS = ("input", "cache_read", "cache_write", "output", "reasoning")
#: The kinds beyond the original five, in line order.
EXTRA_KINDS = tuple(k for k in KINDS if k not in BASE_KINDS)
INPUT_KINDS = frozenset(k for k, v in KINDS.items() if v.direction == "input")

_CACHE_TEXT = {
    "uncached": "",
    "read": "cache-read",
    "write": "cache-write",
    "write_5m": "5-minute cache-write",
    "write_1h": "1-hour cache-write",
    "reasoning": "reasoning",
    "tool": "tool-use prompt",
}


def _text(kind: Kind) -> str:
    if kind.name == "cache_read":
        return "cache-read (cached input)"
    words = []
    if kind.modality != "text":
        words.append(kind.modality)
    cache = _CACHE_TEXT[kind.cache]
    if cache:
        words.append(cache)
    if kind.cache in ("uncached", "tool") or kind.name == "cache_write":
        words.append(kind.direction if kind.cache == "uncached" else "")
    return " ".join(w for w in words if w) or kind.direction


KIND_TEXT = {k: _text(v) for k, v in KINDS.items()}


def chain(name: str) -> tuple[str, ...]:
    """The kind and its ancestors, nearest first: ``cache_audio_read`` → (cache_audio_read,
    input_audio, input)."""
    out = [name]
    parent = KINDS[name].parent
    while parent is not None:
        out.append(parent)
        parent = KINDS[parent].parent
    return tuple(out)


__all__ = [
    "BASE_KINDS",
    "EXTRA_KINDS",
    "INPUT_KINDS",
    "KINDS",
    "KIND_TEXT",
    "MODALITIES",
    "Kind",
    "chain",
]
