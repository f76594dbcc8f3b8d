"""The billing period: a UTC calendar month, written ``YYYY-MM`` ('2026-11').

The one definition used by ingest and the bulk store (which period an event falls in), the
invoice lifecycle and ``ratecard invoice|credit-note|rate`` (which periods may be named), and
the HTML invoice (how a period reads: 'November 2026'). An event's period is the month of its
timestamp in UTC, so 2026-11-30T23:30:00-02:00 falls in December 2026.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

from .errors import PeriodError

_PERIOD = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def period_of(when: datetime) -> str:
    """The UTC calendar month of ``when`` (an aware datetime): '2026-11'.

    Written without ``strftime`` (slow on the bulk path); equal to
    ``when.astimezone(UTC).strftime("%Y-%m")``, including glibc's '999-01' for year 999.
    """
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    return f"{when.year}-{when.month:02d}"


def period_problem(period: str) -> str | None:
    """Why ``period`` is not a calendar month ``YYYY-MM`` (years 0001-9999), or None."""
    found = _PERIOD.fullmatch(period)
    if found is None:
        return "a month is written as a four-digit year, a dash and a two-digit month"
    if len(found[2]) == 1:
        return f"the month needs two digits ({found[1]}-0{found[2]})"
    if not 1 <= int(found[2]) <= 12:
        return f"there is no month {found[2]}"
    if found[1] == "0000":
        return "there is no year 0000"
    return None


def check_period(period: str) -> str:
    """``period`` itself if it is ``YYYY-MM``; otherwise :class:`PeriodError`, saying why:
    ``period must be YYYY-MM (for example 2026-11), got '2026-1': the month needs two digits
    (2026-01)``."""
    why = period_problem(period)
    if why is not None:
        raise PeriodError(f"period must be YYYY-MM (for example 2026-11), got {period!r}: {why}")
    return period


def period_end(period: str) -> datetime:
    """The first instant after ``period`` (UTC): '2026-11' → 2026-12-01T00:00:00+00:00."""
    year, month = (int(part) for part in period.split("-"))
    if month == 12:
        if year == 9999:  # the last month datetime has: it never ends
            return datetime.max.replace(tzinfo=UTC)
        return datetime(year + 1, 1, 1, tzinfo=UTC)
    return datetime(year, month + 1, 1, tzinfo=UTC)


def period_label(period: str) -> str:
    """A period as people read it: '2026-11' → 'November 2026'."""
    year, month = period.split("-")
    return f"{calendar.month_name[int(month)]} {year}"
