"""Runware's task API (``runware.task``): the body is an array of task objects, or a single
task object. Each task is the provider's shared options (``taskType``, ``taskUUID`` as a
UUID v4 enforced by a pattern, ``model`` equal to the offering id, ``webhookURL``,
``deliveryMethod``, ``includeCost``, ``includeUsage``, ``numberResults``, ``seed``,
``messages``) plus the offering's own parameters (``settings.*``, ``inputs.*``), all closed:
``inputs.images``/``inputs.videos`` exist only where the offering lists them.

Partial enums (``deliveryMethod``, ``settings.thinkingLevel``, ``messages[].role``: the page
gives how many values there are but not all their names) are plain strings here; the
validator warns about a name it does not know instead of rejecting it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import document, object_schema, rule_schemas

if TYPE_CHECKING:
    from ...model import Offering


def task_schema(offering: Offering) -> dict[str, Any]:
    task = object_schema(offering.parameters.values(), offering.id)
    rules = rule_schemas(offering.rules, offering.parameters)
    if rules:
        task["allOf"] = rules
    return task


def schema(offering: Offering) -> dict[str, Any]:
    body = {
        "$defs": {"task": task_schema(offering)},
        "if": {"type": "array"},
        "then": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/task"}},
        "else": {"$ref": "#/$defs/task"},
    }
    return document(f"{offering.id} runware.task request (an array of tasks, or one task)", body)
