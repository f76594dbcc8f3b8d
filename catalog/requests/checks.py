"""The request checks JSON Schema cannot do (or does wrongly in binary floating point), one
function per check, named by the ``Issue.rule`` it reports, in the manner of jsonschema's one
function per keyword:

- :func:`multiple_of`: ``multipleOf`` on exact decimals;
- :func:`partial_enums`: ``values_known`` (a warning) and ``values_count``;
- :func:`unique_task_uuids`: Runware ``taskUUID`` values unique within one request;
- :func:`context_window`: the prompt and the output limit against the context window;
- :func:`rules`: the wording of ``requires`` / ``conflicts_with`` rules across fields.

:class:`catalog.requests.validation.RequestValidator` calls them after the compiled schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..endpoints import MAX_TOKENS_PATH
from ..jsontext import clip
from .compiled import CompiledEndpoint, OfferingInfo
from .infer import _MESSAGES_KEYS
from .issues import Issue, field_name, pointer, show
from .jsonnum import as_decimal, is_multiple, json_equal
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

_UNSET = object()


class _Findings:
    __slots__ = ("issues", "warnings")

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []


#: keys that make infer_endpoint look past chat.completions (or the prompt bound give up)
_NOT_PLAIN_CHAT = frozenset({"taskType", "taskUUID", "tools", *_MESSAGES_KEYS})


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


def unique_task_uuids(tasks: Sequence[tuple[tuple[int, ...], Any]]) -> list[Issue]:
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


def rules(entry: CompiledEndpoint, obj: Any, prefix: tuple[int, ...]) -> list[Issue]:
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


def multiple_of(
    tree: Mapping[str, Any],
    value: Any,
    path: list[str | int],
    prefix: tuple[int, ...],
    found: _Findings,
) -> None:
    """``multipleOf`` on exact decimals: every value under ``tree`` (the compiled step tree)
    that is not a whole multiple of its step is an issue (a float is read by its shortest
    text)."""
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
                multiple_of(sub, value[name], [*path, name], prefix, found)
    items = tree.get("items")
    if items and isinstance(value, list):
        for i, item in enumerate(value):
            multiple_of(items, item, [*path, i], prefix, found)


def partial_enums(
    entry: CompiledEndpoint, objs: Sequence[tuple[tuple[int, ...], Any]], found: _Findings
) -> None:
    """Enums the source lists only in part: a name the cards do not know is a warning
    (``values_known``); more distinct names across ``objs`` than the source says exist is an
    issue (``values_count``)."""
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


def context_window(
    entry: CompiledEndpoint,
    info: OfferingInfo,
    obj: Any,
    prefix: tuple[int, ...],
    found: _Findings,
) -> None:
    """The context window: the prompt (catalog.requests.token_estimate) plus the output limit.
    An issue when even the lower bound cannot fit, a warning when the typical estimate does
    not (``context_window``)."""
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
    quick = parts.token_ids + 4 * sum(map(len, parts.texts)) + 4 * sum(map(len, parts.tool_texts))
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
