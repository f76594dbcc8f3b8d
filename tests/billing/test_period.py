"""billing.period: the one definition of the billing period (a UTC calendar month)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.period import PeriodError, check_period, period_label, period_of, period_problem


@given(
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
)
def test_period_of_is_the_utc_month_as_strftime_writes_it(naive: datetime, minutes: int) -> None:
    when = naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    assert period_of(when) == when.astimezone(UTC).strftime("%Y-%m")


def test_an_event_falls_in_the_month_of_its_utc_time() -> None:
    # 2026-11-30T23:30 at UTC-2 is 2026-12-01T01:30 UTC: December.
    assert (
        period_of(datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-2)))) == "2026-12"
    )
    assert period_of(datetime(2026, 11, 1, 0, 0, tzinfo=UTC)) == "2026-11"


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("2026-1", "the month needs two digits (2026-01)"),
        ("2026-13", "there is no month 13"),
        ("2026-00", "there is no month 00"),
        ("0000-01", "there is no year 0000"),
        ("26-11", "a month is written as a four-digit year, a dash and a two-digit month"),
        ("2026/11", "a month is written as a four-digit year, a dash and a two-digit month"),
        ("2026-11 ", "a month is written as a four-digit year, a dash and a two-digit month"),
        ("２０２６-11", "a month is written as a four-digit year, a dash and a two-digit month"),
    ],
)
def test_a_malformed_period_says_why(period: str, why: str) -> None:
    assert period_problem(period) == why
    with pytest.raises(PeriodError) as caught:
        check_period(period)
    assert str(caught.value) == (
        f"period must be YYYY-MM (for example 2026-11), got {period!r}: {why}"
    )


@pytest.mark.parametrize("period", ["2026-11", "2026-01", "2026-12", "0001-01", "9999-12"])
def test_a_month_is_accepted(period: str) -> None:
    assert period_problem(period) is None
    assert check_period(period) == period


def test_period_label() -> None:
    assert period_label("2026-11") == "November 2026"
    assert period_label("2027-01") == "January 2027"
