"""Compile the catalog's request schemas: one per offering (variants included) and endpoint.

For each, the standalone schema (written by ``ratecard catalog compile`` for other
languages), the fast schema the validator runs, and the Python-side tables for what JSON
Schema cannot say or says too slowly:

- decimal steps (``multipleOf`` is checked on Decimal values, never in binary floating point);
- partial enums (a name not known is a warning, never an error);
- rules across fields (in the schema as if/then too; Python words the issue);
- the context window (with :mod:`catalog.requests.token_estimate`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..endpoints import MAX_TOKENS_PATH
from ..units import slug
from .compiled import (
    CompiledCatalog,
    CompiledEndpoint,
    OfferingInfo,
    ParamFacts,
    PartialEnum,
    RuleFacts,
)
from .dialects import DIALECTS
from .dialects.responses import RENAMES as RESPONSES_RENAMES
from .issues import range_text

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..model import Offering, Parameter

ANNOTATIONS = ("description", "default", "title", "$schema", "examples")


def fast_schema(schema: Any) -> Any:
    """``schema`` without multipleOf (checked in decimal by the validator) and annotations."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "multipleOf" or key in ANNOTATIONS:
                continue
            if key in ("properties", "$defs"):
                out[key] = {k: fast_schema(v) for k, v in value.items()}
            else:
                out[key] = fast_schema(value)
        return out
    if isinstance(schema, list):
        return [fast_schema(v) for v in schema]
    return schema


def step_tree(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Where ``multipleOf`` sits, through properties and items."""
    node: dict[str, Any] = {}
    if "multipleOf" in schema:
        node["step"] = Decimal(repr(schema["multipleOf"]))
        node["allowed"] = range_text(schema)
    props = {}
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            tree = step_tree(sub)
            if tree:
                props[name] = tree
    if props:
        node["props"] = props
    items = schema.get("items")
    if isinstance(items, dict):
        tree = step_tree(items)
        if tree:
            node["items"] = tree
    return node


def _partials(params: Mapping[str, Parameter]) -> list[PartialEnum]:
    out: list[PartialEnum] = []

    def visit(param: Parameter, path: tuple[str, ...]) -> None:
        if param.values_known is not None or param.values_count is not None:
            known = param.values_known or ()
            name = ".".join(path).replace(".*", "[]")
            out.append(PartialEnum(path, name, known, param.values_count))
        if param.items is not None:
            visit(param.items, (*path, "*"))
        for name, sub in (param.properties or {}).items():
            visit(sub, (*path, name))

    for param in params.values():
        visit(param, param.path)
    return out


def _rules(offering: Offering, endpoint: str = "") -> tuple[RuleFacts, ...]:
    """The rules with each name as the endpoint's body spells it (``max_tokens`` is
    ``max_output_tokens`` on responses); dotted names are nested paths (``settings.topK``)."""
    renames = RESPONSES_RENAMES if endpoint == "responses" else {}
    out = []
    for rule in offering.rules:
        defaults = {}
        for name in rule.then:
            param = offering.parameters.get(name)
            if param is not None and param.has_default:
                defaults[renames.get(name, name)] = param.default
        out.append(
            RuleFacts(
                rule.kind,
                {renames.get(k, k): v for k, v in rule.when.items()},
                {renames.get(k, k): v for k, v in rule.then.items()},
                rule.message,
                dict(defaults),
            )
        )
    return tuple(out)


def offering_info(offering: Offering) -> OfferingInfo:
    return OfferingInfo(
        id=offering.id,
        key=offering.key,
        name=offering.name,
        status=offering.status,
        endpoints=offering.endpoints,
        input_modalities=offering.input_modalities,
        context_window=offering.context_window,
        max_output_tokens=offering.max_output_tokens,
        parameters={n: ParamFacts(p.default, p.maximum) for n, p in offering.parameters.items()},
    )


def compile_endpoint(offering: Offering, endpoint: str) -> CompiledEndpoint:
    schema = DIALECTS[endpoint](offering)
    per_task = endpoint == "runware.task"
    target = schema["$defs"]["task"] if per_task else schema
    path = MAX_TOKENS_PATH[endpoint]
    limit = offering.parameters.get(".".join(path)) or (
        offering.parameters.get("max_tokens") if endpoint == "responses" else None
    )
    return CompiledEndpoint(
        offering=offering.key,
        endpoint=endpoint,
        schema=schema,
        fast=fast_schema(target),
        per_task=per_task,
        steps=step_tree(target),
        partial=tuple(_partials(offering.parameters)),
        rules=_rules(offering, endpoint),
        max_tokens_default=limit.default if limit is not None and limit.has_default else None,
        decimal_lane=_lane(target, offering),
    )


def _lane(schema: Mapping[str, Any], offering: Offering) -> dict[str, Any]:
    in_rules = {k for rule in offering.rules for k in (*rule.when, *rule.then)}
    lane = {}
    for name, sub in (schema.get("properties") or {}).items():
        keys = set(sub) - {"description", "default", "minimum", "maximum", "multipleOf"}
        if keys != {"type"} or sub["type"] not in ("integer", "number") or name in in_rules:
            continue
        low, high = sub.get("minimum"), sub.get("maximum")
        lane[name] = (
            sub["type"] == "integer",
            Decimal(repr(low)) if low is not None else None,
            Decimal(repr(high)) if high is not None else None,
        )
    return lane


def compile_requests(catalog: Catalog, digest: str = "") -> CompiledCatalog:
    offerings: dict[str, OfferingInfo] = {}
    by_id: dict[str, list[str]] = {}
    endpoints: dict[tuple[str, str], CompiledEndpoint] = {}
    for offering in catalog:
        offerings[offering.key] = offering_info(offering)
        by_id.setdefault(offering.id, []).append(offering.key)
        for endpoint in offering.endpoints:
            if endpoint in DIALECTS:
                endpoints[(offering.key, endpoint)] = compile_endpoint(offering, endpoint)
    return CompiledCatalog(
        digest=digest,
        offerings=offerings,
        by_id={k: tuple(v) for k, v in by_id.items()},
        endpoints=endpoints,
    )


def write_request_schemas(compiled: CompiledCatalog, out: Path) -> list[Path]:
    """Write each standalone schema to ``out/requests/<provider>/<slug>.<endpoint>.schema.json``."""

    written = []
    for (key, endpoint), entry in sorted(compiled.endpoints.items()):
        info = compiled.offerings[key]
        provider = key.split("/", 1)[0]
        path = out / "requests" / provider / f"{slug(info.id)}.{endpoint}.schema.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(entry.schema, indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written
