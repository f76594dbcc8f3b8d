"""The split both OpenAI shapes share: a prompt (input) count that INCLUDES its cached reads,
cache writes and audio/image/video parts, and a completion (output) count that INCLUDES
reasoning, audio and image parts. Each included part is subtracted exactly once, so the kinds
are disjoint (the sum of every kind is the prompt plus the completion).

Read, in the prompt's details object (``prompt_tokens_details`` / ``input_tokens_details``):

- ``cached_tokens``: cache reads; their modalities in ``cached_tokens_details``
  (``audio_tokens``, ``image_tokens``, ``text_tokens``; absent: all text, as genai-prices
  also assumes);
- cache writes, under any of ``cache_write_tokens`` (OpenAI Responses),
  ``cache_creation_input_tokens`` (Alibaba's compatible API), ``cache_creation_tokens``
  (LiteLLM), and a top-level ``cache_creation_input_tokens`` (LiteLLM, Anthropic's name):
  all that are given must agree; their durations in ``cache_creation_token_details``
  (``ephemeral_5m_input_tokens`` + ``ephemeral_1h_input_tokens``, which must add up to the
  writes);
- a top-level ``cache_read_input_tokens`` (LiteLLM) must agree with ``cached_tokens``;
- ``audio_tokens``, ``image_tokens``, ``video_tokens``: the prompt's tokens of that modality,
  cached ones included; ``text_tokens``, when given, must be the rest.

In the completion's details: ``reasoning_tokens``, ``audio_tokens``, ``image_tokens`` (each
part of the completion, disjoint); ``accepted_prediction_tokens`` and
``rejected_prediction_tokens`` are part of the output and billed as output (OpenAI's
predicted outputs), each checked to fit; ``text_tokens``, when given, must fit beside
audio and image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ShapeError
from .counts import Counts, Known, add_kind, agreed, details, get_count, part_of

MODAL = ("audio", "image", "video")

_MODAL_KNOWN: Known = {"text_tokens": None, "audio_tokens": None, "image_tokens": None}


#: The keys of the prompt's details object (``prompt_tokens_details`` /
#: ``input_tokens_details``), shared by both OpenAI shapes. A table, not a function: it is
#: read at import, where a mutation run could not tell a fault in it (the corpus pins it).
IN_DETAILS_KNOWN: Known = {
    "cached_tokens": None,
    "cached_tokens_details": _MODAL_KNOWN,
    "cache_write_tokens": None,
    "cache_creation_input_tokens": None,
    "cache_creation_tokens": None,
    "cache_creation_token_details": {
        "ephemeral_5m_input_tokens": None,
        "ephemeral_1h_input_tokens": None,
    },
    "audio_tokens": None,
    "image_tokens": None,
    "video_tokens": None,
    "text_tokens": None,
}

OUT_DETAILS_KNOWN: Known = {
    "reasoning_tokens": None,
    "audio_tokens": None,
    "image_tokens": None,
    "text_tokens": None,
    "accepted_prediction_tokens": None,
    "rejected_prediction_tokens": None,
}


def split(
    usage: Mapping[str, Any],
    prompt_key: str,
    completion_key: str,
    in_key: str,
    out_key: str,
    tools: Mapping[str, int],
) -> Counts:
    pf, cf = f"usage.{prompt_key}", f"usage.{completion_key}"
    prompt = get_count(usage, prompt_key, pf, required=True)
    completion = get_count(usage, completion_key, cf, required=True)
    pd = details(usage, in_key, f"usage.{in_key}")
    pre = f"usage.{in_key}"
    extra: dict[str, int] = {}
    cached, _ = agreed(
        [
            (pd, "cached_tokens", f"{pre}.cached_tokens"),
            (usage, "cache_read_input_tokens", "usage.cache_read_input_tokens"),
        ]
    )
    writes, write_field = agreed(
        [
            (pd, "cache_write_tokens", f"{pre}.cache_write_tokens"),
            (pd, "cache_creation_input_tokens", f"{pre}.cache_creation_input_tokens"),
            (pd, "cache_creation_tokens", f"{pre}.cache_creation_tokens"),
            (usage, "cache_creation_input_tokens", "usage.cache_creation_input_tokens"),
        ]
    )
    part_of(cached, f"{pre}.cached_tokens", prompt, pf)
    if writes:
        both = f"{pre}.cached_tokens + {write_field}"
        part_of(cached + writes, both, prompt, pf)
    # cache reads by modality
    cd_ = details(pd, "cached_tokens_details", f"{pre}.cached_tokens_details")
    cached_modal = {}
    for m in ("audio", "image"):
        n = get_count(cd_, f"{m}_tokens", f"{pre}.cached_tokens_details.{m}_tokens")
        cached_modal[m] = n
    cached_text = cached - cached_modal["audio"] - cached_modal["image"]
    if cached_text < 0:
        raise ShapeError(
            f"{pre}.cached_tokens_details reports more audio and image tokens "
            f"({cached - cached_text}) than {pre}.cached_tokens ({cached})"
        )
    if cd_.get("text_tokens") is not None:
        t = get_count(cd_, "text_tokens", f"{pre}.cached_tokens_details.text_tokens")
        if t != cached_text:
            raise ShapeError(
                f"{pre}.cached_tokens_details.text_tokens ({t}) is not {pre}.cached_tokens less "
                f"its audio and image tokens ({cached_text})"
            )
    # cache writes by duration
    wd = details(pd, "cache_creation_token_details", f"{pre}.cache_creation_token_details")
    wpre = f"{pre}.cache_creation_token_details"
    w5 = get_count(wd, "ephemeral_5m_input_tokens", f"{wpre}.ephemeral_5m_input_tokens")
    w1 = get_count(wd, "ephemeral_1h_input_tokens", f"{wpre}.ephemeral_1h_input_tokens")
    if wd and w5 + w1 != writes:
        raise ShapeError(
            f"{pre}.cache_creation_token_details (5m {w5} + 1h {w1} = {w5 + w1}) does not add "
            f"up to the cache writes ({write_field or 'none reported'}: {writes})"
        )
    # the prompt by modality
    modal_in = {m: get_count(pd, f"{m}_tokens", f"{pre}.{m}_tokens") for m in MODAL}
    for m in ("audio", "image"):
        if cached_modal[m] > modal_in[m]:
            raise ShapeError(
                f"{pre}.cached_tokens_details.{m}_tokens ({cached_modal[m]}) is more than "
                f"{pre}.{m}_tokens ({modal_in[m]}), which includes it"
            )
    if pd.get("text_tokens") is not None:
        t = get_count(pd, "text_tokens", f"{pre}.text_tokens")
        rest = prompt - sum(modal_in.values())
        if t != rest:
            raise ShapeError(
                f"{pre}.text_tokens ({t}) is not {pf} less its audio, image and video tokens "
                f"({rest})"
            )
    parts = cached + writes + sum(modal_in.values()) - cached_modal["audio"] - cached_modal["image"]
    part_of(parts, f"the parts of {pf} (cached, cache writes, audio, image, video)", prompt, pf)
    text_in = prompt - parts
    add_kind(extra, "cache_write_5m", w5)
    add_kind(extra, "cache_write_1h", w1)
    write_plain = writes - w5 - w1
    for m in MODAL:
        add_kind(extra, f"input_{m}", modal_in[m] - cached_modal.get(m, 0))
    for m in ("audio", "image"):
        add_kind(extra, f"cache_{m}_read", cached_modal[m])
    # the completion
    od = details(usage, out_key, f"usage.{out_key}")
    opre = f"usage.{out_key}"
    reasoning = get_count(od, "reasoning_tokens", f"{opre}.reasoning_tokens")
    audio_out = get_count(od, "audio_tokens", f"{opre}.audio_tokens")
    image_out = get_count(od, "image_tokens", f"{opre}.image_tokens")
    part_of(reasoning, f"{opre}.reasoning_tokens", completion, cf)
    part_of(
        reasoning + audio_out + image_out,
        f"{opre}.reasoning_tokens + audio_tokens + image_tokens",
        completion,
        cf,
    )
    for key in ("accepted_prediction_tokens", "rejected_prediction_tokens", "text_tokens"):
        part_of(get_count(od, key, f"{opre}.{key}"), f"{opre}.{key}", completion, cf)
    if od.get("text_tokens") is not None:
        part_of(
            get_count(od, "text_tokens", f"{opre}.text_tokens"),
            f"{opre}.text_tokens",
            completion - audio_out - image_out,
            f"{cf} less its audio and image tokens",
        )
    add_kind(extra, "output_audio", audio_out)
    add_kind(extra, "output_image", image_out)
    text_out = completion - reasoning - audio_out - image_out
    return text_in, cached_text, write_plain, text_out, reasoning, tools, extra
