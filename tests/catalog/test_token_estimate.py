from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import Catalog
from catalog.requests.token_estimate import estimate_prompt_range, estimate_prompt_tokens


def test_chat_text_upper_bound(catalog: Catalog) -> None:
    offering = catalog.resolve("qwen3-5-4b")
    body = {"model": "qwen3-5-4b", "messages": [{"role": "user", "content": "Hello"}]}
    tokens, assumptions = estimate_prompt_tokens(body, "chat.completions", offering)
    # 5 bytes of text + 8 for the one message + 16 for the request = 29
    assert tokens == 29
    assert assumptions and all(a.endswith(".") for a in assumptions)


def test_image_bounded_by_max_pixels(catalog: Catalog) -> None:
    offering = catalog.resolve("qwen3-5-flash")
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    body = {
        "model": "qwen3-5-flash",
        "vl_high_resolution_images": False,
        "max_pixels": 78400,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, image]}],
    }
    tokens, assumptions = estimate_prompt_tokens(body, "chat.completions", offering)
    # 2 bytes + 8 + 16 + (78400 / 784 = 100 tokens + 2 markers) = 128
    assert tokens == 128
    assert any("max_pixels" in a for a in assumptions)


def test_high_res_default_raises_image_cap(catalog: Catalog) -> None:
    offering = catalog.resolve("qwen3-5-flash")
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    body = {"model": "qwen3-5-flash", "messages": [{"role": "user", "content": [image]}]}
    tokens, _ = estimate_prompt_tokens(body, "chat.completions", offering)
    # vl_high_resolution_images defaults to true: 16384 + 2 markers + 8 + 16 = 16410
    assert tokens == 16410


def test_runware_tasks_add_up(catalog: Catalog) -> None:
    offering = catalog.resolve("alibaba:qwen@3.5-27b")
    task = {
        "taskType": "textInference",
        "model": "alibaba:qwen@3.5-27b",
        "messages": [{"role": "user", "content": "héllo"}],
        "settings": {"systemPrompt": "be brief"},
    }
    tokens, _ = estimate_prompt_tokens([task, task], "runware.task", offering)
    # per task: "héllo" 6 bytes + "be brief" 8 bytes + 2 messages (user, system) * 8 = 30;
    # two tasks 60, + 16 for the request once = 76
    assert tokens == 76


def test_completions_token_ids_are_exact(catalog: Catalog) -> None:
    offering = catalog.resolve("qwen3-5-4b")
    body = {"model": "qwen3-5-4b", "prompt": [1, 2, 3, 4]}
    est = estimate_prompt_range(body, "completions", offering)
    assert est.lower == 4
    assert est.upper == 4 + 16


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(
        JSON,
        st.fixed_dictionaries({"messages": st.lists(st.dictionaries(st.text(max_size=8), JSON))}),
    ),
    endpoint=st.sampled_from(
        ["chat.completions", "completions", "responses", "messages", "runware.task"]
    ),
)
def test_never_raises_and_bounds_are_ordered(catalog: Catalog, body: Any, endpoint: str) -> None:
    offering = catalog.resolve("qwen3-5-flash")
    est = estimate_prompt_range(body, endpoint, offering)
    assert 0 <= est.lower <= est.typical <= est.upper
    tokens, _ = estimate_prompt_tokens(body, endpoint, offering)
    assert tokens == est.upper
