"""JSON numbers, exactly: requests are read with every non-integer number as a Decimal (never
a float) and written back the same way; comparisons and ``multipleOf`` are exact.

This is the number handling of the request validator (catalog.requests.validation); it
imports only the standard library and :mod:`catalog.jsontext`, for start-up time.
"""

from __future__ import annotations

import json
import math
import os
import re
from decimal import Decimal
from typing import Any

from ..errors import RequestError
from ..jsontext import JSONTextError, loads_exact


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


#: The largest request body read (characters): far above any provider's own limit
#: (a request with images inline is a few megabytes).
MAX_REQUEST_CHARS = 64 * 1024 * 1024


def parse_request(text: str | bytes) -> Any:
    """Parse request JSON with every non-integer number as a Decimal (never a float), as
    :func:`catalog.jsontext.loads_exact` does: numbers beyond 10^30, repeated keys and
    unpaired surrogates are refused. :class:`RequestError` says why in one sentence."""
    if len(text) > MAX_REQUEST_CHARS:
        raise RequestError(
            f"the request is larger than {MAX_REQUEST_CHARS // (1024 * 1024)} MiB; it is not read"
        )
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return loads_exact(text)
    except RecursionError:
        raise RequestError("the request is nested too deeply to read") from None
    except JSONTextError as exc:
        raise RequestError(f"the request cannot be used: {exc.msg}", exc.pointer or "") from None
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"the request is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(f"the request is not valid JSON: {exc}") from None


def dump_request(body: Any, *, indent: int | None = None) -> str:
    """A parsed request back as JSON, each Decimal written as the JSON number it was read
    from (``0.07``, never the string ``"0.07"`` nor a float's 0.07000000000000001), so a
    cleaned request (``--lenient``) can be sent as it is."""
    found = False

    def default(value: Any) -> Any:
        nonlocal found
        if isinstance(value, Decimal) and value.is_finite():
            found = True
            return _DECIMAL_MARK + str(value)
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    text = json.dumps(body, default=default, ensure_ascii=False, indent=indent)
    if not found:
        return text
    marks: re.Pattern[str] = _decimal_marks()
    return marks.sub(lambda m: m[1], text)


#: a string no request holds (random per process), marking a Decimal inside json.dumps' output
_DECIMAL_MARK = "\0" + os.urandom(8).hex() + ":"


def _decimal_marks() -> Any:
    """The compiled pattern of a marked Decimal (compiled once, on first use)."""
    global _MARKS
    if _MARKS is None:
        escaped = re.escape(json.dumps(_DECIMAL_MARK)[1:-1])
        _MARKS = re.compile(f'"{escaped}([^"]*)"')
    return _MARKS


_MARKS: Any = None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def as_decimal(value: Any) -> Decimal | None:
    """A JSON number as a Decimal; a float by its shortest text (0.07 → Decimal('0.07'))."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return None


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """Exact: is ``value`` an integer multiple of ``step``? Works for any exponent."""
    _, vdigits, vexp = value.as_tuple()
    _, sdigits, sexp = step.as_tuple()
    assert isinstance(vexp, int) and isinstance(sexp, int)
    m = int("".join(map(str, vdigits)) or "0")
    s = int("".join(map(str, sdigits)) or "0")
    if s == 0:
        return m == 0
    shift = vexp - sexp  # value/step = (m/s) * 10**shift
    if m == 0:
        return True
    if shift >= 0:
        return bool((m % s) * pow(10, shift, s) % s == 0)
    if -shift > len(vdigits) + 1:
        return False
    return bool(m % (s * 10 ** (-shift)) == 0)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        da, db = as_decimal(a), as_decimal(b)
        return da is not None and db is not None and da == db
    if type(a) is not type(b):
        return False
    return bool(a == b)


__all__ = ["as_decimal", "dump_request", "is_multiple", "is_number", "json_equal", "parse_request"]
