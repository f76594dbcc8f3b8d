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

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    pass

from ..datadir import data_dir
from ..endpoints import ENDPOINTS, MAX_TOKENS_PATH
from ..errors import RequestError
from ..jsontext import clip
from .checks import (
    _NOT_PLAIN_CHAT,
    _UNSET,
    _Findings,
    _get,
    _quick_chat_bound,
    _tokens,
    context_window,
    multiple_of,
    partial_enums,
    rules,
    unique_task_uuids,
)
from .compiled import CompiledCatalog, CompiledEndpoint, OfferingInfo
from .infer import infer_endpoint
from .issues import Issue, pointer, schema_issue, show, suggestion
from .jsonnum import dump_request, is_multiple, parse_request


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
        partial_enums(entry, [((), cleaned)], found)
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
            partial_enums(entry, group, found)
        found.issues.extend(unique_task_uuids(tasks))
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
            import jsonschema_rs  # here for start-up time: loaded on the first route checked

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
            multiple_of(entry.steps, obj, [], prefix, found)
        context_window(entry, info, obj, prefix, found)
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
        issues.extend(rules(entry, obj, prefix))
        issues = list(dict.fromkeys(issues))  # a pattern and a format may say the same thing
        if not issues and (rule_broken or errors):
            issues.append(
                Issue(pointer(prefix), "schema", None, "the request breaks a rule of its schema")
            )
        return issues, unknown


# -------------------------------------------------------------------- helpers


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
        from .cache import load_compiled  # here for start-up time: hashing, pickle

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
