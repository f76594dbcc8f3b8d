"""Usage records: one priced event per JSON object, read into a canonical :class:`Usage`.

A record names its offering (``model``), the endpoint whose usage shape ``usage`` is in
(default ``chat.completions``), optionally a timestamp, the request parameters that change
the price (``request``), the ``tool_usage`` map (in ``usage`` or at the top level) and the
cost the provider reported (``cost_usd`` or ``cost``, in ``usage`` or at the top level).

Every problem is a :class:`RecordError` that names the line, the record id and the field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from catalog.jsontext import JSONTextError, clip, json_problem, loads_exact

from .errors import RecordError, ShapeError, where
from .shapes import SHAPES
from .shapes.counts import MAX_COUNT, count_value
from .shapes.openai_chat import quick_counts
from .usage import Usage

DEFAULT_ENDPOINT = "chat.completions"
#: The longest id, customer and model (characters) a record may carry, and the longest
#: tool name: the ledger's columns (String(200), String(100)), checked here so that every
#: database refuses the same records with the same sentence.
MAX_ID_CHARS = 200
MAX_TOOL_CHARS = 100
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class UsageRecord:
    line: int  #: 1-based line number in the input (0 when not read from a file)
    id: str  #: the idempotency key ("" when the record has none)
    customer: str | None
    model: str  #: the offering id as written (qwen3-5-flash:variant1)
    timestamp: dt.datetime | None  #: UTC
    endpoint: (
        str  #: the usage shape: chat.completions, completions, responses, messages, runware.task
    )
    usage: Usage
    reported: Decimal | None  #: the cost the provider reported (audited, never trusted)
    raw: Mapping[str, Any]  #: the record as read
    #: the provider whose offering ``model`` is (DESIGN.md §6); None: resolve ``model`` alone
    provider: str | None = None
    #: the price context: ``default`` (also Anthropic's ``standard``), ``flex``,
    #: ``priority``… as the record's ``service_tier`` says; ``batch`` for a batch request
    context: str = "default"


#: The longest line a usage record may be (characters); the command line reads no more.
MAX_RECORD_CHARS = 1024 * 1024


def loads(text: str | bytes) -> Any:
    """JSON with exact decimals (:func:`catalog.jsontext.loads_exact`): numbers with a point
    become Decimal; NaN/Infinity, numbers beyond 10^30, repeated keys and unpaired
    surrogates are refused, and so is text longer than :data:`MAX_RECORD_CHARS`. Bytes are
    read as UTF-8, as :func:`json.loads` reads them."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONTextError(f"the text is not UTF-8: {exc.reason}") from None
    if len(text) > MAX_RECORD_CHARS:
        raise JSONTextError(
            f"the line is longer than {MAX_RECORD_CHARS // 1024} KiB; a usage record is "
            "not that long"
        )
    return loads_exact(text)


def parse_json_line(text: str, line: int) -> UsageRecord:
    """Read one JSON Lines record (``line`` is its 1-based line number)."""
    try:
        obj = loads(text)
    except (ValueError, RecursionError) as exc:
        raise RecordError(json_problem(exc), line) from None
    return parse_record(obj, line)


def parse_record(obj: object, line: int = 0) -> UsageRecord:
    """Read a record already decoded from JSON (a mapping), checking every count."""
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise RecordError(f"a usage record must be a JSON object; got {_json_type(obj)}", line)
    record_id = obj.get("id")
    if record_id is None:
        record_id = ""
    elif not isinstance(record_id, str):
        raise RecordError(f"id must be a string; got {_json_type(record_id)}", line)
    try:
        stored_text_problem(obj)
        return _parse(obj, line, record_id)
    except ShapeError as exc:
        raise RecordError(exc.message, line, record_id) from None


#: Top-level keys whose presence (even null) sends a record to the full reader: the quick
#: reader below prices none of them.
_FULL_ONLY = frozenset(
    {"provider", "tool_usage", "request", "cost_usd", "cost", "service_tier", "batch"}
)
#: Endpoints whose usage is in the chat shape (billing.shapes.SHAPES).
_CHAT_ENDPOINTS = frozenset({"chat.completions", "completions"})

#: (id, model, timestamp, input, cache_read, cache_write, output, reasoning)
QuickRecord = tuple[str, str, "dt.datetime | None", int, int, int, int, int]


def read_quick(
    obj: dict[str, Any],
    _full: frozenset[str] = _FULL_ONLY,
    _chat: frozenset[str] = _CHAT_ENDPOINTS,
    _limit: int = MAX_ID_CHARS,
) -> QuickRecord | None:
    """The common well-formed record, read without building a :class:`UsageRecord`: a
    ``dict`` in the chat shape with nothing but an id, a customer, a model, an endpoint, a
    timestamp and plain counts (:func:`billing.shapes.openai_chat.quick_counts`). None for
    any other record, which :func:`parse_record` then reads (and words the error of).

    It returns a value only when every check :func:`parse_record` makes passes: the id,
    customer and model are strings within :data:`MAX_ID_CHARS` with no NUL, the model is not
    blank, the timestamp is valid, and no provider, tool map, request, reported cost,
    service tier or batch flag is present (each needs the full reader). The same record
    through either reader gives the same counts (tests/billing/test_quick_reader.py).
    """
    if not _full.isdisjoint(obj):
        return None
    usage = obj.get("usage")
    if type(usage) is not dict:
        return None
    endpoint = obj.get("endpoint")
    if endpoint is not None and (type(endpoint) is not str or endpoint not in _chat):
        return None
    record_id = obj.get("id")
    if record_id is None:
        record_id = ""
    elif type(record_id) is not str or len(record_id) > _limit or "\x00" in record_id:
        return None
    model = obj.get("model")
    if type(model) is not str or len(model) > _limit or "\x00" in model or not model.strip():
        return None
    customer = obj.get("customer")
    if customer is not None and (
        type(customer) is not str or len(customer) > _limit or "\x00" in customer
    ):
        return None
    when = obj.get("timestamp")
    if when is not None:
        try:
            when = _timestamp(when)
        except ShapeError:
            return None
    counts = quick_counts(usage)
    if counts is None:
        return None
    return (record_id, model, when, *counts)


def _text_problem(field: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        return
    if len(value) > limit:
        raise ShapeError(f"{field} is {len(value):,} characters long; at most {limit} are allowed")
    if "\x00" in value:
        raise ShapeError(f"{field} {clip(value)} holds a NUL character (\\u0000)")


def stored_text_problem(obj: Mapping[str, Any]) -> None:
    """Raise :class:`ShapeError` when the id, customer, model or a tool name of a record
    is longer than its column (:data:`MAX_ID_CHARS`, :data:`MAX_TOOL_CHARS`) or holds a
    NUL character (no PostgreSQL text can): the same refusal on every database."""
    for field in ("id", "customer", "model", "provider", "endpoint"):
        _text_problem(field, obj.get(field), MAX_ID_CHARS)
    usage = obj.get("usage")
    for where_, holder in (("usage.tool_usage", usage), ("tool_usage", obj)):
        tools = holder.get("tool_usage") if isinstance(holder, Mapping) else None
        if isinstance(tools, Mapping):
            for name in tools:
                _text_problem(f"the tool name in {where_}", name, MAX_TOOL_CHARS)
    request = obj.get("request")
    if isinstance(request, Mapping):
        for name, value in request.items():
            _text_problem("a request parameter name", name, MAX_ID_CHARS)
            if isinstance(value, str) and "\x00" in value:
                raise ShapeError(f"request.{clip(str(name))} holds a NUL character (\\u0000)")


def _parse(obj: Mapping[str, Any], line: int, record_id: str) -> UsageRecord:
    customer = obj.get("customer")
    if customer is not None and not isinstance(customer, str):
        raise ShapeError(f"customer must be a string; got {_json_type(customer)}")
    model = obj.get("model")
    if model is None:
        raise ShapeError("model is missing: name the offering the usage was for")
    if not isinstance(model, str) or not model.strip():
        raise ShapeError(f"model must be an offering id (a string); got {_json_type(model)}")
    provider = obj.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise ShapeError(f"provider must be a provider id (a string); got {_json_type(provider)}")
    endpoint = obj.get("endpoint", DEFAULT_ENDPOINT)
    if endpoint is None:
        endpoint = DEFAULT_ENDPOINT
    shape = SHAPES.get(endpoint) if isinstance(endpoint, str) else None
    if shape is None:
        raise ShapeError(
            f"endpoint {endpoint!r} is not a known usage shape; use one of "
            + ", ".join(sorted(SHAPES))
        )
    usage = obj.get("usage")
    if type(usage) is not dict and not isinstance(usage, Mapping):
        what = "missing" if usage is None else f"{_json_type(usage)}, not an object"
        raise ShapeError(f"usage is {what}: a record needs its provider's usage object")
    inp, cache_read, cache_write, out, reasoning, shape_tools, extra = shape(usage)
    tools = _tools(obj, usage, shape_tools)
    provider = obj.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise ShapeError(f"provider must be a provider id (a string); got {_json_type(provider)}")
    request = obj.get("request")
    if request is None:
        request = _EMPTY
    elif not isinstance(request, Mapping):
        raise ShapeError(
            f"request must be an object of request parameters; got {_json_type(request)}"
        )
    else:
        request = MappingProxyType(dict(request))
    return UsageRecord(
        line=line,
        id=record_id,
        customer=customer,
        model=model,
        timestamp=_timestamp(obj.get("timestamp")),
        endpoint=endpoint,
        usage=Usage(
            inp,
            cache_read,
            cache_write,
            out,
            reasoning,
            tools,
            request,
            MappingProxyType(extra) if extra else _NO_EXTRA,
        ),
        reported=_reported(obj, usage),
        raw=obj,
        provider=provider,
        context=_context(obj, usage) if _has_context(obj, usage) else "default",
    )


_NO_EXTRA: Mapping[str, int] = MappingProxyType({})
#: Providers' words for the base plan.
DEFAULT_TIERS = frozenset({"default", "standard"})


def _has_context(obj: Mapping[str, Any], usage: Mapping[str, Any]) -> bool:
    return "service_tier" in obj or "batch" in obj or "service_tier" in usage


def _context(obj: Mapping[str, Any], usage: Mapping[str, Any]) -> str:
    """The price context: ``service_tier`` (top level or in ``usage``, where Anthropic puts
    it; both must agree), ``batch: true``, or ``default``. Anthropic's ``standard`` is the
    default; its ``batch`` tier is the batch context."""
    tiers = []
    for field, where_ in (("service_tier", obj), ("usage.service_tier", usage)):
        value = where_.get("service_tier")
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ShapeError(f"{field} must be a word (default, flex, priority…); got {value!r}")
        tiers.append((field, value.strip()))
    if len(tiers) == 2 and tiers[0][1] != tiers[1][1]:
        raise ShapeError(
            f"service_tier ({tiers[0][1]!r}) and usage.service_tier ({tiers[1][1]!r}) disagree"
        )
    batch = obj.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise ShapeError(f"batch must be true or false; got {_json_type(batch)}")
    tier = tiers[0][1] if tiers else "default"
    if tier in DEFAULT_TIERS:
        tier = "default"
    if batch:
        if tier not in ("default", "batch"):
            raise ShapeError(
                f"batch is true and service_tier is {tier!r}: a record has one price context"
            )
        return "batch"
    return tier


def readable_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What can still be read from a record whose counts cannot: its timestamp (UTC), its
    endpoint and its reported cost, each only when valid on its own (None otherwise). An
    unpriceable event keeps these, so it still counts in its period."""
    out: dict[str, Any] = {"timestamp": None, "endpoint": None, "reported": None}
    with contextlib.suppress(ShapeError):
        out["timestamp"] = _timestamp(obj.get("timestamp"))
    endpoint = obj.get("endpoint", DEFAULT_ENDPOINT)
    if isinstance(endpoint, str) and endpoint in SHAPES:
        out["endpoint"] = endpoint
    elif endpoint is None:
        out["endpoint"] = DEFAULT_ENDPOINT
    usage = obj.get("usage")
    with contextlib.suppress(ShapeError):
        out["reported"] = _reported(obj, usage if isinstance(usage, Mapping) else _EMPTY)
    return out


def _tools(
    obj: Mapping[str, Any], usage: Mapping[str, Any], shape_tools: Mapping[str, int]
) -> Mapping[str, int]:
    inner = usage.get("tool_usage")
    outer = obj.get("tool_usage")
    if inner is None and outer is None:  # the common case, before building the list below
        return MappingProxyType(dict(shape_tools)) if shape_tools else _EMPTY
    maps = [
        (f, m) for f, m in (("usage.tool_usage", inner), ("tool_usage", outer)) if m is not None
    ]
    read: list[dict[str, int]] = []
    for field, value in maps:
        if not isinstance(value, Mapping):
            raise ShapeError(
                f"{field} must be an object of tool name to call count; got {_json_type(value)}"
            )
        calls: dict[str, int] = {}
        for name, n in value.items():
            if not isinstance(name, str) or not name:
                raise ShapeError(f"{field} has an empty tool name")
            calls[name] = count_value(n, f"{field}.{name}")
        read.append(calls)
    if len(read) == 2 and read[0] != read[1]:
        raise ShapeError("usage.tool_usage and tool_usage are both given and disagree")
    return MappingProxyType(read[0])


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(
                text[:-1] + "+00:00" if text.endswith(("z", "Z")) else text
            )
        except ValueError:
            parsed = None
        if parsed is not None and text:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
    elif isinstance(value, int) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            pass
    shown = repr(value) if isinstance(value, str) else _json_text(value)
    raise ShapeError(
        f"timestamp {shown} is not an ISO 8601 time (2026-11-20T10:00:00Z) "
        "or whole seconds since 1970"
    )


_COST_FIELDS = (("usage", "cost_usd"), ("usage", "cost"), ("", "cost_usd"), ("", "cost"))


def _reported(obj: Mapping[str, Any], usage: Mapping[str, Any]) -> Decimal | None:
    get, uget = obj.get, usage.get
    if uget("cost_usd") is None and uget("cost") is None:
        if get("cost_usd") is None and get("cost") is None:
            return None  # the common case: no reported cost
    found: tuple[str, Decimal] | None = None
    for where_, key in _COST_FIELDS:
        value = (usage if where_ else obj).get(key)
        if value is None:
            continue
        field = f"{where_}.{key}" if where_ else key
        amount = _amount(value, field)
        if found is not None and found[1] != amount:
            raise ShapeError(f"{found[0]} ({found[1]}) and {field} ({amount}) disagree")
        found = (field, amount)
    return found[1] if found else None


def _amount(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ShapeError(f"{field} must be a number; got a boolean")
    if isinstance(value, float):
        value = repr(value)  # a Python caller's float: its shortest text is what was meant
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ShapeError(f"{field} {value!r} is not a decimal number") from None
    if not isinstance(value, Decimal):
        raise ShapeError(f"{field} must be a number; got {_json_type(value)}")
    if not value.is_finite() or value < 0:
        raise ShapeError(f"{field} must be a finite amount of at least 0; got {value}")
    if abs(value.adjusted()) > 30:
        raise ShapeError(f"{field} {value} is out of range")
    return value


def _json_text(value: object) -> str:
    """A JSON value other than null as JSON writes it (true, 1.5), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


__all__ = [
    "DEFAULT_ENDPOINT",
    "MAX_COUNT",
    "MAX_ID_CHARS",
    "MAX_RECORD_CHARS",
    "MAX_TOOL_CHARS",
    "RecordError",
    "UsageRecord",
    "loads",
    "parse_json_line",
    "parse_record",
    "readable_fields",
    "stored_text_problem",
    "where",
]
