"""Safe YAML loading that keeps positions, rejects duplicate keys and never makes a float.

PyYAML resolves ``0.1`` to a float, loses ``1e-6`` to a string and silently keeps the last
of two duplicate keys. Cards hold money, so we compose the node graph ourselves and build
values from each scalar's *text*: floats become :class:`~decimal.Decimal` exactly as written.
Every value and key keeps its 1-based line and column so that any later check can point
at the place a person has to edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

Path = tuple[str | int, ...]

#: Aliases may share structure, but the document they expand to must stay small.
#: A "billion laughs" document expands exponentially; we measure before building.
MAX_EXPANDED_NODES = 200_000
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 200


class _TooDeep(Exception):
    pass


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Mark:
    line: int
    col: int


@dataclass(slots=True)
class SourceProblem:
    mark: Mark
    path: Path
    message: str


@dataclass(slots=True)
class Source:
    """A loaded YAML document: its plain value plus where each piece came from."""

    value: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)

    def mark_of(self, path: Path, *, key: bool = False) -> Mark:
        """The position of ``path``, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Mark(1, 1))


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Scalars(yaml.constructor.SafeConstructor):
    """Used only for its scalar constructors (bool, int, null, timestamp)."""


_SCALARS = _Scalars()


def _decimal_from_text(text: str) -> Decimal | None:
    cleaned = text.replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == "tag:yaml.org,2002:float":
        value = _decimal_from_text(node.value)
        if value is None:  # .inf, .nan and friends: keep the text, checks reject it
            return node.value
        return value
    if tag == "tag:yaml.org,2002:int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:timestamp":
        stamp = _SCALARS.construct_yaml_timestamp(node)
        if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC)
        return stamp
    return node.value


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > MAX_DEPTH:
        raise _TooDeep
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo, depth + 1)
            if size > MAX_EXPANDED_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            size += _expanded_size(k, memo, depth + 1) + _expanded_size(v, memo, depth + 1)
            if size > MAX_EXPANDED_NODES:
                break
    memo[key] = size
    return size


def _build(node: yaml.Node, path: Path, src: Source) -> Any:
    src.values.setdefault(path, _mark(node))
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), src) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                src.problems.append(
                    SourceProblem(_mark(key_node), path, "keys must be plain scalars")
                )
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                src.problems.append(
                    SourceProblem(_mark(key_node), path, "merge keys (<<) are not allowed in cards")
                )
                continue
            key = _scalar(key_node)
            if not isinstance(key, str | int):
                key = str(key)
            child = (*path, key)
            if key in out:
                first = src.keys.get(child, _mark(key_node))
                src.problems.append(
                    SourceProblem(
                        _mark(key_node),
                        child,
                        f"duplicate key {key!r}; it was first set at line {first.line}",
                    )
                )
                continue
            src.keys[child] = _mark(key_node)
            out[key] = _build(value_node, child, src)
        return out
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _syntax_problem(exc: yaml.MarkedYAMLError) -> SourceProblem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = f"YAML syntax error: {exc.problem or exc.context or 'unreadable'}"
    context = exc.context_mark
    if exc.problem and exc.context and context is not None:
        where = f"line {context.line + 1}, column {context.column + 1}"
        message += f" ({exc.context} that starts at {where})"
    return SourceProblem(Mark(line, col), (), message)


def load_text(text: str) -> Source:
    """Parse one YAML document. Syntax errors become a single problem with a position."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return Source(None, problems=[SourceProblem(Mark(1, 1), (), "file is too large")])
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return Source(None, problems=[_syntax_problem(exc)])
    except yaml.YAMLError as exc:
        return Source(None, problems=[SourceProblem(Mark(1, 1), (), f"YAML: {exc}")])
    except RecursionError:
        return Source(
            None, problems=[SourceProblem(Mark(1, 1), (), "YAML: the document nests too deeply")]
        )
    if node is None:
        return Source(None)
    try:
        size = _expanded_size(node, {})
    except _TooDeep:
        message = f"YAML: nested more than {MAX_DEPTH} levels deep, or an alias contains itself"
        return Source(None, problems=[SourceProblem(_mark(node), (), message)])
    if size > MAX_EXPANDED_NODES:
        return Source(
            None,
            problems=[
                SourceProblem(
                    _mark(node),
                    (),
                    f"document expands to more than {MAX_EXPANDED_NODES:,} nodes through "
                    "aliases (a YAML bomb?); refusing to load it",
                )
            ],
        )
    src = Source(None)
    src.value = _build(node, (), src)
    return src
