"""The endpoint list and the output-cap paths are one table (catalog.endpoints) that every
reader takes: card format, dialects, validator, estimate, usage shapes and the CLI."""

from __future__ import annotations

from typing import get_args

from billing.shapes import SHAPES
from catalog.cards.format import Endpoint
from catalog.endpoints import ENDPOINTS, MAX_TOKENS_PATH, OUTPUT_CAPS, USAGE_ONLY_ENDPOINTS
from catalog.requests.dialects import DIALECTS


def test_every_reader_knows_the_same_endpoints() -> None:
    assert ENDPOINTS == ("chat.completions", "completions", "responses", "messages", "runware.task")
    assert get_args(Endpoint) == ENDPOINTS
    assert set(DIALECTS) == set(ENDPOINTS)
    # every endpoint's usage is read; issue 10's usage-only shapes have no request dialect
    assert set(SHAPES) == set(ENDPOINTS) | set(USAGE_ONLY_ENDPOINTS)
    assert not set(USAGE_ONLY_ENDPOINTS) & set(ENDPOINTS)
    assert set(OUTPUT_CAPS) == set(ENDPOINTS)


def test_the_validator_checks_the_classic_spelling_of_each_cap() -> None:
    assert MAX_TOKENS_PATH == {
        "chat.completions": ("max_tokens",),
        "completions": ("max_tokens",),
        "responses": ("max_output_tokens",),
        "messages": ("max_tokens",),
        "runware.task": ("settings", "maxTokens"),
    }
    assert OUTPUT_CAPS["chat.completions"][0] == ("max_completion_tokens",)
