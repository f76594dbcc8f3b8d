"""Gemini ``generateContent`` usage (``usageMetadata``), endpoint ``generate_content``.

- ``promptTokenCount`` INCLUDES ``cachedContentTokenCount`` (cache reads).
- ``candidatesTokenCount`` is the answer; ``thoughtsTokenCount`` stands BESIDE it, not inside
  it, and is reasoning (billed as output unless the card prices reasoning).
- ``toolUsePromptTokenCount`` (the results of tools such as Google Search fed back to the
  model) stands beside the prompt: the ``input_tool`` kind, which falls back to input.
- ``totalTokenCount`` = prompt + candidates + thoughts + tool-use prompt.
- ``promptTokensDetails``, ``cacheTokensDetails``, ``candidatesTokensDetails`` and
  ``toolUsePromptTokensDetails`` are lists of ``{"modality", "tokenCount"}``; each, when
  given, must add up to its count. The prompt's modalities less the cache's are the uncached
  input per modality; TEXT is the plain kind, AUDIO/IMAGE/VIDEO their own kinds, and
  DOCUMENT (PDF pages, which Gemini turns into image tokens) is priced as image. Another
  modality is refused by name.

Google's docs: https://ai.google.dev/api/generate-content#UsageMetadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, Known, add_kind, count_value, get_count, refuse_unknown

_DETAILS = (
    "promptTokensDetails",
    "cacheTokensDetails",
    "candidatesTokensDetails",
    "toolUsePromptTokensDetails",
)
KNOWN: Known = {
    "promptTokenCount": None,
    "cachedContentTokenCount": None,
    "candidatesTokenCount": None,
    "thoughtsTokenCount": None,
    "toolUsePromptTokenCount": None,
    "totalTokenCount": None,
    **{key: None for key in _DETAILS},
}
MODALITY = {
    "TEXT": "text",
    "AUDIO": "audio",
    "IMAGE": "image",
    "VIDEO": "video",
    "DOCUMENT": "image",
}
_NO_TOOLS: Mapping[str, int] = {}


def _by_modality(usage: Mapping[str, Any], key: str, whole: int, whole_key: str) -> dict[str, int]:
    """A details list as {modality: count}; absent: all text. Must add up to ``whole``."""
    items = usage.get(key)
    if items is None:
        return {"text": whole}
    if not isinstance(items, list):
        raise ShapeError(f"usage.{key} must be a list of {{modality, tokenCount}}")
    out: dict[str, int] = {}
    for i, item in enumerate(items):
        field = f"usage.{key}[{i}]"
        if not isinstance(item, Mapping):
            raise ShapeError(f"{field} must be an object with modality and tokenCount")
        for k, v in item.items():
            if k not in ("modality", "tokenCount"):
                if isinstance(v, int | float) and not isinstance(v, bool):
                    raise ShapeError(
                        f"{field}.{k} ({v}) is a count the generate_content usage shape does "
                        "not understand: it is refused rather than ignored"
                    )
        name = item.get("modality")
        modality = MODALITY.get(name) if isinstance(name, str) else None
        if modality is None:
            raise ShapeError(
                f"{field}.modality {name!r} is not a modality ratecard prices "
                f"({', '.join(MODALITY)}); the record is refused rather than guessed"
            )
        n = count_value(item.get("tokenCount", 0), f"{field}.tokenCount")
        out[modality] = out.get(modality, 0) + n
    if sum(out.values()) != whole:
        raise ShapeError(
            f"usage.{key} adds up to {sum(out.values())}, not usage.{whole_key} ({whole})"
        )
    return out


def to_counts(usage: Mapping[str, Any]) -> Counts:
    refuse_unknown(usage, KNOWN, "generate_content")
    prompt = get_count(usage, "promptTokenCount", "usage.promptTokenCount", required=True)
    cached = get_count(usage, "cachedContentTokenCount", "usage.cachedContentTokenCount")
    answer = get_count(usage, "candidatesTokenCount", "usage.candidatesTokenCount")
    thoughts = get_count(usage, "thoughtsTokenCount", "usage.thoughtsTokenCount")
    tool = get_count(usage, "toolUsePromptTokenCount", "usage.toolUsePromptTokenCount")
    if cached > prompt:
        raise ShapeError(
            f"usage.cachedContentTokenCount ({cached}) is more than usage.promptTokenCount "
            f"({prompt}), which includes it"
        )
    if usage.get("totalTokenCount") is not None:
        stated = get_count(usage, "totalTokenCount", "usage.totalTokenCount")
        whole = prompt + answer + thoughts + tool
        if stated != whole:
            raise ShapeError(
                f"usage.totalTokenCount ({stated}) is not promptTokenCount + "
                f"candidatesTokenCount + thoughtsTokenCount + toolUsePromptTokenCount "
                f"({prompt} + {answer} + {thoughts} + {tool} = {whole})"
            )
    p = _by_modality(usage, "promptTokensDetails", prompt, "promptTokenCount")
    c = _by_modality(usage, "cacheTokensDetails", cached, "cachedContentTokenCount")
    o = _by_modality(usage, "candidatesTokensDetails", answer, "candidatesTokenCount")
    _by_modality(usage, "toolUsePromptTokensDetails", tool, "toolUsePromptTokenCount")
    extra: dict[str, int] = {}
    for m, n in c.items():
        if n > p.get(m, 0):
            raise ShapeError(
                f"usage.cacheTokensDetails reports {n} {m} tokens, more than the prompt's "
                f"{p.get(m, 0)} (promptTokensDetails), which include them"
            )
    text_in = p.get("text", 0) - c.get("text", 0)
    for m in ("audio", "image", "video"):
        add_kind(extra, f"input_{m}", p.get(m, 0) - c.get(m, 0))
        add_kind(extra, f"cache_{m}_read", c.get(m, 0))
        if m != "video":
            add_kind(extra, f"output_{m}", o.get(m, 0))
    if o.get("video"):
        add_kind(extra, "output_video", o["video"])
    add_kind(extra, "input_tool", tool)
    return text_in, c.get("text", 0), 0, o.get("text", 0), thoughts, _NO_TOOLS, extra
