"""Price a provider's raw response body: the model id and usage inside it, as the provider
returned it (genai-prices' ``extract_usage``, LiteLLM's ``completion_cost(completion_response=)``).

``record_from_response(body, provider=..., endpoint=...)`` turns the body into a usage
record (DESIGN.md §6); :func:`price_response` prices it, so both give the same charge as the
equivalent record. The body may be:

- a JSON object: a chat completion (``object: chat.completion``), a text completion
  (``text_completion``), a Responses object (``object: response``), an Anthropic message
  (``type: message``), a Gemini ``generateContent`` response (``usageMetadata``, model in
  ``modelVersion``), an embeddings list (``object: list`` with ``usage``);
- a stream: a JSON array of chunks/events or server-sent-event text (``data: {...}`` lines,
  ``data: [DONE]`` ignored). The final chunk carrying usage is the usage (OpenAI with
  ``stream_options.include_usage``; Gemini's last chunk; Responses' ``response.completed``
  event). Anthropic streams split it: ``message_start`` carries the input side and
  ``message_delta`` the final output count, which replaces the start's.

Without ``endpoint`` the shape is recognised by those marks; a body without usage is an error
(:class:`billing.RecordError`), never priced 0. ``service_tier`` in the body (OpenAI) or in
its usage (Anthropic) selects the price context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog import Catalog

from .charge import Charge
from .errors import RecordError
from .records import loads, parse_record


def _events(body: Any) -> list[Mapping[str, Any]]:
    """The body as a list of JSON objects (one for a plain response)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if isinstance(body, str):
        text = body.strip()
        if text.startswith(("data:", "event:")) or "\ndata:" in text:
            out = []
            for line in text.splitlines():
                line = line.strip()
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if not payload or payload == "[DONE]":
                    continue
                out.append(_object(loads(payload)))
            return out
        try:
            body = loads(text)
        except ValueError as exc:
            raise RecordError(f"the response body is not JSON: {exc}") from None
    if isinstance(body, list):
        return [_object(item) for item in body]
    return [_object(body)]


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError("a response body (or each stream chunk) must be a JSON object")
    return value


def _endpoint_of(events: list[Mapping[str, Any]]) -> str:
    for ev in events:
        if "usageMetadata" in ev:
            return "generate_content"
        kind = ev.get("object") or ev.get("type")
        if kind in ("chat.completion", "chat.completion.chunk"):
            return "chat.completions"
        if kind == "text_completion":
            return "completions"
        if kind == "response" or (isinstance(kind, str) and kind.startswith("response.")):
            return "responses"
        if kind in ("message", "message_start", "message_delta"):
            return "messages"
        if kind == "list" and isinstance(ev.get("usage"), Mapping):
            return "embeddings"
    raise RecordError(
        "cannot tell the response's shape (no object/type mark, no usageMetadata); pass "
        "endpoint= (chat.completions, completions, responses, messages, generate_content, "
        "embeddings)"
    )


def record_from_response(
    body: Any, provider: str | None = None, endpoint: str | None = None
) -> dict[str, Any]:
    """The usage record equivalent to a raw response body (see the module doc)."""
    events = _events(body)
    if not events:
        raise RecordError("the response stream holds no JSON chunk")
    endpoint = endpoint or _endpoint_of(events)
    model: Any = None
    usage: Any = None
    tier: Any = None
    if endpoint == "messages":
        start: dict[str, Any] = {}
        for ev in events:
            message = ev.get("message") if ev.get("type") == "message_start" else None
            if isinstance(message, Mapping):
                model = message.get("model", model)
                if isinstance(message.get("usage"), Mapping):
                    start = dict(message["usage"])
            elif ev.get("type") == "message_delta" and isinstance(ev.get("usage"), Mapping):
                start.update({k: v for k, v in ev["usage"].items() if v is not None})
            elif isinstance(ev.get("usage"), Mapping):
                model = ev.get("model", model)
                start = dict(ev["usage"])
        usage = start or None
    else:
        for ev in events:
            nested = ev.get("response")
            inner: Mapping[str, Any] = nested if isinstance(nested, Mapping) else ev
            model = inner.get("model") or inner.get("modelVersion") or model
            tier = inner.get("service_tier", tier)
            found = inner.get("usageMetadata" if endpoint == "generate_content" else "usage")
            if isinstance(found, Mapping):
                usage = found
    if usage is None:
        raise RecordError(
            f"the {endpoint} response carries no usage (for a stream, the final chunk with "
            "usage is needed: OpenAI's stream_options.include_usage)"
        )
    if not isinstance(model, str) or not model:
        raise RecordError("the response names no model")
    record: dict[str, Any] = {"model": model, "endpoint": endpoint, "usage": usage}
    if provider is not None:
        record["provider"] = provider
    if isinstance(tier, str) and tier != "auto":
        record["service_tier"] = tier
    return record


def price_response(
    body: Any,
    provider: str | None = None,
    endpoint: str | None = None,
    catalog: Catalog | None = None,
) -> Charge:
    """Price a raw response body exactly (``body``: a JSON object, a decoded dict, a list of
    stream chunks, or SSE text). Raises :class:`billing.RecordError` when it cannot be read
    and :class:`billing.PricingError` when it cannot be priced."""
    from .rating import price  # here for start-up time: reading a body needs no rating

    return price(parse_record(record_from_response(body, provider, endpoint)), catalog)


__all__ = ["price_response", "record_from_response"]
