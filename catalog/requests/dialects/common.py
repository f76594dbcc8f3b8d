"""What every dialect shares: a parameter table turned into JSON Schema.

A parameter's key is its place in the request: ``temperature`` at the top level,
``settings.temperature`` inside ``settings``. Each schema comes in two forms: the standalone
one (``multipleOf`` included, for other languages) and the fast one, without ``multipleOf``,
whose steps the validator checks itself in decimal arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...model import Offering, Parameter, Rule

DRAFT = "https://json-schema.org/draft/2020-12/schema"
UUID4_PATTERN = (
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
URI_PATTERN = "^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]*$"
JSON_TYPES = ("integer", "number", "boolean", "string", "array", "object", "null")


def number(value: Decimal | int) -> int | float:
    """A bound as a JSON number: an int when integral, else the float whose shortest text is
    the decimal's own (0.01 → 0.01)."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} has more digits than a JSON number keeps")
    return as_float


def json_value(value: Any) -> Any:
    """A card value (which may hold Decimals) as plain JSON data."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def param_schema(param: Parameter, offering_id: str) -> dict[str, Any]:
    """The JSON Schema of one parameter (standalone form: with multipleOf)."""
    schema: dict[str, Any] = {}
    types = [t for t in param.types if t in JSON_TYPES]
    if types:
        schema["type"] = types[0] if len(types) == 1 else types
    if param.values is not None:
        schema["enum"] = json_value(list(param.values))
    if param.const_is_offering_id:
        schema["const"] = offering_id
    elif param.const is not None:
        schema["const"] = json_value(param.const)
    if param.minimum is not None:
        schema["minimum"] = number(param.minimum)
    if param.maximum is not None:
        schema["maximum"] = number(param.maximum)
    if param.step is not None:
        schema["multipleOf"] = number(param.step)
    if param.format == "uuid4":
        schema["format"] = "uuid"
        schema["pattern"] = UUID4_PATTERN
    elif param.format == "uri":
        schema["format"] = "uri"
        schema["pattern"] = URI_PATTERN
    elif param.format is not None:
        schema["format"] = param.format
    if param.min_length is not None:
        schema["minLength"] = param.min_length
    if param.max_length is not None:
        schema["maxLength"] = param.max_length
    if param.min_items is not None:
        schema["minItems"] = param.min_items
    if param.max_items is not None:
        schema["maxItems"] = param.max_items
    if param.items is not None:
        schema["items"] = param_schema(param.items, offering_id)
    if param.properties is not None:
        schema.update(object_schema(param.properties.values(), offering_id))
    if param.description:
        schema["description"] = param.description
    if param.has_default:
        schema["default"] = json_value(param.default)
    return schema


def object_schema(params: Iterable[Parameter], offering_id: str) -> dict[str, Any]:
    """A closed object holding ``params`` at their (possibly dotted) paths."""
    tree: dict[str, Any] = {}
    for param in params:
        node = tree
        for part in param.path[:-1]:
            node = node.setdefault(part, {}).setdefault("\0children", {})
        node.setdefault(param.path[-1], {})["\0param"] = param
    return _tree_schema(tree, offering_id)


def _tree_schema(tree: Mapping[str, Any], offering_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, node in tree.items():
        param = node.get("\0param")
        if "\0children" in node:
            sub = _tree_schema(node["\0children"], offering_id)
            if param is not None and param.description:
                sub["description"] = param.description
            properties[name] = sub
            if param is not None and param.required:
                required.append(name)
        else:
            properties[name] = param_schema(param, offering_id)
            if param.required:
                required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def _at(path: tuple[str, ...], leaf: dict[str, Any], *, require: bool) -> dict[str, Any]:
    """``leaf`` constrains the value at ``path`` (``settings.temperature`` is nested under
    ``settings``). With ``require`` every level must be present (and an object on the way);
    without it the constraint applies only where the value is present."""
    schema = leaf
    for name in reversed(path):
        node: dict[str, Any] = {"properties": {name: schema}}
        if require:
            node["type"] = "object"
            node["required"] = [name]
        schema = node
    return schema


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two object constraints built by :func:`_at` as one (properties merged level by level)."""
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and key in out:
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = _merge(props[name], sub) if name in props else sub
            out[key] = props
        elif key == "required" and key in out:
            out[key] = sorted({*out[key], *value})
        else:
            out[key] = value
    return out


def _tree(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        out = _merge(out, part)
    return out


def rule_schemas(
    rules: Iterable[Rule],
    params: Mapping[str, Parameter],
    renames: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Rules across fields as if/then. A rule fires only when every ``when`` value is set
    explicitly (present, at its nested place for ``settings.*``); a ``requires`` value that
    the default already satisfies may be omitted, one the default does not satisfy must be
    set; each ``conflicts_with`` value counts only when set explicitly, on its own.
    ``renames`` maps a table name to the dialect's (``max_tokens`` → ``max_output_tokens``)."""
    names = renames or {}

    def path(name: str) -> tuple[str, ...]:
        return tuple(names.get(name, name).split("."))

    out: list[dict[str, Any]] = []
    for rule in rules:
        cond = _tree(
            _at(path(k), {"const": json_value(v)}, require=True) for k, v in rule.when.items()
        )
        then: dict[str, Any]
        if rule.kind == "requires":
            parts = []
            for name, value in rule.then.items():
                param = params.get(name)
                default_ok = param is not None and param.has_default and param.default == value
                parts.append(_at(path(name), {"const": json_value(value)}, require=not default_ok))
            then = _tree(parts)
        else:
            nots = [
                {"not": _at(path(k), {"const": json_value(v)}, require=True)}
                for k, v in rule.then.items()
            ]
            then = nots[0] if len(nots) == 1 else {"allOf": nots}
        entry: dict[str, Any] = {"if": cond, "then": then}
        if rule.message:
            entry["description"] = rule.message
        out.append(entry)
    return out


def allows(offering: Offering, name: str, *features: str) -> bool:
    """Whether a dialect field is allowed: it is in the parameter table, or the offering's
    features name what it needs."""
    return name in offering.parameters or any(f in offering.features for f in features)


def document(title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, **body}
