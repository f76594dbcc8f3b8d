"""Validate a request body against the catalog: the offering's schema for the endpoint, then
what JSON Schema cannot say (or says wrongly in binary floating point).

Order of checks, all reported together:

1. The body's ``model`` is an offering the catalog knows, its status allows calls
   (coming soon: "not yet available"), and it serves the endpoint.
2. The compiled schema (jsonschema-rs, compiled once per offering and endpoint): types,
   ranges, enums, lengths, formats, unknown fields, and rules across fields as if/then.
   Detailed errors are collected only when the fast check fails.
3. In Python: decimal steps (``multipleOf`` on Decimal values; a float is read by its
   shortest text, so 0.07 is 7 hundredths), partial enums (a name the cards do not know is a
   warning, since the source lists only some names; more distinct names than the source
   says exist is an error), the wording of rules across fields, and Runware ``taskUUID``
   values unique within one request (a repeat is an error at the later task).
4. The context window: prompt tokens (:mod:`catalog.requests.token_estimate`) plus the request's
   output limit. An error only when even the lower bound cannot fit; a warning when the
   typical estimate does not.

Most requests are valid, so :meth:`RequestValidator.validate` first tries a fast path:
the route (offering, endpoint, compiled validator) cached per model and endpoint, then the
same checks as below, in the same order, on the same values; only when every one of them
passes does it answer "valid" on its own. Anything else (a failed check, a warning to give,
a status that is not plainly available, lenient mode) goes through the full path, which
words every issue. So the fast path can only make acceptance quicker, never change a verdict.

Lenient mode drops unknown fields (like LiteLLM's ``drop_params``), reports each as a
warning, and returns the cleaned request. Validation never raises.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import re

from ..datadir import data_dir
from ..jsontext import clip
from .compiled import MAX_TOKENS_PATH, CompiledCatalog, CompiledEndpoint, OfferingInfo
from .issues import Issue, field_name, pointer, schema_issue, show, suggestion
from .token_estimate import (
    MESSAGE_OVERHEAD,
    REQUEST_OVERHEAD,
    TOOLS_OVERHEAD,
    VIDEO_TOKENS,
    VISION_MARKERS,
    estimate_prompt_range,
    extract_prompt,
    image_token_cap,
)

ENDPOINTS = ("chat.completions", "completions", "responses", "messages", "runware.task")
_UNSET = object()


class ValidationResult(NamedTuple):
    """What :func:`validate_request` found. ``request`` is the body as checked: in lenient
    mode, without the unknown fields it dropped."""

    valid: bool
    model: str | None
    endpoint: str | None
    issues: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    request: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The ``ratecard validate --json`` object (DESIGN.md §6), plus ``warnings``."""
        return {
            "valid": self.valid,
            "model": self.model,
            "endpoint": self.endpoint,
            "issues": [i.as_dict() for i in self.issues],
            "warnings": [w.as_dict() for w in self.warnings],
        }


class RequestError(ValueError):
    """A request body that is not JSON at all, or JSON that is refused (``parse_request``);
    ``pointer`` is where, when known."""

    def __init__(self, message: str, pointer: str = "") -> None:
        self.pointer = pointer
        super().__init__(message)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


#: The largest request body read (characters): far above any provider's own limit
#: (a request with images inline is a few megabytes).
MAX_REQUEST_CHARS = 64 * 1024 * 1024


def parse_request(text: str | bytes) -> Any:
    """Parse request JSON with every non-integer number as a Decimal (never a float), as
    :func:`catalog.jsontext.loads_exact` does: numbers beyond 10^30, repeated keys and
    unpaired surrogates are refused. :class:`RequestError` says why in one sentence."""
    from ..jsontext import JSONTextError, loads_exact

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
        import re

        escaped = re.escape(json.dumps(_DECIMAL_MARK)[1:-1])
        _MARKS = re.compile(f'"{escaped}([^"]*)"')
    return _MARKS


_MARKS: Any = None


_MESSAGES_KEYS = ("system", "stop_sequences", "thinking", "anthropic_version")
_MESSAGES_BLOCKS = ("tool_use", "tool_result", "document", "thinking", "redacted_thinking")


def _anthropic_like(body: Mapping[str, Any]) -> bool:
    """Marks only Anthropic's messages API has: a top-level ``system``, ``stop_sequences`` or
    ``thinking``, tools with ``input_schema``, or content blocks of Anthropic's types (an image
    block with a ``source``)."""
    if any(key in body for key in _MESSAGES_KEYS):
        return True
    tools = body.get("tools")
    if isinstance(tools, list) and any(isinstance(t, dict) and "input_schema" in t for t in tools):
        return True
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict) and (
                block.get("type") in _MESSAGES_BLOCKS
                or (block.get("type") == "image" and "source" in block)
            ):
                return True
    return False


def infer_endpoint(body: Any) -> str:
    """The dialect a body looks like: an array or a task object is ``runware.task``;
    ``prompt`` means completions, ``input`` responses; ``messages`` with a mark of Anthropic's
    API (:func:`_anthropic_like`) means messages; else chat.completions."""
    if isinstance(body, list):
        return "runware.task"
    if isinstance(body, dict):
        if "taskType" in body or "taskUUID" in body:
            return "runware.task"
        if "prompt" in body and "messages" not in body:
            return "completions"
        if "input" in body and "messages" not in body:
            return "responses"
        if _anthropic_like(body):
            return "messages"
    return "chat.completions"


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


class _Findings:
    __slots__ = ("issues", "warnings")

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []


#: keys that make infer_endpoint look past chat.completions (or the prompt bound give up)
_NOT_PLAIN_CHAT = frozenset({"taskType", "taskUUID", "tools", *_MESSAGES_KEYS})


class _Route(NamedTuple):
    """What the fast path needs for one model and endpoint, worked out once."""

    info: OfferingInfo
    entry: CompiledEndpoint
    validator: Any
    lane_names: frozenset[str]
    #: the output-token limit's default in tokens (0 when the table gives none)
    out_default: int


class RequestValidator:
    """Validates request bodies against a compiled catalog; jsonschema-rs validators are
    compiled on first use and kept."""

    def __init__(self, compiled: CompiledCatalog) -> None:
        self.compiled = compiled
        self._fast: dict[tuple[str, str], Any] = {}
        #: (model as written, endpoint) → what the fast path needs, for offerings that are
        #: available and serve the endpoint (so its size is bounded by the catalog)
        self._routes: dict[tuple[str, str], _Route] = {}

    # ------------------------------------------------------------------ entry points

    def validate(
        self, body: Any, *, endpoint: str | None = None, lenient: bool = False
    ) -> ValidationResult:
        try:
            if not lenient and type(body) is dict:
                quick = self._quick(body, endpoint)
                if quick is not None:
                    return quick
            return self._validate(body, endpoint, lenient)
        except Exception as exc:  # never raise: an input we did not foresee is an issue
            issue = Issue(
                "", "internal", None, f"the request could not be checked ({type(exc).__name__})"
            )
            return ValidationResult(False, None, endpoint, (issue,), (), body)

    def validate_text(
        self, text: str | bytes, *, endpoint: str | None = None, lenient: bool = False
    ) -> ValidationResult:
        try:
            body = parse_request(text)
        except RequestError as exc:
            issue = Issue(exc.pointer, "json", None, str(exc))
            return ValidationResult(False, None, endpoint, (issue,))
        return self.validate(body, endpoint=endpoint, lenient=lenient)

    # -------------------------------------------------------------------- fast path

    def _route(self, model: Any, chosen: str) -> _Route | None:
        """The cached route for a body's ``model`` and endpoint, or None when the request
        needs the full path (unknown or unavailable model, endpoint not served, tasks)."""
        if type(model) is not str:
            return None
        route = self._routes.get((model, chosen))
        if route is not None:
            return route
        info, _ = self.compiled.resolve(model)
        if (
            info is None
            or info.status != "available"  # the others get an issue or a warning
            or chosen not in info.endpoints
            or chosen == "runware.task"
        ):
            return None
        entry = self.compiled.endpoints[(info.key, chosen)]
        route = _Route(
            info,
            entry,
            self._validator(entry),
            frozenset(entry.decimal_lane),
            _tokens(entry.max_tokens_default),
        )
        self._routes[(model, chosen)] = route
        return route

    def _quick(self, body: dict[str, Any], endpoint: str | None) -> ValidationResult | None:
        """A valid result for a request that passes every check of the full path; None when any
        check fails or has something to say (the full path then words it)."""
        plain = False
        if endpoint is None:
            if "messages" in body and _NOT_PLAIN_CHAT.isdisjoint(body):
                # infer_endpoint says chat.completions here unless a message's content is a
                # list (Anthropic blocks): the prompt bound below checks that every content
                # is a string, and falls back otherwise
                chosen, plain = "chat.completions", True
            else:
                chosen = infer_endpoint(body)
        elif endpoint in ENDPOINTS:
            chosen = endpoint
        else:
            return None
        route = self._route(body.get("model"), chosen)
        if route is None:
            return None
        entry = route.entry
        if entry.partial or entry.steps:  # partial enums may warn; steps: runware tasks only
            return None
        target = body
        lane = entry.decimal_lane
        for name in route.lane_names.intersection(body):
            value = body[name]
            if type(value) is Decimal:
                integer, low, high = lane[name]
                if not (
                    value.is_finite()
                    and (low is None or value >= low)
                    and (high is None or value <= high)
                    and (not integer or value == value.to_integral_value())
                ):
                    return None
                if target is body:
                    target = dict(body)
                del target[name]
        try:
            if not route.validator.is_valid(target):
                return None
        except Exception:
            return None
        window = route.info.context_window
        if window is not None or plain:
            bound = _quick_chat_bound(body, chosen)
            if bound is None:
                return None
            if window is not None:
                explicit = _get(body, MAX_TOKENS_PATH[chosen])
                out = _tokens(explicit) if explicit is not _UNSET else route.out_default
                if bound + out > window:
                    return None
        return ValidationResult(True, route.info.id, chosen, (), (), body)

    # ---------------------------------------------------------------------- routing

    def _validate(self, body: Any, endpoint: str | None, lenient: bool) -> ValidationResult:
        if endpoint is not None and endpoint not in ENDPOINTS:
            issue = Issue(
                "",
                "endpoint",
                ", ".join(ENDPOINTS),
                f"unknown endpoint {clip(str(endpoint))}; use one of {', '.join(ENDPOINTS)}",
            )
            return ValidationResult(False, None, endpoint, (issue,), (), body)
        chosen = endpoint or infer_endpoint(body)
        if chosen == "runware.task":
            return self._tasks(body, lenient, explicit=endpoint is not None)
        found = _Findings()
        if not isinstance(body, dict):
            found.issues.append(
                Issue("", "type", "object", f"the request must be a JSON object; got {show(body)}")
            )
            return ValidationResult(False, None, chosen, tuple(found.issues), (), body)
        model = body.get("model")
        info = self._offering(model, (), found)
        if info is None:
            return ValidationResult(False, _text(model), chosen, tuple(found.issues), (), body)
        if chosen not in info.endpoints:
            if endpoint is None and len(info.endpoints) == 1:
                chosen = info.endpoints[0]
                if chosen == "runware.task":
                    return self._tasks(body, lenient, explicit=False)
            else:
                found.issues.append(_endpoint_issue(info, chosen))
                return ValidationResult(False, info.id, chosen, tuple(found.issues), (), body)
        entry = self.compiled.endpoints[(info.key, chosen)]
        cleaned = self._check(entry, info, body, (), lenient, found)
        self._partials(entry, [((), cleaned)], found)
        return ValidationResult(
            not found.issues, info.id, chosen, tuple(found.issues), tuple(found.warnings), cleaned
        )

    def _tasks(self, body: Any, lenient: bool, explicit: bool) -> ValidationResult:
        found = _Findings()
        endpoint = "runware.task"
        if isinstance(body, dict):
            tasks: list[tuple[tuple[int, ...], Any]] = [((), body)]
        elif isinstance(body, list):
            if not body:
                found.issues.append(
                    Issue(
                        "", "minItems", "at least 1 task", "the request must hold at least 1 task"
                    )
                )
            tasks = [((i,), task) for i, task in enumerate(body)]
        else:
            found.issues.append(
                Issue(
                    "",
                    "type",
                    "array or object",
                    f"the request must be an array of tasks or one task object; got {show(body)}",
                )
            )
            return ValidationResult(False, None, endpoint, tuple(found.issues), (), body)
        first_model: str | None = None
        cleaned_tasks: list[tuple[tuple[int, ...], Any]] = []
        by_entry: dict[str, tuple[CompiledEndpoint, list[tuple[tuple[int, ...], Any]]]] = {}
        for prefix, task in tasks:
            if not isinstance(task, dict):
                found.issues.append(
                    Issue(
                        pointer(prefix),
                        "type",
                        "object",
                        f"a task must be an object; got {show(task)}",
                    )
                )
                cleaned_tasks.append((prefix, task))
                continue
            model = task.get("model")
            if first_model is None:
                first_model = _text(model)
            info = self._offering(model, prefix, found)
            if info is None:
                cleaned_tasks.append((prefix, task))
                continue
            if endpoint not in info.endpoints:
                found.issues.append(_endpoint_issue(info, endpoint, prefix))
                cleaned_tasks.append((prefix, task))
                continue
            entry = self.compiled.endpoints[(info.key, endpoint)]
            cleaned = self._check(entry, info, task, prefix, lenient, found)
            cleaned_tasks.append((prefix, cleaned))
            by_entry.setdefault(entry.offering, (entry, []))[1].append((prefix, cleaned))
        for entry, group in by_entry.values():
            self._partials(entry, group, found)
        found.issues.extend(_duplicate_task_uuids(tasks))
        request: Any = (
            cleaned_tasks[0][1] if isinstance(body, dict) else [t for _, t in cleaned_tasks]
        )
        return ValidationResult(
            not found.issues,
            first_model,
            endpoint,
            tuple(found.issues),
            tuple(found.warnings),
            request,
        )

    def _offering(
        self, model: Any, prefix: tuple[int, ...], found: _Findings
    ) -> OfferingInfo | None:
        if model is None:
            where = "the request" if not prefix else f"task {prefix[0]}"
            found.issues.append(
                Issue(
                    pointer(prefix),
                    "required",
                    "model",
                    f"{where} is missing the required field 'model'",
                )
            )
            return None
        here = pointer((*prefix, "model"))
        if not isinstance(model, str):
            found.issues.append(
                Issue(here, "type", "string", f"model must be a string; got {show(model)}")
            )
            return None
        info, why = self.compiled.resolve(model)
        if info is None:
            known = sorted(self.compiled.by_id)
            text = why or f"unknown model {clip(model)}{suggestion(model, known)}"
            found.issues.append(Issue(here, "known_model", ", ".join(known), text))
            return None
        if info.status == "coming_soon":
            found.issues.append(
                Issue(here, "status", "available", f"{info.id} is coming soon: not yet available")
            )
        elif info.status == "retired":
            found.issues.append(
                Issue(here, "status", "available", f"{info.id} is retired: no longer available")
            )
        elif info.status == "deprecated":
            found.warnings.append(
                Issue(here, "status", "available", f"{info.id} is deprecated and may be retired")
            )
        return info

    # ---------------------------------------------------------------------- checks

    def _validator(self, entry: CompiledEndpoint) -> Any:
        key = (entry.offering, entry.endpoint)
        validator = self._fast.get(key)
        if validator is None:
            import jsonschema_rs

            validator = jsonschema_rs.validator_for(dict(entry.fast), validate_formats=True)
            self._fast[key] = validator
        return validator

    def _check(
        self,
        entry: CompiledEndpoint,
        info: OfferingInfo,
        obj: dict[str, Any],
        prefix: tuple[int, ...],
        lenient: bool,
        found: _Findings,
    ) -> Any:
        validator = self._validator(entry)
        target: Any = obj
        lane = entry.decimal_lane
        if lane:
            for name, value in obj.items():
                if type(value) is Decimal and name in lane:
                    integer, low, high = lane[name]
                    if not (
                        value.is_finite()
                        and (low is None or value >= low)
                        and (high is None or value <= high)
                        and (not integer or value == value.to_integral_value())
                    ):
                        target = obj  # let the full check word it
                        break
                    if target is obj:
                        target = dict(obj)
                    del target[name]
        try:
            ok = bool(validator.is_valid(target))
        except Exception:
            ok = False
        if not ok:
            issues, unknown = self._explain(entry, info, obj, prefix, validator)
            if lenient and unknown:
                import copy  # lenient mode only (start-up time)

                obj = copy.deepcopy(obj)
                for path in sorted(unknown, key=len, reverse=True):
                    _drop(obj, path)
                for issue in issues:
                    if issue.rule == "unknown_parameter":
                        found.warnings.append(
                            Issue(
                                issue.pointer,
                                issue.rule,
                                issue.allowed,
                                issue.message + "; dropped",
                            )
                        )
                return self._check(entry, info, obj, prefix, False, found)
            found.issues.extend(issues)
        if entry.steps:
            self._steps(entry.steps, obj, [], prefix, found)
        self._context(entry, info, obj, prefix, found)
        return obj

    def _explain(
        self,
        entry: CompiledEndpoint,
        info: OfferingInfo,
        obj: Any,
        prefix: tuple[int, ...],
        validator: Any,
    ) -> tuple[list[Issue], list[list[str | int]]]:
        issues: list[Issue] = []
        unknown: list[list[str | int]] = []
        rule_broken = False
        try:
            errors = list(validator.iter_errors(obj))
        except Exception:
            errors = []
            issues.append(
                Issue(
                    pointer(prefix),
                    "schema",
                    None,
                    "the request holds values that cannot be checked",
                )
            )
        for error in errors:
            spath = list(error.schema_path)
            if spath and spath[0] == "allOf":
                rule_broken = True
                continue
            keyword = error.kind.name
            ipath = list(error.instance_path)
            sub = _walk(entry.fast, spath[:-1])
            detail: Any = None
            if keyword == "required":
                detail = error.kind.property
            elif keyword == "additionalProperties":
                detail = list(error.kind.unexpected)
                unknown.extend([*ipath, str(name)] for name in detail)
            for issue in schema_issue(
                keyword, ipath, error.instance, sub, detail, modalities=info.input_modalities
            ):
                issues.append(_prefixed(issue, prefix))
        issues.extend(_rule_issues(entry, obj, prefix))
        issues = list(dict.fromkeys(issues))  # a pattern and a format may say the same thing
        if not issues and (rule_broken or errors):
            issues.append(
                Issue(pointer(prefix), "schema", None, "the request breaks a rule of its schema")
            )
        return issues, unknown

    def _steps(
        self,
        tree: Mapping[str, Any],
        value: Any,
        path: list[str | int],
        prefix: tuple[int, ...],
        found: _Findings,
    ) -> None:
        step = tree.get("step")
        if step is not None:
            number = as_decimal(value)
            if number is not None and not is_multiple(number, step):
                found.issues.append(
                    Issue(
                        pointer((*prefix, *path)),
                        "multipleOf",
                        tree.get("allowed"),
                        f"{field_name(path)} must be a multiple of {step}; got {show(value)}",
                    )
                )
        props = tree.get("props")
        if props and isinstance(value, dict):
            for name, sub in props.items():
                if name in value:
                    self._steps(sub, value[name], [*path, name], prefix, found)
        items = tree.get("items")
        if items and isinstance(value, list):
            for i, item in enumerate(value):
                self._steps(items, item, [*path, i], prefix, found)

    def _partials(
        self, entry: CompiledEndpoint, objs: Sequence[tuple[tuple[int, ...], Any]], found: _Findings
    ) -> None:
        for partial in entry.partial:
            seen: dict[Any, str] = {}
            for prefix, obj in objs:
                for path, value in _values_at(obj, partial.path, []):
                    if not isinstance(value, str) or value in seen:
                        continue
                    here = pointer((*prefix, *path))
                    seen[value] = here
                    if value in partial.known:
                        continue
                    known = ", ".join(map(str, partial.known)) if partial.known else "none of them"
                    count = f"{partial.count} allowed values" if partial.count else "more values"
                    found.warnings.append(
                        Issue(
                            here,
                            "values_known",
                            ", ".join(map(str, partial.known)) or None,
                            f"{partial.name} {show(value)} cannot be checked: the source "
                            f"says there are {count} and names {known}; accepted with a warning",
                        )
                    )
            if partial.count is not None and len(seen) > partial.count:
                names = ", ".join(show(v) for v in seen)
                last = list(seen.values())[partial.count]
                found.issues.append(
                    Issue(
                        last,
                        "values_count",
                        f"{partial.count} distinct values",
                        f"{partial.name} has only {partial.count} allowed values, but this request "
                        f"uses {len(seen)}: {names}",
                    )
                )

    def _context(
        self,
        entry: CompiledEndpoint,
        info: OfferingInfo,
        obj: Any,
        prefix: tuple[int, ...],
        found: _Findings,
    ) -> None:
        window = info.context_window
        if window is None or not isinstance(obj, dict):
            return
        limit_path = MAX_TOKENS_PATH[entry.endpoint]
        explicit = _get(obj, limit_path)
        out_certain = _tokens(explicit)
        out_typical = out_certain if explicit is not _UNSET else _tokens(entry.max_tokens_default)
        quick_chat = _quick_chat_bound(obj, entry.endpoint)
        if quick_chat is not None and quick_chat + max(out_certain, out_typical) <= window:
            return
        parts = extract_prompt(obj, entry.endpoint)
        quick = (
            parts.token_ids + 4 * sum(map(len, parts.texts)) + 4 * sum(map(len, parts.tool_texts))
        )
        quick += parts.messages * MESSAGE_OVERHEAD[2] + REQUEST_OVERHEAD[2]
        if parts.tool_texts:
            quick += TOOLS_OVERHEAD[2]
        if parts.images:
            quick += parts.images * (image_token_cap(obj, info)[0] + VISION_MARKERS)
        quick += parts.videos * (VIDEO_TOKENS + VISION_MARKERS)
        if quick + max(out_certain, out_typical) <= window:
            return
        estimate = estimate_prompt_range(obj, entry.endpoint, info)
        name = limit_path[-1]
        here = pointer((*prefix, *limit_path)) if explicit is not _UNSET else pointer(prefix)
        allowed = f"prompt + {name} <= {window:,} tokens"
        if estimate.lower + out_certain > window:
            found.issues.append(
                Issue(
                    here,
                    "context_window",
                    allowed,
                    f"the prompt takes at least {estimate.lower:,} tokens and {name} is "
                    f"{out_certain:,}, more than the {window:,}-token context window",
                )
            )
        elif estimate.typical + out_typical > window:
            found.warnings.append(
                Issue(
                    here,
                    "context_window",
                    allowed,
                    f"the prompt takes about {estimate.typical:,} tokens (at least "
                    f"{estimate.lower:,}) and {name} is {out_typical:,}: it may not fit the "
                    f"{window:,}-token context window",
                )
            )


# -------------------------------------------------------------------- helpers


_QUICK_FALLBACK = ("tools", "functions", "response_format")


def _quick_chat_bound(obj: dict[str, Any], endpoint: str) -> int | None:
    """An upper bound on the prompt tokens of a chat request whose messages are plain
    role + string content (at most 4 UTF-8 bytes a character); None when it needs the full
    walk of :func:`catalog.requests.token_estimate.extract_prompt`."""
    if endpoint != "chat.completions":
        return None
    messages = obj.get("messages")
    if type(messages) is not list:
        return None
    for key in _QUICK_FALLBACK:
        if key in obj:
            return None
    chars = 0
    for message in messages:
        if type(message) is not dict or len(message) != 2:
            return None
        content = message.get("content")
        if type(content) is not str:
            return None
        chars += len(content)
    return 4 * chars + len(messages) * MESSAGE_OVERHEAD[2] + REQUEST_OVERHEAD[2]


def _text(model: Any) -> str | None:
    return model if isinstance(model, str) else None


def _endpoint_issue(info: OfferingInfo, endpoint: str, prefix: tuple[int, ...] = ()) -> Issue:
    served = ", ".join(info.endpoints) or "none"
    return Issue(
        pointer(prefix),
        "endpoint",
        served,
        f"{info.id} does not serve {endpoint}; it serves {served}",
    )


def _prefixed(issue: Issue, prefix: tuple[int, ...]) -> Issue:
    if not prefix:
        return issue
    return Issue(pointer(prefix) + issue.pointer, issue.rule, issue.allowed, issue.message)


def _walk(schema: Any, path: Sequence[Any]) -> Mapping[str, Any]:
    node = schema
    for part in path:
        if isinstance(node, Mapping):
            node = node.get(part, {})
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return {}
    return node if isinstance(node, Mapping) else {}


def _get(obj: Any, path: Sequence[str]) -> Any:
    node = obj
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return _UNSET
        node = node[part]
    return node


def _tokens(value: Any) -> int:
    if type(value) is int:
        return min(value, 10**12) if value > 0 else 0
    number = as_decimal(value) if value is not _UNSET else None
    if number is None or number <= 0:
        return 0
    return int(min(number, Decimal(10**12)).to_integral_value(rounding="ROUND_CEILING"))


def _drop(obj: Any, path: Sequence[str | int]) -> None:
    node = obj
    for part in path[:-1]:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node.pop(str(path[-1]), None)


def _values_at(
    obj: Any, path: Sequence[str], here: list[str | int]
) -> Iterator[tuple[list[str | int], Any]]:
    if not path:
        yield here, obj
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from _values_at(item, rest, [*here, i])
    elif isinstance(obj, dict) and head in obj:
        yield from _values_at(obj[head], rest, [*here, head])


def _lookup(obj: Any, path: Sequence[str]) -> tuple[bool, Any]:
    """The value at a dotted name's path (``settings.topK``), and whether it is set."""
    for name in path:
        if not isinstance(obj, dict) or name not in obj:
            return False, None
        obj = obj[name]
    return True, obj


def _parent(obj: Any, path: Sequence[str]) -> list[str]:
    """The deepest present object on the way to ``path``'s last name (where a missing field
    is reported)."""
    found: list[str] = []
    for name in path[:-1]:
        if not isinstance(obj, dict) or not isinstance(obj.get(name), dict):
            break
        obj = obj[name]
        found.append(name)
    return found


def _duplicate_task_uuids(tasks: Sequence[tuple[tuple[int, ...], Any]]) -> list[Issue]:
    """Runware matches responses to tasks by ``taskUUID`` ("must be unique per task"): a UUID
    that an earlier task of the request already has is an error at the later task. UUIDs
    compare case-insensitively. JSON Schema cannot say this (``uniqueItems`` compares whole
    tasks), so it is Python only."""
    seen: dict[str, tuple[int, ...]] = {}
    issues: list[Issue] = []
    for prefix, task in tasks:
        value = task.get("taskUUID") if isinstance(task, dict) else None
        if not isinstance(value, str):
            continue
        first = seen.setdefault(value.lower(), prefix)
        if first != prefix:
            issues.append(
                Issue(
                    pointer((*prefix, "taskUUID")),
                    "unique",
                    "a taskUUID no other task of the request has",
                    f"taskUUID {clip(str(value))} is already the taskUUID of task {first[0]}; "
                    "each task needs its own UUID v4",
                )
            )
    return issues


def _rule_issues(entry: CompiledEndpoint, obj: Any, prefix: tuple[int, ...]) -> list[Issue]:
    """Rules across fields, worded. A rule fires only on ``when`` values set explicitly; a
    ``requires`` value is met by an explicit value or by the default; a ``conflicts_with``
    value counts only when set explicitly. Dotted names are nested (``settings.topK``)."""
    if not isinstance(obj, dict):
        return []
    issues: list[Issue] = []
    for rule in entry.rules:
        fired = True
        for k, v in rule.when.items():
            present, value = _lookup(obj, k.split("."))
            if not present or not json_equal(value, v):
                fired = False
                break
        if not fired:
            continue
        cond = " and ".join(f"{k}: {show(v)}" for k, v in rule.when.items())
        note = f" ({rule.message.rstrip('.')})" if rule.message else ""
        for name, wanted in rule.then.items():
            path = name.split(".")
            present, value = _lookup(obj, path)
            where: tuple[str | int, ...]
            if rule.kind == "requires":
                if present:
                    if json_equal(value, wanted):
                        continue
                    where, got = (*prefix, *path), f"got {show(value)}"
                else:
                    default = rule.defaults.get(name, _UNSET)
                    if default is not _UNSET and json_equal(default, wanted):
                        continue
                    where = (*prefix, *_parent(obj, path))
                    got = (
                        f"{name} is not set and defaults to {show(default)}"
                        if default is not _UNSET
                        else f"{name} is not set"
                    )
                issues.append(
                    Issue(
                        pointer(where),
                        "requires",
                        f"{name}: {show(wanted)}",
                        f"{cond} requires {name}: {show(wanted)}; {got}{note}",
                    )
                )
            elif present and json_equal(value, wanted):
                issues.append(
                    Issue(
                        pointer((*prefix, *path)),
                        "conflicts_with",
                        f"not {name}: {show(wanted)}",
                        f"{cond} conflicts with {name}: {show(wanted)}{note}",
                    )
                )
    return issues


_DEFAULT: dict[str, RequestValidator] = {}


def default_data_dir() -> str:
    """The card directory of :func:`catalog.datadir.data_dir`: ``$RATECARD_DATA``, else the
    bundled cards."""
    return str(data_dir())


def request_validator(data: str | None = None) -> RequestValidator:
    """The validator for the cards under ``data``, compiled once (and cached on disk)."""
    root = data or default_data_dir()
    found = _DEFAULT.get(root)
    if found is None:
        from .cache import load_compiled

        found = _DEFAULT[root] = RequestValidator(load_compiled(root))
    return found


def validate_request(
    body: Any,
    *,
    endpoint: str | None = None,
    lenient: bool = False,
    data: str | None = None,
) -> ValidationResult:
    """Validate a parsed request body (numbers as Decimal, int or float); never raises."""
    return request_validator(data).validate(body, endpoint=endpoint, lenient=lenient)


__all__ = [
    "ENDPOINTS",
    "RequestError",
    "RequestValidator",
    "ValidationResult",
    "default_data_dir",
    "dump_request",
    "infer_endpoint",
    "is_multiple",
    "parse_request",
    "request_validator",
    "validate_request",
]
