"""Issues with a request, worded for people, each at an RFC 6901 pointer.

Schema errors come from the fast validator as (keyword, instance path, schema path); this
module turns each into an :class:`Issue` whose sentence names the field, the allowed range
or values and what the request had. A raw validator message never reaches a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple


class Issue(NamedTuple):
    pointer: str  # RFC 6901: "" is the whole request, "/messages/0/role"
    rule: str  # the JSON Schema keyword or the rule broken: maximum, required, unknown_parameter
    allowed: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "rule": self.rule,
            "allowed": self.allowed,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


#: A key longer than this is cut (with "…") where a pointer or a message quotes it: a
#: megabyte-long unknown key is not echoed whole.
MAX_QUOTED_KEY = 60


def _cut(part: str | int) -> str:
    text = str(part)
    return text if len(text) <= MAX_QUOTED_KEY else text[: MAX_QUOTED_KEY - 1] + "…"


def pointer(path: Sequence[str | int]) -> str:
    """The RFC 6901 pointer of ``path`` (a key over :data:`MAX_QUOTED_KEY` characters is cut)."""
    return "".join("/" + _cut(p).replace("~", "~0").replace("/", "~1") for p in path)


def field_name(path: Sequence[str | int]) -> str:
    """messages[0].content[1].type; settings.temperature."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_cut(part)}" if out else _cut(part)
    return out or "the request"


def show(value: Any) -> str:
    """A value as a person reads it in a sentence."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"'
    if isinstance(value, Decimal):
        return (
            format(value, "f") if value.is_finite() and abs(value.adjusted()) < 30 else str(value)
        )
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit integer"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"an array of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "string": "a string",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def _got(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {show(value)}"
    if isinstance(value, bool | None.__class__):
        return show(value)
    if isinstance(value, list | dict):
        return show(value)
    return show(value)


def number_text(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return show(value)


def _join(values: Sequence[Any]) -> str:
    return ", ".join(v if isinstance(v, str) else show(v) for v in values)


def range_text(schema: Mapping[str, Any]) -> str | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    step = schema.get("multipleOf")
    if low is not None and high is not None:
        text = f"{number_text(low)} to {number_text(high)}"
    elif low is not None:
        text = f">= {number_text(low)}"
    elif high is not None:
        text = f"<= {number_text(high)}"
    else:
        return None if step is None else f"multiples of {number_text(step)}"
    return text + (f" in steps of {number_text(step)}" if step is not None else "")


def suggestion(name: str, known: Sequence[str]) -> str:
    import difflib  # only on the failing path

    if len(name) > MAX_QUOTED_KEY:
        return ""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def schema_issue(
    keyword: str,
    path: Sequence[str | int],
    value: Any,
    sub: Mapping[str, Any],
    detail: Any,
    *,
    modalities: Sequence[str] = (),
) -> list[Issue]:
    """The issues for one schema error: ``sub`` is the schema holding ``keyword``; ``detail``
    is what the validator adds (the missing property, the unexpected names)."""
    name = field_name(path)
    here = pointer(path)
    if keyword == "type":
        expected = sub.get("type")
        types = [expected] if isinstance(expected, str) else list(expected or [])
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return [
            Issue(here, "type", " or ".join(types), f"{name} must be {words}; got {_got(value)}")
        ]
    if keyword in ("minimum", "maximum"):
        allowed = range_text(sub)
        low, high = sub.get("minimum"), sub.get("maximum")
        if low is not None and high is not None:
            text = f"{name} must be between {number_text(low)} and {number_text(high)}"
        elif keyword == "minimum":
            text = f"{name} must be at least {number_text(low)}"
        else:
            text = f"{name} must be at most {number_text(high)}"
        return [Issue(here, keyword, allowed, f"{text}; got {show(value)}")]
    if keyword in ("exclusiveMinimum", "exclusiveMaximum"):
        limit = sub.get(keyword)
        word = "more" if keyword == "exclusiveMinimum" else "less"
        return [
            Issue(
                here,
                keyword,
                f"{word} than {number_text(limit)}",
                f"{name} must be {word} than {number_text(limit)}; got {show(value)}",
            )
        ]
    if keyword == "enum":
        options = list(sub.get("enum") or [])
        text = f"{name} must be one of {_join(options)}; got {show(value)}"
        if path and path[-1] == "type" and isinstance(value, str):
            media = _medium(value)
            if media and media not in modalities:
                text += f"; this model does not take {media} input"
        return [Issue(here, "enum", _join(options), text)]
    if keyword == "const":
        expected = sub.get("const")
        return [
            Issue(
                here, "const", show(expected), f"{name} must be {show(expected)}; got {show(value)}"
            )
        ]
    if keyword == "required":
        missing = str(detail)
        where = "the request" if not path else name
        return [
            Issue(here, "required", missing, f"{where} is missing the required field {missing!r}")
        ]
    if keyword == "additionalProperties":
        known = sorted((sub.get("properties") or {}).keys())
        issues = []
        for extra in detail or []:
            extra_path = [*path, str(extra)]
            where = "" if not path else f" in {name}"
            issues.append(
                Issue(
                    pointer(extra_path),
                    "unknown_parameter",
                    ", ".join(known),
                    f"unknown parameter {_cut(str(extra))!r}{where}"
                    + suggestion(str(extra), known),
                )
            )
        return issues
    if keyword in ("minItems", "maxItems"):
        limit = sub.get(keyword)
        size = len(value) if isinstance(value, list) else 0
        word = "at least" if keyword == "minItems" else "at most"
        unit = "item" if limit == 1 else "items"
        return [
            Issue(
                here,
                keyword,
                f"{word} {limit} {unit}",
                f"{name} must have {word} {limit} {unit}; got {size}",
            )
        ]
    if keyword in ("minLength", "maxLength"):
        limit = sub.get(keyword)
        size = len(value) if isinstance(value, str) else 0
        if keyword == "minLength" and limit == 1:
            return [Issue(here, keyword, "at least 1 character", f"{name} must not be empty")]
        word = "at least" if keyword == "minLength" else "at most"
        return [
            Issue(
                here,
                keyword,
                f"{word} {number_text(limit)} characters",
                f"{name} must be {word} {number_text(limit)} characters long; "
                f"got {number_text(size)}",
            )
        ]
    if keyword in ("pattern", "format"):
        fmt = sub.get("format")
        what = {"uuid": "a UUID v4", "uri": "a URI (scheme:...)"}.get(str(fmt))
        if what is None:
            what = f"text matching {sub.get('pattern')}"
        return [Issue(here, "format", what, f"{name} must be {what}; got {show(value)}")]
    if keyword == "anyOf":
        options = [
            "/".join(alt.get("required", []))
            for alt in sub.get("anyOf", [])
            if isinstance(alt, dict)
        ]
        return [
            Issue(
                here,
                "anyOf",
                " or ".join(options),
                f"{name} must set {' or '.join(options)}",
            )
        ]
    if keyword == "multipleOf":
        allowed = range_text(sub)
        return [
            Issue(
                here,
                "multipleOf",
                allowed,
                f"{name} must be a multiple of {number_text(sub.get('multipleOf'))}; "
                f"got {show(value)}",
            )
        ]
    return [Issue(here, keyword, None, f"{name} is not allowed here ({keyword})")]


def _medium(part_type: str) -> str | None:
    if "image" in part_type:
        return "image"
    if "video" in part_type:
        return "video"
    return None
