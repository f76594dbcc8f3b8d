"""The quick reader of the common record (billing.records.read_quick) against the full one.

``billing.price(dict)`` reads a plain chat record without building a UsageRecord. It must
drop no check: for any dict, it takes a record only when parse_record reads the same record
without error and to the same counts, and pricing the dict gives exactly what pricing the
parsed record gives (the same charge, or the same error). Hypothesis draws records near the
quick form with hostile values everywhere (booleans, negatives, counts beyond 10**15,
integral and fractional decimals, floats, strings, NULs, over-long ids, unknown keys).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import PricingError, RecordError, parse_record, price
from billing.records import MAX_COUNT, read_quick
from tests.budget import examples

SETTINGS = settings(
    max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(MAX_COUNT - 2, MAX_COUNT + 2),
    st.sampled_from([Decimal("12.0"), Decimal("1.5"), Decimal("NaN"), 3.0, 2.5, "7", [], {}]),
)
small = st.integers(0, 2)
#: What a hostile value may replace: (where, key); where is "", "usage", "pd" or "cd".
SITES = [
    ("usage", "prompt_tokens"),
    ("usage", "completion_tokens"),
    ("usage", "total_tokens"),
    ("usage", "prompt_tokens_details"),
    ("usage", "completion_tokens_details"),
    ("usage", "cost"),
    ("usage", "service_tier"),
    ("usage", "tool_usage"),
    ("usage", "cache_read_input_tokens"),
    ("usage", "audio_tokens"),
    ("pd", "cached_tokens"),
    ("pd", "audio_tokens"),
    ("cd", "reasoning_tokens"),
    ("cd", "audio_tokens"),
    ("", "usage"),
    ("", "id"),
    ("", "model"),
    ("", "customer"),
    ("", "endpoint"),
    ("", "timestamp"),
    ("", "provider"),
    ("", "batch"),
    ("", "service_tier"),
    ("", "request"),
    ("", "cost"),
    ("", "tool_usage"),
    ("", "other"),
]
#: Values a top-level site may take besides the hostile ones.
WORDS = st.sampled_from(
    [
        "",
        " ",
        "evt-1",
        "a\x00b",
        "x" * 200,
        "x" * 201,
        "é",
        "no-such-model",
        "qwen3-5-4b\x00",
        "chat.completions",
        "completions",
        "responses",
        "messages",
        "2026-11-20T10:00:00+02:00",
        "2026-11-20",
        "yesterday",
        "flex",
        "alibaba",
        1_790_000_000,
        10**20,
        {"web_search": 1},
    ]
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed plain chat record, then up to three of its places made hostile."""
    prompt = draw(st.one_of(st.integers(0, 300_000), small))
    completion = draw(st.one_of(st.integers(0, 8_000), small))
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion}
    pd: dict[str, Any] = {}
    cd: dict[str, Any] = {}
    if draw(st.booleans()):
        pd["cached_tokens"] = draw(st.integers(0, prompt))
        usage["prompt_tokens_details"] = pd
    if draw(st.booleans()):
        cd["reasoning_tokens"] = draw(st.integers(0, completion))
        usage["completion_tokens_details"] = cd
    if draw(st.booleans()):
        usage["total_tokens"] = prompt + completion
    obj: dict[str, Any] = {
        "model": draw(st.sampled_from(["qwen3-5-4b", "qwen3-5-flash", "qwen3-5-flash:variant1"])),
        "usage": usage,
    }
    if draw(st.booleans()):
        obj["id"] = f"evt-{draw(st.integers(0, 99))}"
    if draw(st.booleans()):
        obj["customer"] = "acme"
    if draw(st.booleans()):
        obj["endpoint"] = draw(st.sampled_from(["chat.completions", "completions"]))
    if draw(st.booleans()):
        obj["timestamp"] = draw(st.sampled_from(["2026-11-20T10:00:00Z", 1_790_000_000]))
    for where, key in draw(st.lists(st.sampled_from(SITES), max_size=3)):
        holder = {"": obj, "usage": usage, "pd": pd, "cd": cd}[where]
        value = draw(st.one_of(hostile, WORDS) if where == "" else st.one_of(hostile, small))
        if where == "usage" and key in ("prompt_tokens", "completion_tokens"):
            value = draw(st.one_of(hostile, st.integers(0, 400_000)))
        if draw(st.integers(0, 5)) or where == "":
            holder[key] = value
        else:
            holder.pop(key, None)
        if where in ("pd", "cd"):
            usage[f"{'prompt' if where == 'pd' else 'completion'}_tokens_details"] = holder
    if obj.get("endpoint", "responses") == "responses" and draw(st.booleans()):
        # the same record in the Responses shape: its names for the same counts
        obj["usage"] = {RESPONSES.get(k, k): v for k, v in usage.items()}
        obj["endpoint"] = "responses"
    return obj


#: The Responses shape's names for the chat shape's counts.
RESPONSES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "prompt_tokens_details": "input_tokens_details",
    "completion_tokens_details": "output_tokens_details",
}


def outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except (RecordError, PricingError) as exc:
        return type(exc).__name__, (str(exc), getattr(exc, "code", None))


@SETTINGS
@given(records())
def test_the_quick_reader_takes_only_what_the_full_reader_reads_the_same(
    obj: dict[str, Any],
) -> None:
    quick = read_quick(obj)
    full = outcome(lambda: parse_record(obj))
    if quick is not None:
        assert full[0] == "ok", f"the quick reader took a record the full one refuses: {full}"
        record = full[1]
        u = record.usage
        assert quick == (
            record.id,
            record.model,
            record.timestamp,
            u.input,
            u.cache_read,
            u.cache_write,
            u.output,
            u.reasoning,
        )
        assert not u.extra and not u.tools and not u.request
        assert record.provider is None and record.context == "default"
    # the dict priced (the quick path when it applies) == the parsed record priced
    assert outcome(lambda: price(obj)) == outcome(lambda: price(parse_record(obj)))


def test_the_quick_reader_takes_the_common_records() -> None:
    """The path is taken (else the property above proves nothing): plain, cached, with
    reasoning, a total, a timestamp, a customer and the completions endpoint."""
    base = {"id": "e1", "model": "qwen3-5-4b", "usage": {"prompt_tokens": 10}}
    for usage in (
        {"prompt_tokens": 10, "completion_tokens": 5},
        {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 5},
        },
    ):
        obj = {**base, "usage": usage, "customer": "acme", "timestamp": "2026-11-20T10:00:00Z"}
        assert read_quick(obj) is not None
        assert read_quick({**obj, "endpoint": "completions"}) is not None
        responses = {RESPONSES.get(k, k): v for k, v in usage.items()}
        assert read_quick({**obj, "endpoint": "responses", "usage": responses}) is not None
    # 10 × 0.04 + 5 × 0.07 per 1M (the qwen3-5-4b seed) = 0.75 µ$ = 0.00000075
    charge = price({**base, "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
    assert charge.total == Decimal("0.00000075")


P = {"prompt_tokens": 10, "completion_tokens": 5}
BIG = MAX_COUNT + 1


#: (a change to the common record, why the quick reader leaves it to the full one)
LEAVE: list[tuple[dict[str, Any], str]] = [
    ({"provider": None}, "a provider key takes the full reader"),
    ({"tool_usage": {}}, "a tool map"),
    ({"request": {}}, "request parameters"),
    ({"cost": "0.1"}, "a reported cost"),
    ({"cost_usd": "0.1"}, "a reported cost"),
    ({"service_tier": "flex"}, "a service tier"),
    ({"batch": False}, "a batch flag"),
    ({"usage": [1]}, "usage not an object"),
    ({"endpoint": "responses"}, "the chat names under the Responses shape"),
    ({"endpoint": "messages"}, "another shape"),
    ({"endpoint": "responses", "usage": {"input_tokens": 1, "prompt_tokens": 1}}, "mixed"),
    ({"endpoint": "responses", "usage": {"input_tokens": 10}}, "no output count"),
    (
        {
            "endpoint": "responses",
            "usage": {"input_tokens": 10, "output_tokens": 1, "total_tokens": 12},
        },
        "a Responses total that disagrees",
    ),
    (
        {
            "endpoint": "responses",
            "usage": {
                "input_tokens": 10,
                "output_tokens": 1,
                "input_tokens_details": {"cached_tokens": 2, "cache_write_tokens": 1},
            },
        },
        "Responses cache writes",
    ),
    ({"endpoint": ["chat.completions"]}, "an endpoint that is not a string"),
    ({"id": 5}, "an id that is not a string"),
    ({"id": "x" * 201}, "an id longer than its column"),
    ({"id": "a\x00b"}, "a NUL in the id"),
    ({"model": None}, "no model"),
    ({"model": "  "}, "a blank model"),
    ({"model": "m" * 201}, "a model longer than its column"),
    ({"model": "qwen3-5-4b\x00"}, "a NUL in the model"),
    ({"customer": 5}, "a customer that is not a string"),
    ({"customer": "c" * 201}, "a customer longer than its column"),
    ({"customer": "a\x00"}, "a NUL in the customer"),
    ({"timestamp": "soon"}, "a bad timestamp"),
    ({"timestamp": True}, "a boolean timestamp"),
    ({"usage": {**P, "service_tier": "priority"}}, "a service tier in usage"),
    ({"usage": {**P, "cost": 1}}, "a reported cost in usage"),
    ({"usage": {**P, "audio": 3}}, "an unknown count"),
    ({"usage": {**P, "cache_read_input_tokens": 3}}, "a gateway's count"),
    ({"usage": {"prompt_tokens": 10}}, "no completion count"),
    ({"usage": {"completion_tokens": 10}}, "no prompt count"),
    ({"usage": {**P, "completion_tokens": True}}, "a boolean count"),
    ({"usage": {**P, "prompt_tokens": -1}}, "a negative count"),
    ({"usage": {**P, "completion_tokens": -1}}, "a negative count"),
    ({"usage": {**P, "prompt_tokens": BIG}}, "a huge prompt"),
    ({"usage": {**P, "completion_tokens": BIG}}, "a huge completion"),
    ({"usage": {**P, "prompt_tokens": Decimal("1.5")}}, "a fraction"),
    ({"usage": {**P, "total_tokens": 16}}, "a total that disagrees"),
    ({"usage": {**P, "total_tokens": Decimal(15)}}, "a total that is not an int"),
    ({"usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": True}}, "bool"),
    ({"usage": {**P, "prompt_tokens_details": []}}, "details not an object"),
    ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": 11}}}, "cached > prompt"),
    ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": -1}}}, "negative cached"),
    ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": True}}}, "boolean cached"),
    ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": 1, "audio_tokens": 1}}}, "x"),
    ({"usage": {**P, "prompt_tokens_details": {"audio_tokens": 1}}}, "audio in the prompt"),
    ({"usage": {**P, "completion_tokens_details": "x"}}, "details not an object"),
    ({"usage": {**P, "completion_tokens_details": {"reasoning_tokens": 6}}}, "too many"),
    ({"usage": {**P, "completion_tokens_details": {"reasoning_tokens": -1}}}, "negative"),
    ({"usage": {**P, "completion_tokens_details": {"audio_tokens": 1}}}, "audio output"),
]


@pytest.mark.parametrize(
    ("change", "why"),
    LEAVE,
)
def test_the_quick_reader_leaves_the_rest_to_the_full_one(change: dict[str, Any], why: str) -> None:
    """Every check of the quick reader, one case each: the record goes to the full reader,
    and pricing the dict gives what pricing the parsed record gives."""
    obj = {"model": "qwen3-5-4b", "usage": P, **change}
    assert read_quick(obj) is None, why
    assert outcome(lambda: price(obj)) == outcome(lambda: price(parse_record(obj)))


M = "qwen3-5-4b"
T = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


#: (a change to the common record, the quick reader's exact result)
EDGES: list[tuple[dict[str, Any], tuple[Any, ...]]] = [
        # (id, model, timestamp, input, cache_read, cache_write, output, reasoning), by hand
        ({}, ("", M, None, 10, 0, 0, 5, 0)),
        ({"id": None, "customer": None, "endpoint": None, "timestamp": None},
         ("", M, None, 10, 0, 0, 5, 0)),
        ({"id": "", "endpoint": "chat.completions"}, ("", M, None, 10, 0, 0, 5, 0)),
        ({"id": "i" * 200, "model": "m" * 200, "customer": "c" * 200, "endpoint": "completions"},
         ("i" * 200, "m" * 200, None, 10, 0, 0, 5, 0)),
        ({"timestamp": "2026-11-20T10:00:00Z"}, ("", M, T, 10, 0, 0, 5, 0)),
        ({"timestamp": 0}, ("", M, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), 10, 0, 0, 5, 0)),
        # counts on their bounds: 0 and 10**15, cached = prompt, reasoning = completion
        ({"usage": {"prompt_tokens": 0, "completion_tokens": 0}}, ("", M, None, 0, 0, 0, 0, 0)),
        ({"usage": {"prompt_tokens": MAX_COUNT, "completion_tokens": MAX_COUNT,
                    "total_tokens": 2 * MAX_COUNT}},
         ("", M, None, MAX_COUNT, 0, 0, MAX_COUNT, 0)),
        ({"usage": {**P, "total_tokens": None, "prompt_tokens_details": None,
                    "completion_tokens_details": None}}, ("", M, None, 10, 0, 0, 5, 0)),
        ({"usage": {**P, "prompt_tokens_details": {}, "completion_tokens_details": {}}},
         ("", M, None, 10, 0, 0, 5, 0)),
        # input 10 − cached 10 = 0; output 5 − reasoning 5 = 0
        ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": 10},
                    "completion_tokens_details": {"reasoning_tokens": 5}}},
         ("", M, None, 0, 10, 0, 0, 5)),
        # input 10 − 3 = 7; output 5 − 2 = 3
        ({"usage": {**P, "total_tokens": 15, "prompt_tokens_details": {"cached_tokens": 3},
                    "completion_tokens_details": {"reasoning_tokens": 2}}},
         ("", M, None, 7, 3, 0, 3, 2)),
        ({"usage": {**P, "prompt_tokens_details": {"cached_tokens": 0},
                    "completion_tokens_details": {"reasoning_tokens": 0}}},
         ("", M, None, 10, 0, 0, 5, 0)),
    ]  # fmt: skip


@pytest.mark.parametrize(("change", "want"), EDGES)
def test_the_quick_reader_on_the_edges(change: dict[str, Any], want: tuple[Any, ...]) -> None:
    """The quick reader's exact result where each of its checks is tightest: a bound moved
    by one, a check flipped, or a count read from the wrong field sends the record to the
    full reader (None) or gives other counts, and fails here."""
    assert read_quick({"model": M, "usage": P, **change}) == want


CHAT_KEYS = (
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_details",
    "completion_tokens_details",
)


def test_a_quick_reader_built_now_reads_every_edge() -> None:
    """billing.shapes.openai_common.quick_reader builds the chat and Responses readers when
    their modules are imported; one built here, at test time, must give the edges' exact
    counts and leave every other usage object to the full reader (None). Under `make
    mutation` this is what can see a fault in quick_reader: the readers built at import
    never run a mutant."""
    from billing.shapes.openai_common import quick_reader

    chat = quick_reader(*CHAT_KEYS)
    responses = quick_reader(*(RESPONSES.get(k, k) for k in CHAT_KEYS))
    cases = [(change["usage"], want[3:]) for change, want in EDGES if "usage" in change]
    cases += [(c["usage"], None) for c, _ in LEAVE if type(c.get("usage")) is dict]
    assert len(cases) > 20
    for usage, counts in cases:
        assert chat(usage) == counts, usage
        assert responses({RESPONSES.get(k, k): v for k, v in usage.items()}) == counts, usage
