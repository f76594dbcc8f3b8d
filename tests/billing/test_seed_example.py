"""The seed's own tool_usage example, priced from the qwen3-5-flash table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import PricingError, RecordError, parse_json_line, price
from catalog import Catalog

SEED = (
    '{"id": "evt-0001", "model": "qwen3-5-flash", "usage": {"prompt_tokens": 123, '
    '"completion_tokens": 456, "cost_usd": 0.0042, '
    '"tool_usage": {"web_search": 3, "code_interpreter": 1}}}'
)


def test_seed_example(catalog: Catalog) -> None:
    record = parse_json_line(SEED, 1)
    assert record.reported == Decimal("0.0042")
    charge = price(record, catalog)
    # 123*0.090/1e6 + 456*0.368/1e6 + 3*0.015 + 1*0
    # = 0.00001107 + 0.000167808 + 0.045 + 0 = 0.045178878
    assert charge.total == Decimal("0.045178878")
    assert [(line.charge, line.amount) for line in charge.lines] == [
        ("input", Decimal("0.00001107")),
        ("output", Decimal("0.000167808")),
        ("tool:web_search", Decimal("0.045")),
        ("tool:code_interpreter", Decimal("0")),
    ]
    assert charge.lines[0].list_price == Decimal("0.10")


def test_bad_record_names_line_and_field() -> None:
    with pytest.raises(RecordError) as info:
        parse_json_line('{"id": "e", "model": "m", "usage": {"prompt_tokens": -1}}', 7)
    assert info.value.line == 7
    assert info.value.record_id == "e"
    assert "usage.prompt_tokens" in info.value.message


def test_unknown_tool_is_an_error(catalog: Catalog) -> None:
    record = {
        "id": "e",
        "model": "qwen3-5-flash",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "tool_usage": {"browser": 1}},
    }
    with pytest.raises(PricingError, match="'browser'"):
        price(record, catalog)
