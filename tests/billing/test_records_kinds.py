"""The shape corpus (tests/billing/vectors/records.yaml): every usage shape's counts, every
check on counts, objects, ids, the reported cost and timestamps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from billing import RecordError, parse_json_line
from billing.records import loads, parse_record, readable_fields
from billing.shapes.counts import ShapeError, count_value
from billing.usage import Usage
from catalog.model import TOKEN_KINDS, tier_count

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "vectors" / "records.yaml").read_text(encoding="utf-8")
)


def test_corpus_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) >= 90
    for case in CASES:
        assert ("error" in case) != ("counts" in case), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_record(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(RecordError) as info:
            parse_json_line(case["record"], 4)
        assert info.value.line == 4
        assert str(info.value).startswith("line 4")
        want = case["error"]
        if want.endswith("..."):  # the sentence goes on with the parser's own words
            assert info.value.message.startswith(want[:-3])
        else:
            assert info.value.message == want
        return
    record = parse_json_line(case["record"], 4)
    raw = loads(case["record"])
    assert record.raw == raw
    assert (record.id, record.customer, record.model) == (
        raw.get("id") or "",
        raw.get("customer"),
        raw["model"],
    )
    assert record.endpoint == (raw.get("endpoint") or "chat.completions")
    u = record.usage
    assert [u.input, u.cache_read, u.cache_write, u.output, u.reasoning] == case["counts"]
    assert dict(u.tools) == case.get("tools", {})
    reported = case.get("reported")
    assert record.reported == (None if reported is None else Decimal(reported))
    if "timestamp" in case:
        want = case["timestamp"]
        if want is None:
            assert record.timestamp is None
        else:
            assert record.timestamp is not None
            assert record.timestamp.isoformat() == want
            assert record.timestamp.utcoffset() == dt.timedelta(0)
    if "context" in case:
        assert record.context == case["context"]
    assert record.line == 4


def test_record_error_names_line_and_id() -> None:
    with pytest.raises(RecordError) as info:
        parse_json_line('{"id": "evt-9", "model": "m", "usage": {"prompt_tokens": 1}}', 12)
    assert str(info.value) == "line 12, record 'evt-9': usage.completion_tokens is missing"
    assert info.value.record_id == "evt-9"
    with pytest.raises(RecordError) as info:
        parse_record({"model": "m", "usage": {"prompt_tokens": 1}})
    assert str(info.value) == "usage.completion_tokens is missing"


def test_python_callers_floats_and_ints() -> None:
    """A Python caller's float cost is read from its shortest text (0.1, not 0.1000000000000000055);
    a float count that is whole is a count."""
    record = parse_record(
        {"model": "m", "usage": {"prompt_tokens": 3.0, "completion_tokens": 1, "cost_usd": 0.1}}
    )
    assert record.reported == Decimal("0.1")
    assert record.usage.input == 3
    with pytest.raises(RecordError, match=r"must be a whole number; got 2\.5"):
        parse_record({"model": "m", "usage": {"prompt_tokens": 2.5, "completion_tokens": 1}})
    with pytest.raises(RecordError, match="got inf"):
        parse_record(
            {"model": "m", "usage": {"prompt_tokens": float("inf"), "completion_tokens": 1}}
        )
    with pytest.raises(RecordError, match="a usage record must be a JSON object; got a string"):
        parse_record("{}")


def test_request_is_kept_read_only() -> None:
    record = parse_json_line(
        '{"model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 1},'
        ' "request": {"a": 1}}',
        1,
    )
    assert dict(record.usage.request) == {"a": 1}
    with pytest.raises(TypeError):
        record.usage.request["a"] = 2  # type: ignore[index]


def test_tier_counts() -> None:
    """The tier count (catalog.model.tier_count, the one owner) over a Usage's counts: input 1
    + read 2 + write 4 = 7 prompt tokens; 7 + out 8 + reasoning 16 = 31 total; uncached 1."""
    u = Usage(1, 2, 4, 8, 16)
    assert u.prompt_tokens == 7
    assert u.completion_tokens == 24
    counts = {kind: getattr(u, kind) for kind in TOKEN_KINDS}
    assert tier_count("input_tokens", counts) == 7
    assert tier_count("uncached_input_tokens", counts) == 1
    assert tier_count("total_tokens", counts) == 31
    with pytest.raises(ValueError, match="unknown tier count 'output'"):
        tier_count("output", counts)
    # the same through Usage.tier_count (over Usage.kinds())
    assert [u.tier_count(by) for by in TIERS_BY] == [7, 1, 31]
    with pytest.raises(ValueError, match="unknown tier count 'output'"):
        u.tier_count("output")
    # an audio prompt token is a prompt token: input 7 + audio in 32 = 39; uncached input 1
    # + 32 = 33; total 31 + 32 + audio out 64 = 127
    audio = Usage(1, 2, 4, 8, 16, extra=MappingProxyType({"input_audio": 32, "output_audio": 64}))
    assert [audio.tier_count(by) for by in TIERS_BY] == [39, 33, 127]


TIERS_BY = ("input_tokens", "uncached_input_tokens", "total_tokens")


#: readable_fields: what an unpriceable record still tells (its period, endpoint and cost)
READABLE = [
    # (the record, timestamp, endpoint, reported)
    ({"timestamp": "2026-11-20T10:00:00+01:00", "usage": {"cost_usd": "0.5"}},
     dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), "chat.completions", Decimal("0.5")),
    ({"timestamp": 86400, "endpoint": "messages", "cost": 2},
     dt.datetime(1970, 1, 2, tzinfo=dt.UTC), "messages", Decimal(2)),
    ({"timestamp": "yesterday", "endpoint": "fax", "usage": 7, "cost_usd": "-1"},
     None, None, None),
    ({"endpoint": None, "usage": {"cost": "1.25"}, "cost": "1.25"},
     None, "chat.completions", Decimal("1.25")),
    ({"endpoint": 3, "usage": {"cost": "1"}, "cost_usd": "2"}, None, None, None),
    ({"endpoint": "runware.task", "usage": None, "cost_usd": 0}, None, "runware.task", Decimal(0)),
]  # fmt: skip


@pytest.mark.parametrize(("obj", "when", "endpoint", "reported"), READABLE)
def test_readable_fields(
    obj: dict[str, Any], when: dt.datetime | None, endpoint: str | None, reported: Decimal | None
) -> None:
    assert readable_fields(obj) == {"timestamp": when, "endpoint": endpoint, "reported": reported}


def test_where_prefixes() -> None:
    assert str(RecordError("usage is missing", 0, "evt-1")) == "record 'evt-1': usage is missing"
    assert str(RecordError("usage is missing", 2)) == "line 2: usage is missing"
    assert str(RecordError("usage is missing")) == "usage is missing"
    assert RecordError("x", 5, "e").args == ("line 5, record 'e': x",)


def test_a_byte_order_mark_is_not_json() -> None:
    with pytest.raises(RecordError, match="line 1: not valid JSON: Unexpected UTF-8 BOM"):
        parse_json_line('\ufeff{"model": "m", "usage": {}}', 1)
    assert loads('{"a": 0.10}') == {"a": Decimal("0.10")}


def test_counts_from_python_callers() -> None:
    class Count(int):
        pass

    n = count_value(Count(5), "usage.prompt_tokens")
    assert (n, type(n)) == (5, int)
    assert count_value(Decimal("7"), "f") == 7
    assert count_value(7.0, "f") == 7
    with pytest.raises(ShapeError, match=r"f must be a whole number of at least 0; got NaN"):
        count_value(Decimal("NaN"), "f")
    with pytest.raises(ShapeError, match=r"f must be a whole number of at least 0; got null"):
        count_value(None, "f")
    with pytest.raises(ShapeError, match=r"f must be a whole number of at least 0; got object"):
        count_value(object(), "f")
    with pytest.raises(ShapeError, match=r"f -1E\+16 is implausibly large"):
        count_value(Decimal("-1E+16"), "f")


def test_mappings_that_are_not_dicts() -> None:
    """A Python caller's read-only mappings are objects too."""
    from types import MappingProxyType

    record = parse_record(
        MappingProxyType(
            {
                "model": "m",
                "usage": MappingProxyType(
                    {"prompt_tokens": 3, "completion_tokens": 1, "tool_usage": {"web_search": 1}}
                ),
                "request": MappingProxyType({"flag": True}),
            }
        )
    )
    assert (record.usage.input, record.usage.output) == (3, 1)
    assert dict(record.usage.tools) == {"web_search": 1}
    assert dict(record.usage.request) == {"flag": True}
    read = loads(b'{"a": 0.5}')  # bytes, as json.loads takes them: still exact
    assert read == {"a": Decimal("0.5")} and type(read["a"]) is Decimal
    with pytest.raises(ValueError, match="NaN is not a number JSON allows"):
        loads(b'{"a": NaN}')


def test_timestamps_are_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        record = parse_json_line(
            '{"model": "m", "timestamp": "2026-11-20T10:00:00+02:00", '
            '"usage": {"prompt_tokens": 1, "completion_tokens": 1}}',
            1,
        )
        assert record.timestamp is not None
        assert record.timestamp.isoformat() == "2026-11-20T08:00:00+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_record_of_another_type() -> None:
    with pytest.raises(RecordError, match=r"a usage record must be a JSON object; got object$"):
        parse_record(object())
