"""billing.errors: one root, the tree its docstring draws, and one vocabulary of pricing codes."""

from __future__ import annotations

import re
from typing import get_args

import pytest

import billing.errors as errors
from billing import price
from billing.errors import PRICING_CODES, BillingError, PricingCode, PricingError
from billing.sqlrate.plan import CODES, ERRORS
from catalog import CatalogError, RequestError, parse_request


def test_every_billing_error_hangs_from_the_root_and_is_drawn() -> None:
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    assert classes - {"BillingError"} == drawn
    for name in drawn:
        assert issubclass(getattr(errors, name), BillingError), name


def test_the_old_homes_still_name_the_same_classes() -> None:
    from billing.estimating import EstimateError
    from billing.invoicing import InvoiceError
    from billing.rating import PricingError as RatingPricingError
    from billing.records import RecordError
    from billing.shapes import ShapeError
    from billing.sqlrate import NotCompilableError

    assert EstimateError is errors.EstimateError
    assert InvoiceError is errors.InvoiceError
    assert RatingPricingError is PricingError
    assert RecordError is errors.RecordError
    assert ShapeError is errors.ShapeError
    assert NotCompilableError is errors.NotCompilableError


def test_sql_error_integers_map_onto_the_one_code_vocabulary() -> None:
    assert set(CODES.values()) == set(get_args(PricingCode)) == set(PRICING_CODES)
    assert len(set(CODES.values())) == len(CODES)  # one integer per code
    assert {n: PRICING_CODES[code] for n, code in CODES.items()} == ERRORS


def test_a_pricing_error_carries_its_code() -> None:
    record = {
        "id": "e1",
        "model": "no-such-model",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }
    with pytest.raises(PricingError) as caught:
        price(record)
    assert caught.value.code == "unknown_offering"
    assert isinstance(caught.value, BillingError)


def test_request_error_joins_the_catalog_tree() -> None:
    with pytest.raises(RequestError) as caught:
        parse_request("{")
    assert isinstance(caught.value, CatalogError)
    assert isinstance(caught.value, ValueError)
