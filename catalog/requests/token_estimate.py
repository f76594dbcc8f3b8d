"""Prompt-token estimates for a request body, before it is sent.

Public signatures (``ratecard estimate`` and the validator's context check call these):

- ``estimate_prompt_tokens(body, endpoint, offering) -> (tokens, assumptions)``: an **upper
  bound** on the prompt tokens, for worst-case cost estimates. ``assumptions`` is a list of
  sentences saying what the bound rests on.
- ``estimate_prompt_range(body, endpoint, offering) -> PromptEstimate``: the lower bound, a
  typical estimate and the upper bound together, with the same assumptions.

``body`` is the parsed request in the endpoint's dialect (for ``runware.task``, one task
object or an array of them: the tasks' prompts are added up). Malformed parts are skipped,
never raised on: the estimator must work on requests the validator is still judging.

How text is counted (every offering in the catalog is a Qwen model; Qwen's tokenizer is a
byte-level BPE, the 151,643-token vocabulary shipped as ``qwen.tiktoken``):

- **upper**: UTF-8 bytes of the text. A byte-level BPE token covers at least one byte, so
  no text can take more tokens than it has bytes. This holds for any byte-level BPE.
- **lower**: each ASCII digit plus one token per 128 bytes of the rest. Qwen's vocabulary
  has no token longer than 128 bytes and no token of more than one digit (checked against
  ``qwen.tiktoken``), so no text can take fewer. For a non-Qwen tokenizer this is an
  assumption, and it says so.
- **typical**: UTF-8 bytes / 4. Within about ±35% for English prose and for CJK text
  (3 bytes a character, 1–1.5 characters a token); code, digits and unusual scripts can
  take up to 2× as many tokens. Never below the lower bound nor above the upper.

Chat template overhead (ChatML, ``<|im_start|>role\\n … <|im_end|>\\n``): 5 tokens a
message, so lower 3, typical 5, upper 8 per message, plus 16 at most for the assistant
prompt and an empty thinking block. Tool definitions count as the bytes of their JSON
(upper) plus up to 512 tokens of tool-use instructions the template adds.

Images and videos: an image is at most ``max_pixels / (28*28)`` tokens plus 2 markers where
the offering has a ``max_pixels`` parameter (the request's value, else the card's default);
with ``vl_high_resolution_images`` on, the cap is at least 16,384 tokens (Qwen-VL's
high-resolution budget). Where no such parameter exists, 16,384 tokens is assumed. A video
is assumed to take at most 128,000 tokens (qwen-vl-utils' total video pixel budget,
about 128000*28*28 pixels). Each image or video takes at least 1 token.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple, Protocol


class ParamLike(Protocol):
    @property
    def default(self) -> Any: ...
    @property
    def maximum(self) -> Decimal | None: ...


class Offering(Protocol):
    """What the estimator reads of an offering (catalog.model.Offering, or the compiled
    catalog's OfferingInfo): its parameter table."""

    @property
    def parameters(self) -> Mapping[str, ParamLike]: ...


PATCH_PIXELS = 28 * 28
#: Qwen-VL's high-resolution (and largest documented) per-image budget, in tokens.
HIGH_RES_IMAGE_TOKENS = 16384
#: qwen-vl-utils caps a video's total pixels at about 128000 * 28 * 28.
VIDEO_TOKENS = 128000
#: typical tokens for an image or a video whose size is unknown (Qwen-VL defaults).
TYPICAL_IMAGE_TOKENS = 1280
TYPICAL_VIDEO_TOKENS = 8192
VISION_MARKERS = 2
MAX_TOKEN_BYTES = 128
TYPICAL_BYTES_PER_TOKEN = 4
MESSAGE_OVERHEAD = (3, 5, 8)  # lower, typical, upper
REQUEST_OVERHEAD = (0, 5, 16)
TOOLS_OVERHEAD = (0, 200, 512)

_BASE_ASSUMPTIONS = (
    "Text counts at most 1 token per UTF-8 byte (byte-level BPE).",
    "Each message adds at most 8 chat-template tokens, and the request at most 16 more.",
)
_DIGITS = frozenset(b"0123456789")


class PromptParts:
    """What a request puts into the prompt, pulled out of its dialect. (A plain class:
    ``ratecard validate`` imports this module, and dataclasses costs start-up time.)"""

    __slots__ = ("images", "messages", "texts", "token_ids", "tool_texts", "videos")

    def __init__(self) -> None:
        self.texts: list[str] = []
        #: text already in tokens (a completions prompt given as token ids)
        self.token_ids = 0
        self.messages = 0
        self.images = 0
        self.videos = 0
        #: JSON of tool definitions and response formats (counted as text, plus instructions)
        self.tool_texts: list[str] = []


class PromptEstimate(NamedTuple):
    lower: int
    typical: int
    upper: int
    assumptions: tuple[str, ...]


def estimate_prompt_tokens(body: Any, endpoint: str, offering: Offering) -> tuple[int, list[str]]:
    """An upper bound on the prompt tokens of ``body``, and the assumptions it rests on."""
    parts = extract_prompt(body, endpoint)
    upper, assumptions = _upper(parts, body, offering)
    return upper, assumptions


def estimate_prompt_range(body: Any, endpoint: str, offering: Offering) -> PromptEstimate:
    """Lower bound, typical estimate and upper bound of the prompt tokens of ``body``."""
    parts = extract_prompt(body, endpoint)
    upper, assumptions = _upper(parts, body, offering)
    lower, typical = _lower_typical(parts, body, offering)
    typical = max(lower, min(typical, upper))
    assumptions.append(
        f"Text counts at least 1 token per digit and per {MAX_TOKEN_BYTES} other bytes "
        "(Qwen's vocabulary); typically 1 token per 4 bytes (±35% for prose)."
    )
    return PromptEstimate(lower, typical, upper, tuple(assumptions))


# ----------------------------------------------------------------- counting


def _upper(parts: PromptParts, body: Any, offering: Offering) -> tuple[int, list[str]]:
    assumptions = list(_BASE_ASSUMPTIONS)
    tokens = parts.token_ids + sum(len(t.encode("utf-8", "surrogatepass")) for t in parts.texts)
    tokens += parts.messages * MESSAGE_OVERHEAD[2] + REQUEST_OVERHEAD[2]
    if parts.tool_texts:
        tokens += sum(len(t.encode("utf-8", "surrogatepass")) for t in parts.tool_texts)
        tokens += TOOLS_OVERHEAD[2]
        assumptions.append(
            f"Tool definitions and response formats count as their JSON bytes plus at most "
            f"{TOOLS_OVERHEAD[2]} tokens of template instructions."
        )
    if parts.images:
        per_image, why = image_token_cap(body, offering)
        tokens += parts.images * (per_image + VISION_MARKERS)
        assumptions.append(why)
    if parts.videos:
        tokens += parts.videos * (VIDEO_TOKENS + VISION_MARKERS)
        assumptions.append(
            f"Each video takes at most {VIDEO_TOKENS:,} tokens (Qwen-VL's total video pixel "
            "budget); a service with a larger budget could exceed this."
        )
    return tokens, assumptions


def _lower_typical(parts: PromptParts, body: Any, offering: Offering) -> tuple[int, int]:
    lower = typical = parts.token_ids
    for text in (*parts.texts, *parts.tool_texts):
        raw = text.encode("utf-8", "surrogatepass")
        digits = sum(1 for b in raw if b in _DIGITS)
        lower += digits + math.ceil((len(raw) - digits) / MAX_TOKEN_BYTES)
        typical += math.ceil(len(raw) / TYPICAL_BYTES_PER_TOKEN)
    lower += parts.messages * MESSAGE_OVERHEAD[0] + REQUEST_OVERHEAD[0]
    typical += parts.messages * MESSAGE_OVERHEAD[1] + REQUEST_OVERHEAD[1]
    if parts.tool_texts:
        typical += TOOLS_OVERHEAD[1]
    per_image, _ = image_token_cap(body, offering) if parts.images else (0, "")
    lower += parts.images + parts.videos
    typical += parts.images * (min(per_image, TYPICAL_IMAGE_TOKENS) + VISION_MARKERS)
    typical += parts.videos * (TYPICAL_VIDEO_TOKENS + VISION_MARKERS)
    return lower, typical


def image_token_cap(body: Any, offering: Offering) -> tuple[int, str]:
    """Tokens one image can take at most on ``offering``, and why."""
    spec = offering.parameters.get("max_pixels")
    if spec is None:
        return HIGH_RES_IMAGE_TOKENS, (
            f"Each image takes at most {HIGH_RES_IMAGE_TOKENS:,} tokens plus 2 markers "
            "(Qwen-VL's largest per-image budget; the offering has no max_pixels)."
        )
    value = _request_value(body, "max_pixels")
    source = "the request's"
    if not _is_number(value):
        value, source = spec.default, "the default"
    if not _is_number(value):
        value, source = spec.maximum, "the largest allowed"
    pixels = Decimal(str(value)) if value is not None else Decimal(HIGH_RES_IMAGE_TOKENS) * 784
    cap = max(1, math.ceil(pixels / PATCH_PIXELS))
    why = (
        f"Each image takes at most max_pixels/(28*28) = {cap:,} tokens plus 2 markers "
        f"({source} max_pixels, {pixels})."
    )
    high_res = offering.parameters.get("vl_high_resolution_images")
    if high_res is not None:
        on = _request_value(body, "vl_high_resolution_images")
        if on is None:
            on = high_res.default
        if on is True and cap < HIGH_RES_IMAGE_TOKENS:
            cap = HIGH_RES_IMAGE_TOKENS
            why = (
                f"Each image takes at most {HIGH_RES_IMAGE_TOKENS:,} tokens plus 2 markers "
                "(vl_high_resolution_images is on: Qwen-VL's high-resolution budget)."
            )
    return cap, why


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _request_value(body: Any, name: str) -> Any:
    if isinstance(body, dict):
        return body.get(name)
    return None


# ------------------------------------------------------------- by dialect


def extract_prompt(body: Any, endpoint: str) -> PromptParts:
    """Pull out what ``body`` puts into the prompt; anything malformed is skipped."""
    parts = PromptParts()
    if endpoint == "runware.task":
        tasks = body if isinstance(body, list) else [body]
        for task in tasks:
            if isinstance(task, dict):
                _runware(task, parts)
        return parts
    if not isinstance(body, dict):
        return parts
    if endpoint == "completions":
        _completions(body, parts)
    elif endpoint == "responses":
        _responses(body, parts)
    elif endpoint == "messages":
        _anthropic(body, parts)
    else:
        _chat(body, parts)
    _tools(body, parts)
    return parts


def _tools(body: dict[str, Any], parts: PromptParts) -> None:
    for key in ("tools", "functions", "response_format"):
        value = body.get(key)
        if value is not None:
            parts.tool_texts.append(_json_text(value))
    text = body.get("text")  # responses: text.format
    if isinstance(text, dict) and text.get("format") is not None:
        parts.tool_texts.append(_json_text(text["format"]))


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def _content(content: Any, parts: PromptParts) -> None:
    """Content as a string or a list of parts (OpenAI, Responses and Anthropic shapes)."""
    if isinstance(content, str):
        parts.texts.append(content)
        return
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, str):
            parts.texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("image_url", "input_image", "image"):
            parts.images += 1
        elif kind in ("video_url", "video", "input_video"):
            frames = part.get("video")
            # a video given as a list of frame images is as many images
            if isinstance(frames, list):
                parts.images += len(frames)
            else:
                parts.videos += 1
        elif isinstance(part.get("text"), str):
            parts.texts.append(part["text"])
        elif kind == "tool_result":
            _content(part.get("content"), parts)
        elif kind in ("tool_use", "function_call"):
            parts.texts.append(_json_text(part.get("input", part.get("arguments"))))


def _messages(messages: Any, parts: PromptParts) -> None:
    if not isinstance(messages, list):
        return
    for message in messages:
        if not isinstance(message, dict):
            continue
        parts.messages += 1
        _content(message.get("content"), parts)
        for key in ("tool_calls", "function_call"):
            if message.get(key) is not None:
                parts.texts.append(_json_text(message[key]))


def _chat(body: dict[str, Any], parts: PromptParts) -> None:
    _messages(body.get("messages"), parts)


def _completions(body: dict[str, Any], parts: PromptParts) -> None:
    prompt = body.get("prompt")
    prompts: Iterable[Any] = prompt if isinstance(prompt, list) else [prompt]
    if isinstance(prompt, list) and all(_is_int(p) for p in prompt):
        parts.token_ids += len(prompt)
        return
    for item in prompts:
        if isinstance(item, str):
            parts.texts.append(item)
        elif isinstance(item, list) and all(_is_int(p) for p in item):
            parts.token_ids += len(item)
    suffix = body.get("suffix")
    if isinstance(suffix, str):
        parts.texts.append(suffix)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _responses(body: dict[str, Any], parts: PromptParts) -> None:
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        parts.texts.append(instructions)
        parts.messages += 1
    value = body.get("input")
    if isinstance(value, str):
        parts.texts.append(value)
        parts.messages += 1
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("type") in ("function_call_output",):
                parts.messages += 1
                output = item.get("output")
                if isinstance(output, str):
                    parts.texts.append(output)
            elif isinstance(item, dict) and item.get("type") == "function_call":
                parts.messages += 1
                parts.texts.append(_json_text(item.get("arguments")))
            else:
                _messages([item], parts)


def _anthropic(body: dict[str, Any], parts: PromptParts) -> None:
    system = body.get("system")
    if system is not None:
        parts.messages += 1
        _content(system, parts)
    _messages(body.get("messages"), parts)


def _runware(task: dict[str, Any], parts: PromptParts) -> None:
    _messages(task.get("messages"), parts)
    settings = task.get("settings")
    if isinstance(settings, dict) and isinstance(settings.get("systemPrompt"), str):
        parts.texts.append(settings["systemPrompt"])
        parts.messages += 1
    inputs = task.get("inputs")
    if isinstance(inputs, dict):
        for key, attr in (("images", "images"), ("videos", "videos")):
            items = inputs.get(key)
            if isinstance(items, list):
                setattr(parts, attr, getattr(parts, attr) + len(items))
