from __future__ import annotations

from decimal import Decimal

import pytest

from billing.money import is_whole_minor_units, minor_unit, round_money

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.01111104", "USD", "0.01"),  # DESIGN §6: 123456 * 0.090 / 1M
        ("0.045178878", "USD", "0.05"),  # the seed check's total
        ("0.005", "USD", "0.01"),  # a tie rounds half up
        ("0.00499999", "USD", "0.00"),
        ("-0.005", "USD", "-0.01"),  # ties go away from zero
        ("1.234", "usd", "1.23"),
        ("1234.5", "JPY", "1235"),  # no minor unit
        ("0.0005", "KWD", "0.001"),  # three decimals
    ],
)
def test_round_money(amount: str, currency: str, expected: str) -> None:
    got = round_money(D(amount), currency)
    assert str(got) == expected


def test_minor_units() -> None:
    assert minor_unit("USD") == D("0.01")
    assert minor_unit("JPY") == D("1")
    assert is_whole_minor_units(D("1.25"), "USD")
    assert not is_whole_minor_units(D("1.255"), "USD")


def test_non_finite_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        round_money(D("NaN"), "USD")
