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
#: Aliases of one long string repeated many times stay under the node count; the characters
#: of the expanded document are counted too (a card is far smaller than this).
MAX_EXPANDED_CHARS = 4 * MAX_FILE_BYTES
#: Every number in a card lies strictly between -10^18 and 10^18 and has at most 18
#: decimal places: no count, price or limit comes near, and a larger exponent
#: (``1e+999999999``) must never reach ``int()`` or a string of digits.
MAX_NUMBER_EXPONENT = 18
#: An integer literal with more digits than this is refused before ``int()`` sees it.
MAX_INT_DIGITS = 19


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
    #: paths of scalars that were not valid values (already reported; read as None)
    invalid: set[Path] = field(default_factory=set)

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


class ScalarError(ValueError):
    """A scalar that is not a valid value of its YAML type (the message is a sentence)."""


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


def bounded_decimal(value: Decimal, shown: str) -> Decimal:
    """``value`` if it lies within the card bounds (:data:`MAX_NUMBER_EXPONENT`), else
    :class:`ScalarError` naming the limit. Never expands the exponent."""
    if not value.is_finite() or value.is_zero():
        return value
    if value.adjusted() >= MAX_NUMBER_EXPONENT:
        raise ScalarError(
            f"the number {_quote(shown)} is too large: numbers in a card must be below "
            f"10^{MAX_NUMBER_EXPONENT}"
        )
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -MAX_NUMBER_EXPONENT:
        raise ScalarError(
            f"the number {_quote(shown)} has too many decimal places: numbers in a card have "
            f"at most {MAX_NUMBER_EXPONENT}"
        )
    return value


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a plain scalar; :class:`ScalarError` when it is not a valid one."""
    tag = node.tag
    text = node.value
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and ":" in text:
        raise ScalarError(
            f"{_quote(text)} would be read as a base-60 number (YAML 1.1); quote it if it is "
            "text, or write the number in decimal"
        )
    if tag == "tag:yaml.org,2002:float":
        value = _decimal_from_text(text)
        if value is None:  # .inf, .nan and friends: keep the text, checks reject it
            if node.style is None and not text.lstrip("+-").startswith("."):
                raise ScalarError(f"{_quote(text)} is not a number")
            return text
        return bounded_decimal(value, text)
    if tag == "tag:yaml.org,2002:int":
        digits = sum(ch.isdigit() or ch in "abcdefABCDEF" for ch in text)
        if digits > MAX_INT_DIGITS:
            raise ScalarError(
                f"the integer {_quote(text)} has {digits} digits: numbers in a card must be "
                f"below 10^{MAX_NUMBER_EXPONENT}"
            )
        try:
            number = _SCALARS.construct_yaml_int(node)
        except (ValueError, TypeError):
            raise ScalarError(f"{_quote(text)} is not an integer") from None
        bounded_decimal(Decimal(number), text)
        return number
    if tag == "tag:yaml.org,2002:bool":
        try:
            return _SCALARS.construct_yaml_bool(node)
        except (KeyError, ValueError):
            raise ScalarError(f"{_quote(text)} is not a boolean (true or false)") from None
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:timestamp":
        try:
            stamp = _SCALARS.construct_yaml_timestamp(node)
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:
            raise ScalarError(f"{_quote(text)} is not a valid date or time ({exc})") from None
        if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC)
        return stamp
    if tag.startswith("tag:yaml.org,2002:") and tag not in _TEXT_TAGS:
        name = tag.removeprefix("tag:yaml.org,2002:")
        raise ScalarError(f"the YAML tag !!{name} is not allowed in cards")
    return text


#: Standard tags whose value is the scalar's text.
_TEXT_TAGS = frozenset({"tag:yaml.org,2002:str"})


def _expanded_size(
    node: yaml.Node, memo: dict[int, tuple[int, int]], depth: int = 0
) -> tuple[int, int]:
    """(nodes, characters of scalars) of ``node`` with every alias expanded; stops counting
    once either limit is passed."""
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > MAX_DEPTH:
        raise _TooDeep
    size, chars = 1, 0
    children: list[yaml.Node] = []
    if isinstance(node, yaml.ScalarNode):
        chars = len(node.value)
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    for child in children:
        n, c = _expanded_size(child, memo, depth + 1)
        size += n
        chars += c
        if size > MAX_EXPANDED_NODES or chars > MAX_EXPANDED_CHARS:
            break
    memo[key] = (size, chars)
    return size, chars


def _build(node: yaml.Node, path: Path, src: Source) -> Any:
    src.values.setdefault(path, _mark(node))
    if isinstance(node, yaml.ScalarNode):
        try:
            return _scalar(node)
        except ScalarError as exc:
            src.problems.append(SourceProblem(_mark(node), path, str(exc)))
            src.invalid.add(path)
            return None
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
            try:
                key = _scalar(key_node)
            except ScalarError as exc:
                src.problems.append(SourceProblem(_mark(key_node), path, f"key {exc}"))
                continue
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


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> SourceProblem:
    """A character YAML does not allow (NUL, DEL, other controls), at its own place."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    col = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character
    code = f"U+{ord(char) if isinstance(char, str) else int(char):04X}"
    return SourceProblem(
        Mark(line, col), (), f"YAML does not allow the control character {code} in a card"
    )


def load_text(text: str) -> Source:
    """Parse one YAML document. Syntax errors become a single problem with a position."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return Source(None, problems=[SourceProblem(Mark(1, 1), (), "file is too large")])
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        return Source(None, problems=[_reader_problem(text, exc)])
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
        size, chars = _expanded_size(node, {})
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
    if chars > MAX_EXPANDED_CHARS:
        message = (
            f"document expands to more than {MAX_EXPANDED_CHARS:,} characters through "
            "aliases (a YAML bomb?); refusing to load it"
        )
        return Source(None, problems=[SourceProblem(_mark(node), (), message)])
    src = Source(None)
    src.value = _build(node, (), src)
    return src
