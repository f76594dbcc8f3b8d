"""Keep the valid parts of a card that fails validation, so that lint can still check them.

A card with one typo must not hide a default outside its range three fields further down.
When a whole card fails, each field, each parameter spec, each plan, each tier row… is
validated on its own, and what passes is kept. What fails is left out (an optional field),
set to None (a required field, a list item) or replaced by a placeholder whose fields are
all None (a mapping entry, so that its name still resolves: a rule naming a parameter whose
spec is broken does not also report a dangling reference). The checks in
:mod:`catalog.cards.checks` treat None as "unknown" and stay silent about it.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

_ADAPTERS: dict[int, tuple[Any, TypeAdapter[Any]]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    cached = _ADAPTERS.get(id(tp))
    if cached is None or cached[0] is not tp:
        cached = (tp, TypeAdapter(tp))
        _ADAPTERS[id(tp)] = cached
    return cached[1]


def _field_type(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields[name]
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _non_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def placeholder(model: type[BaseModel]) -> BaseModel:
    """An instance with every required field None and no field set."""
    values = {name: None for name, info in model.model_fields.items() if info.is_required()}
    return model.model_construct(_fields_set=set(), **values)


def salvage(model: type[BaseModel], raw: Any) -> BaseModel:
    """The valid parts of ``raw`` as an unvalidated instance of ``model``."""
    if not isinstance(raw, dict):
        return placeholder(model)
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name not in raw:
            continue
        value = _item(_field_type(model, name), raw[name])
        if value is not None or raw[name] is None:
            values[name] = value
    fields_set = set(values)
    for name, info in model.model_fields.items():
        if info.is_required() and name not in values:
            values[name] = None
    return model.model_construct(_fields_set=fields_set, **values)


def _item(tp: Any, raw: Any) -> Any:
    try:
        return _adapter(tp).validate_python(raw)
    except ValidationError:
        pass
    inner = _non_optional(tp)
    if _is_model(inner):
        return salvage(inner, raw) if isinstance(raw, dict) else None
    origin = get_origin(inner)
    if origin is dict and isinstance(raw, dict):
        key_type, value_type = get_args(inner)
        out: dict[Any, Any] = {}
        for key, value in raw.items():
            try:
                key = _adapter(key_type).validate_python(key)
            except ValidationError:
                continue
            item = _item(value_type, value)
            if item is None and _is_model(_non_optional(value_type)):
                item = placeholder(_non_optional(value_type))
            out[key] = item
        return out
    if origin is list and isinstance(raw, list):
        (element,) = get_args(inner)
        return [_item(element, value) for value in raw]
    return None
