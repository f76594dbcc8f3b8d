"""Vendor notation for counts: ``128K`` tokens, ``397B`` parameters.

Token counts are binary: these vendors write ``256K`` for a 262,144-token context (the
Runware pages give ``systemPrompt`` a maximum of 262144 for a "262K" model, and Artificial
Analysis rounds the same window to "256k" and "260k"). So ``K`` = 1,024 and ``M`` = 1,024 K
= 1,048,576. Parameter counts are decimal, as every model page writes them: ``4.44B`` =
4,440,000,000. Compiled output always shows exact integers.
"""

from __future__ import annotations

import re
from decimal import Decimal

TOKEN_UNITS = {"": 1, "K": 1024, "M": 1024 * 1024}
PARAMETER_UNITS = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}

_NOTATION = re.compile(r"^\s*(\d[\d,_]*(?:\.\d+)?)\s*([A-Za-z]?)\s*$")
#: Counts are below 10^18 (a context window of 10^18 tokens is no real limit); larger ones
#: are refused before any conversion, so a huge exponent never becomes a string of digits.
MAX_DIGITS = 18


def _parse(value: object, units: dict[str, int], what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a count, not a boolean")
    if isinstance(value, int):
        if value >= 10**MAX_DIGITS:
            raise ValueError(f"{what} must be below 10^{MAX_DIGITS}")
        if value < 0:
            raise ValueError(f"{what} must not be negative")
        return value
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= MAX_DIGITS:
        raise ValueError(f"{what} must be below 10^{MAX_DIGITS}")
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return _parse(int(value), units, what)
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an integer or vendor notation like 128K")
    match = _NOTATION.match(value)
    suffix = match.group(2).upper() if match else ""
    if not match or suffix not in units:
        allowed = ", ".join(repr(f"1{u}") for u in units if u)
        raise ValueError(f"{what} {value!r} is not an integer or a count like {allowed}")
    if len(match.group(1)) > 2 * MAX_DIGITS:
        raise ValueError(f"{what} {value[:40]!r} is too long: counts are below 10^{MAX_DIGITS}")
    exact = Decimal(match.group(1).replace(",", "").replace("_", "")) * units[suffix]
    if exact != exact.to_integral_value():
        raise ValueError(f"{what} {value!r} is not a whole number of units")
    if exact.adjusted() >= MAX_DIGITS:
        raise ValueError(f"{what} {value!r} must be below 10^{MAX_DIGITS}")
    return int(exact)


def parse_tokens(value: object) -> int:
    """``128K`` → 131072, ``1M`` → 1048576, ``32,768`` → 32768."""
    return _parse(value, TOKEN_UNITS, "token count")


def parse_parameter_count(value: object) -> int:
    """``397B`` → 397000000000, ``4.44B`` → 4440000000."""
    return _parse(value, PARAMETER_UNITS, "parameter count")


def format_tokens(count: int) -> str:
    """The shortest exact vendor notation: 131072 → ``128K``, 1000 → ``1,000``."""
    for suffix in ("M", "K"):
        size = TOKEN_UNITS[suffix]
        if count and count % size == 0:
            return f"{count // size:,}{suffix}"
    return f"{count:,}"


def slug(offering_id: str) -> str:
    """The file stem for an id: characters other than letters, digits, '.', '_' and '-'
    (':' '@' '/') become '-'."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", offering_id)
