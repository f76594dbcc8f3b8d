"""Helpers for the per-seed tests: compare a parameter with the numbers typed from a seed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog import Offering, PriceState, Rate

UNSET: Any = object()


def param(
    offering: Offering,
    name: str,
    types: str | tuple[str, ...],
    *,
    default: Any = UNSET,
    minimum: str | None = None,
    maximum: str | None = None,
    step: str | None = None,
    required: bool = False,
    values: tuple[Any, ...] | None = None,
    description: str | None = None,
) -> None:
    """Assert one row of a seed's parameter table. Numbers are written as the seed's text
    ("0.1", "2147483647") and compared as Decimals; a default of UNSET means the seed shows
    none (so the card must have none)."""
    p = offering.parameters[name]
    where = f"{offering.id} {name}"
    expected_types = (types,) if isinstance(types, str) else types
    assert p.types == expected_types, where
    assert p.required is required, where
    if default is UNSET:
        assert not p.has_default, f"{where}: the seed shows no default"
    else:
        assert p.has_default, where
        if isinstance(default, bool):
            assert p.default is default, where
        else:
            assert not isinstance(p.default, bool), where
            assert p.default == default, where
    assert p.minimum == (None if minimum is None else Decimal(minimum)), where
    assert p.maximum == (None if maximum is None else Decimal(maximum)), where
    assert p.step == (None if step is None else Decimal(step)), where
    assert p.values == values, where
    if description is not None:
        assert p.description is not None and description in " ".join(p.description.split()), where


def published(rate: Rate, price: str, list_price: str | None = None) -> None:
    assert rate.state is PriceState.PUBLISHED
    assert rate.price == Decimal(price)
    assert rate.list_price == (None if list_price is None else Decimal(list_price))
