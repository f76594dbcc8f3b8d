"""``charges.lines``: the exact JSON of a charge's line items (billing.ledger.charge_lines)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.charge import Line
from billing.ledger.charge_lines import LinesEncoder, StoredLine, lines_json, stored_lines

D = Decimal


def test_the_stored_text_is_written_out() -> None:
    lines = (
        # 123456 × 0.090 / 1M = 0.01111104
        Line("input", 123456, "1M tokens", D("0.090"), D("0.01111104"), price_version="v1"),
        Line("tool:web_search", 3, "call", D("0.010"), D("0.030"), D("0.012"), '<=128K "a"'),
    )
    assert lines_json(lines) == (
        '[{"charge":"input","quantity":123456,"unit":"1M tokens","unit_price":"0.090",'
        '"list_price":null,"amount":"0.01111104","tier":null,"price_version":"v1"},'
        '{"charge":"tool:web_search","quantity":3,"unit":"call","unit_price":"0.010",'
        '"list_price":"0.012","amount":"0.030","tier":"<=128K \\"a\\"","price_version":""}]'
    )
    assert stored_lines(lines_json(lines), "p/m") == [
        StoredLine("input", 123456, "1M tokens", D("0.090"), None, D("0.01111104"), None, "v1",
                   "p/m"),
        StoredLine("tool:web_search", 3, "call", D("0.010"), D("0.012"), D("0.030"),
                   '<=128K "a"', "", "p/m"),
    ]  # fmt: skip


def test_equal_prices_written_differently_keep_their_digits() -> None:
    """Decimal("0.09") == Decimal("0.090"): one encoder must not hand one's text to the other."""
    encoder = LinesEncoder()
    a = encoder.encode([Line("input", 1, "1M tokens", D("0.09"), D("0.00000009"))])
    b = encoder.encode([Line("input", 1, "1M tokens", D("0.090"), D("0.000000090"))])
    assert '"unit_price":"0.09"' in a and '"unit_price":"0.090"' in b
    assert '"amount":"9.0E-8"' in b  # str(Decimal): exact, exponent and trailing zero kept


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_money_that_is_not_finite_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        lines_json([Line("input", 1, "1M tokens", D("0.1"), D(bad))])
    with pytest.raises(ValueError, match="finite"):
        lines_json([Line("input", 1, "1M tokens", D(bad), D("0.1"))])


@pytest.mark.parametrize(
    "text",
    [
        '{"charge": "input"}',
        '[{"charge":"input","quantity":1.5,"unit":"call","unit_price":"1","amount":"1"}]',
        '[{"charge":"input","quantity":1,"unit":"call","unit_price":0.1,"amount":"1"}]',
    ],
)
def test_damaged_text_is_refused_not_guessed(text: str) -> None:
    with pytest.raises(ValueError):
        stored_lines(text)


money = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: d.is_finite()
)
names = st.text(min_size=1, max_size=20)


@given(
    st.lists(
        st.builds(
            Line,
            charge=names,
            quantity=st.integers(0, 2**63 - 1),
            unit=st.sampled_from(["1M tokens", "call", "request"]),
            unit_price=money,
            amount=money,
            list_price=st.none() | money,
            tier=st.none() | names,
            price_version=names | st.just(""),
        ),
        max_size=6,
    )
)
def test_every_line_reads_back_exactly(lines: list[Line]) -> None:
    encoder = LinesEncoder()
    text = encoder.encode(lines)
    json.loads(text)  # valid JSON
    back = stored_lines(text)
    assert [
        (b.charge, b.quantity, b.unit, str(b.unit_price), b.list_price and str(b.list_price),
         str(b.amount), b.tier, b.price_version)
        for b in back
    ] == [
        (x.charge, x.quantity, x.unit, str(x.unit_price), x.list_price and str(x.list_price),
         str(x.amount), x.tier, x.price_version)
        for x in lines
    ]  # fmt: skip
    assert encoder.encode(lines) == text  # the remembered parts give the same text
