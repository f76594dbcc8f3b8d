"""Rules across fields: they fire only on values a request sets explicitly, reach nested
Runware ``settings.*`` parameters, and say the same thing in the emitted JSON Schema (ajv)
as in Python."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from catalog import RequestValidator, load_catalog
from catalog.requests.dialects.common import rule_schemas
from catalog.requests.schemas import compile_requests, write_request_schemas

ROOT = Path(__file__).resolve().parents[2]
RUNWARE = "alibaba:qwen@3.5-27b"
NESTED_RULES = """rules:
  - when: {settings.thinkingLevel: low}
    requires: {settings.temperature: 0}
  - when: {settings.topK: 1}
    conflicts_with: {settings.minP: 0.5, seed: 7}
  - when: {settings.topK: 2}
    requires: {settings.topP: 0.95}
"""


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> tuple[RequestValidator, Path]:
    """The bundled cards with rules on nested settings added to the Runware 27B card."""
    data = tmp_path_factory.mktemp("cards") / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("samples"))
    card = data / "providers" / "runware" / "models" / "alibaba-qwen-3.5-27b.yaml"
    text = card.read_text(encoding="utf-8")
    assert "\nrules:" not in text
    card.write_text(text.replace("\npricing:", "\n" + NESTED_RULES + "pricing:", 1), "utf-8")
    compiled = compile_requests(load_catalog(data))
    out = data.parent / "compiled"
    write_request_schemas(compiled, out)
    return RequestValidator(compiled), out


def task(n: int = 7, **settings: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "taskType": "textInference",
        "taskUUID": str(uuid.UUID(int=n, version=4)),
        "model": RUNWARE,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    seed = settings.pop("seed", None)
    if seed is not None:
        body["seed"] = seed
    if settings:
        body["settings"] = settings
    return body


CASES: list[tuple[str, Any, list[tuple[str, str]]]] = [
    ("no settings", [task()], []),
    # the default thinkingLevel (high) never fires the rule
    ("defaults only", [task(temperature=0.6)], []),
    ("when unmet", [task(thinkingLevel="high", temperature=1)], []),
    (
        "requires unmet",
        [task(thinkingLevel="low", temperature=1)],
        [("/0/settings/temperature", "requires")],
    ),
    ("requires missing", [task(thinkingLevel="low")], [("/0/settings", "requires")]),
    ("requires met", [task(thinkingLevel="low", temperature=0)], []),
    # topP defaults to 0.95: the default satisfies the requirement
    ("requires by default", [task(topK=2)], []),
    ("requires default overridden", [task(topK=2, topP=0.5)], [("/0/settings/topP", "requires")]),
    ("conflict one", [task(topK=1, minP=0.5)], [("/0/settings/minP", "conflicts_with")]),
    ("conflict other", [task(topK=1, seed=7)], [("/0/seed", "conflicts_with")]),
    (
        "conflict both",
        [task(topK=1, minP=0.5, seed=7)],
        [("/0/settings/minP", "conflicts_with"), ("/0/seed", "conflicts_with")],
    ),
    ("conflict absent", [task(topK=1, minP=0.25, seed=8)], []),
    ("second task", [task(), task(8, thinkingLevel="low")], [("/1/settings", "requires")]),
]


@pytest.mark.parametrize(("name", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_nested_rules(
    nested: tuple[RequestValidator, Path], name: str, body: Any, expected: list[tuple[str, str]]
) -> None:
    validator, _ = nested
    result = validator.validate(body, endpoint="runware.task")
    assert sorted((i.pointer, i.rule) for i in result.issues) == sorted(expected), name
    for issue in result.issues:
        assert "settings." in issue.message or "seed" in issue.message


def test_top_level_body_is_not_a_nested_name() -> None:
    # a flat key spelled like the dotted name is not the nested parameter
    from catalog.model import Rule

    [entry] = rule_schemas([Rule("requires", {"settings.a": 1}, {"settings.b": 2})], {})
    assert entry["if"] == {
        "type": "object",
        "required": ["settings"],
        "properties": {
            "settings": {"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}}
        },
    }
    assert entry["then"]["properties"]["settings"]["required"] == ["b"]


def test_seed_rules_explicit_only(nested: tuple[RequestValidator, Path]) -> None:
    validator, _ = nested
    chat = {"model": "qwen3-5-flash", "messages": [{"role": "user", "content": "Hi"}]}
    # tool_web_extractor and tool_code_interpreter default to true: no rule fires
    assert validator.validate(chat).valid
    # explicit extractor without web search: web search (default false) is missing
    result = validator.validate({**chat, "tool_web_extractor": True})
    assert [(i.pointer, i.rule) for i in result.issues] == [("", "requires")]
    # thinking defaults to true, so extractor + web search is fine
    assert validator.validate({**chat, "tool_web_extractor": True, "tool_web_search": True}).valid
    result = validator.validate({**chat, "tool_code_interpreter": True, "enable_thinking": False})
    assert [(i.pointer, i.rule) for i in result.issues] == [("/enable_thinking", "requires")]
    # the defaults (code interpreter on) with thinking off explicitly: no rule fires
    assert validator.validate({**chat, "enable_thinking": False}).valid
    none = {"model": "qwen3-5-4b", "messages": chat["messages"], "reasoning_effort": "none"}
    assert validator.validate(none).valid
    result = validator.validate({**none, "enable_thinking": True})
    assert [(i.pointer, i.rule) for i in result.issues] == [("/enable_thinking", "conflicts_with")]


def test_ajv_agrees_on_rules(nested: tuple[RequestValidator, Path], tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (ROOT / "node_modules" / "ajv").is_dir():
        pytest.fail("ajv is not installed: run 'make test' (it runs npm ci)")
    validator, out = nested
    runware = out / "requests" / "runware" / "alibaba-qwen-3.5-27b.runware.task.schema.json"
    flash = out / "requests" / "empiriolabs" / "qwen3-5-flash.chat.completions.schema.json"
    four = out / "requests" / "empiriolabs" / "qwen3-5-4b.chat.completions.schema.json"
    assert runware.is_file() and flash.is_file() and four.is_file()
    chat = {"model": "qwen3-5-flash", "messages": [{"role": "user", "content": "Hi"}]}
    small = {"model": "qwen3-5-4b", "messages": chat["messages"]}
    cases = [{"name": n, "schema": str(runware), "body": b} for n, b, _ in CASES]
    for name, extra in [
        ("flash defaults", {}),
        ("flash extractor alone", {"tool_web_extractor": True}),
        ("flash extractor+search", {"tool_web_extractor": True, "tool_web_search": True}),
        (
            "flash extractor no thinking",
            {"tool_web_extractor": True, "tool_web_search": True, "enable_thinking": False},
        ),
        (
            "flash interpreter no thinking",
            {"tool_code_interpreter": True, "enable_thinking": False},
        ),
        ("flash thinking off", {"enable_thinking": False}),
    ]:
        cases.append({"name": name, "schema": str(flash), "body": {**chat, **extra}})
    for name, extra in [
        ("4b none", {"reasoning_effort": "none"}),
        ("4b none+thinking", {"reasoning_effort": "none", "enable_thinking": True}),
        ("4b none+no thinking", {"reasoning_effort": "none", "enable_thinking": False}),
    ]:
        cases.append({"name": name, "schema": str(four), "body": {**small, **extra}})
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(cases), encoding="utf-8")
    run = subprocess.run(
        [node, str(Path(__file__).with_name("ajv_check.cjs")), str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    theirs = {c["name"]: c["valid"] for c in json.loads(run.stdout)}
    ours = {}
    for case in cases:
        endpoint = "runware.task" if case["schema"] == str(runware) else None
        ours[case["name"]] = validator.validate(case["body"], endpoint=endpoint).valid
    assert ours == theirs
    assert [n for n, v in ours.items() if not v] == [
        "requires unmet",
        "requires missing",
        "requires default overridden",
        "conflict one",
        "conflict other",
        "conflict both",
        "second task",
        "flash extractor alone",
        "flash extractor no thinking",
        "flash interpreter no thinking",
        "4b none+thinking",
    ]
