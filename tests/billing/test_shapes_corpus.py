"""The usage-shape corpus (tests/billing/shapes/, one file per shape: a record and the
normalised counts it must give), and hypothesis properties of every shape: normalisation
conserves tokens (no count lost or doubled), and an unknown numeric field is refused by
name, never silently priced or ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import RecordError, parse_json_line
from billing.shapes import SHAPES
from tests.budget import examples

HERE = Path(__file__).parent / "shapes"
FILES = sorted(HERE.glob("*.yaml"))
CASES = [
    (path.stem, case) for path in FILES for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]
SETTINGS = settings(max_examples=examples(200), deadline=None)


def test_one_file_per_shape() -> None:
    shapes = {s.replace(".", "_") for s in SHAPES} - {"completions"}
    assert {p.stem for p in FILES} == shapes


@pytest.mark.parametrize(("shape", "case"), CASES, ids=[f"{s}: {c['name']}" for s, c in CASES])
def test_corpus(shape: str, case: dict[str, Any]) -> None:
    record = parse_json_line(json.dumps(case["record"]), 1)
    assert record.usage.kinds() == case["counts"]
    assert dict(record.usage.tools) == case.get("tools", {})


n = st.integers(0, 10**6)


@st.composite
def chat_usage(draw: st.DrawFn, names: tuple[str, str, str, str]) -> tuple[dict[str, Any], int]:
    """A valid OpenAI-style usage object and its prompt + completion."""
    prompt_key, completion_key, in_key, out_key = names
    audio, image, video = draw(n), draw(n), draw(n)
    cached_audio = draw(st.integers(0, audio))
    cached_text = draw(n)
    writes = draw(n)
    text = draw(n)
    prompt = text + cached_text + writes + audio + image + video
    reasoning, audio_out, image_out, text_out = draw(n), draw(n), draw(n), draw(n)
    completion = reasoning + audio_out + image_out + text_out
    details: dict[str, Any] = {"cached_tokens": cached_text + cached_audio}
    if cached_audio or draw(st.booleans()):
        details["cached_tokens_details"] = {"audio_tokens": cached_audio}
    for key, value in (("audio_tokens", audio), ("image_tokens", image)):
        if value or draw(st.booleans()):
            details[key] = value
    if video:
        details["video_tokens"] = video
    if writes:
        w1 = draw(st.integers(0, writes))
        details["cache_write_tokens" if in_key.startswith("input") else "cache_creation_tokens"] = (
            writes
        )
        if draw(st.booleans()):
            details["cache_creation_token_details"] = {
                "ephemeral_5m_input_tokens": writes - w1,
                "ephemeral_1h_input_tokens": w1,
            }
    usage = {
        prompt_key: prompt,
        completion_key: completion,
        in_key: details,
        out_key: {
            "reasoning_tokens": reasoning,
            "audio_tokens": audio_out,
            "image_tokens": image_out,
        },
        "total_tokens": prompt + completion,
    }
    return usage, prompt + completion


CHAT = ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")
RESP = ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")


def _total(endpoint: str, usage: dict[str, Any]) -> int:
    record = parse_json_line(json.dumps({"model": "m", "endpoint": endpoint, "usage": usage}), 1)
    return sum(record.usage.kinds().values())


@SETTINGS
@given(chat_usage(CHAT))
def test_chat_conserves_tokens(drawn: tuple[dict[str, Any], int]) -> None:
    usage, whole = drawn
    assert _total("chat.completions", usage) == whole


@SETTINGS
@given(chat_usage(RESP))
def test_responses_conserves_tokens(drawn: tuple[dict[str, Any], int]) -> None:
    usage, whole = drawn
    assert _total("responses", usage) == whole


@SETTINGS
@given(n, n, n, n, st.integers(0, 3), st.booleans())
def test_messages_conserves_tokens(
    inp: int, read: int, write: int, out: int, split: int, detailed: bool
) -> None:
    usage: dict[str, Any] = {
        "input_tokens": inp,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
        "output_tokens": out,
    }
    if detailed:
        one_hour = write * split // 3
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": write - one_hour,
            "ephemeral_1h_input_tokens": one_hour,
        }
    assert _total("messages", usage) == inp + read + write + out


MODALITIES = ("TEXT", "AUDIO", "IMAGE", "VIDEO", "DOCUMENT")


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(MODALITIES), n, min_size=1),
    st.data(),
    n,
    n,
    n,
)
def test_generate_content_conserves_tokens(
    prompt_by: dict[str, int], data: st.DataObject, answer: int, thoughts: int, tool: int
) -> None:
    cached_by = {m: data.draw(st.integers(0, v)) for m, v in prompt_by.items()}
    prompt, cached = sum(prompt_by.values()), sum(cached_by.values())
    usage = {
        "promptTokenCount": prompt,
        "cachedContentTokenCount": cached,
        "candidatesTokenCount": answer,
        "thoughtsTokenCount": thoughts,
        "toolUsePromptTokenCount": tool,
        "totalTokenCount": prompt + answer + thoughts + tool,
        "promptTokensDetails": [{"modality": m, "tokenCount": v} for m, v in prompt_by.items()],
        "cacheTokensDetails": [{"modality": m, "tokenCount": v} for m, v in cached_by.items()],
    }
    assert _total("generate_content", usage) == prompt + answer + thoughts + tool


EXAMPLES = {
    "chat.completions": {"prompt_tokens": 10, "completion_tokens": 5,
                         "prompt_tokens_details": {"cached_tokens": 2}},
    "responses": {"input_tokens": 10, "output_tokens": 5,
                  "input_tokens_details": {"cached_tokens": 2}},
    "messages": {"input_tokens": 10, "output_tokens": 5, "cache_creation": {}},
    "generate_content": {"promptTokenCount": 10, "candidatesTokenCount": 5},
    "embeddings": {"prompt_tokens": 10},
    "runware.task": {"promptTokens": 10, "completionTokens": 5, "promptTokensDetails": {}},
}  # fmt: skip


@SETTINGS
@given(
    st.sampled_from(sorted(EXAMPLES)),
    st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).map(lambda s: f"zz_{s}"),
    st.one_of(
        st.integers(-(10**6), 10**6),
        st.decimals(min_value=-(10**6), max_value=10**6, places=6),
    ),
    st.booleans(),
)
def test_an_unknown_numeric_field_is_refused_by_name(
    endpoint: str, key: str, value: Any, nested: bool
) -> None:
    usage = json.loads(json.dumps(EXAMPLES[endpoint]))
    where = "usage"
    if nested:
        inner = next((k for k, v in usage.items() if isinstance(v, dict)), None)
        if inner is not None:
            usage[inner][key] = value
            where = f"usage.{inner}"
        else:
            usage[key] = value
    else:
        usage[key] = value
    text = json.dumps({"model": "m", "endpoint": endpoint, "usage": usage}, default=str)
    text = text.replace(f'"{value}"', str(value)) if not isinstance(value, int) else text
    with pytest.raises(RecordError) as info:
        parse_json_line(text, 1)
    assert f"{where}.{key}" in str(info.value)
