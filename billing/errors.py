"""Every error billing raises, under one root (README "Errors").

Exception hierarchy::

    BillingError
    ├── RecordError          a usage record that cannot be read (line, record id, why)
    ├── ShapeError           a usage object whose counts are not valid (names the field)
    ├── PricingError         a record that cannot be priced; .code is one of PRICING_CODES
    ├── EstimateError        a request whose cost cannot be estimated
    ├── PeriodError          a billing period that is not YYYY-MM
    ├── InvoiceError         an invoice operation that cannot be done
    └── NotCompilableError   a price plan the SQL path cannot express exactly

``RecordError``, ``ShapeError``, ``EstimateError`` and ``PeriodError`` are also ``ValueError``
(as they always were). A pricing failure has the same :data:`PRICING_CODES` code on every path
that can fail that way: ``billing.price`` (``PricingError.code``) and the SQL path
(``billing.sqlrate.RateError.reason_code``), so the two can be compared reason by reason
(stable codes in the manner of OpenMeter's billing validation errors).
"""

from __future__ import annotations

from typing import Literal, get_args

#: Why a record cannot be priced: a stable code, shared by the Python and the SQL path.
PricingCode = Literal[
    "unknown_offering",
    "no_price_version",
    "beyond_top_tier",
    "token_rate_unavailable",
    "tool_fee_unavailable",
    "unknown_tool",
    "request_fee_unavailable",
    "nothing_published",
]

#: Each pricing code and what it means (the SQL path's reason text).
PRICING_CODES: dict[PricingCode, str] = {
    "unknown_offering": "unknown offering",
    "no_price_version": (
        "no price version is in effect at the event's time (in its price context: a context "
        "the offering does not price has none)"
    ),
    "beyond_top_tier": "the count is beyond the top price tier",
    "token_rate_unavailable": (
        "a token rate is unpublished or not applicable and the count is above 0"
    ),
    "tool_fee_unavailable": "a tool's fee is unpublished or not applicable and it was called",
    "unknown_tool": "tool_usage names a tool the plan does not price",
    "request_fee_unavailable": "a request fee applies but is unpublished or not applicable",
    "nothing_published": (
        "every count is 0 and neither the input nor the output rate is published, so the "
        "event would get no line at all (a 0 at an unknown price is not charged)"
    ),
}
assert set(PRICING_CODES) == set(get_args(PricingCode))


def where(line: int, record_id: str | None) -> str:
    """``line 3, record 'evt-3': `` (the prefix of every record error sentence)."""
    parts = []
    if line:
        parts.append(f"line {line}")
    if record_id:
        parts.append(f"record {record_id!r}")
    return ", ".join(parts) + ": " if parts else ""


class BillingError(Exception):
    """Base class of every error billing raises."""


class RecordError(BillingError, ValueError):
    """A usage record that cannot be read: its line, its id (when it has one) and why."""

    def __init__(self, message: str, line: int = 0, record_id: str | None = None) -> None:
        self.message = message
        self.line = line
        self.record_id = record_id
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return where(self.line, self.record_id) + self.message


class ShapeError(BillingError, ValueError):
    """A usage object that does not hold valid counts; the message names the field."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class PricingError(BillingError):
    """A record that cannot be priced: the line, the record id (when known), why (a sentence)
    and :attr:`code` (one of :data:`PRICING_CODES`, the same on the SQL path)."""

    def __init__(
        self, message: str, line: int = 0, record_id: str | None = None, *, code: PricingCode
    ) -> None:
        self.message = message
        self.line = line
        self.record_id = record_id
        self.code: PricingCode = code
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return where(self.line, self.record_id) + self.message


class EstimateError(BillingError, ValueError):
    """A request whose cost cannot be estimated (no model, unknown model, unpriceable)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class PeriodError(BillingError, ValueError):
    """A period that is not ``YYYY-MM``; the message says why, for a person."""


class InvoiceError(BillingError):
    """An invoice operation that cannot be done, with a sentence saying why."""


class NotCompilableError(BillingError):
    """A price plan the SQL path cannot express exactly (the Python path still prices it)."""


def first_line(error: object) -> str:
    """The first line of an error's text (an exception or its message), "" when it has none:
    the part of another library's error that a sentence for people quotes."""
    text = str(error).strip()
    return text.splitlines()[0] if text else ""
