from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.requests import validation
from ratecard.cli import main

from ..conftest import DATA


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(validation, "_DEFAULT", {})  # the in-process cache, per test


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *args: str
) -> tuple[int, str]:
    path = tmp_path / "request.json"
    path.write_text(text, encoding="utf-8")
    code = main(["--data", str(DATA), "validate", *args, str(path)])
    return code, capsys.readouterr().out


def test_json_output_is_design_section_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        '{"model": "qwen3-5-4b", "messages": [{"role":"user","content":"Hi"}], "temperature": 2.5}'
    )
    code, out = run(tmp_path, capsys, body, "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["valid"] is False and doc["model"] == "qwen3-5-4b"
    assert doc["endpoint"] == "chat.completions"
    assert doc["issues"] == [
        {
            "pointer": "/temperature",
            "rule": "maximum",
            "allowed": "0 to 2",
            "message": "temperature must be between 0 and 2; got 2.5",
        }
    ]


def test_valid_and_cached(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        '{"model": "qwen3-5-4b", "messages": [{"role":"user","content":"Hi"}], "temperature": 0.07}'
    )
    assert run(tmp_path, capsys, body)[0] == 0
    assert list((tmp_path / "cache").glob("requests-*.pickle"))
    code, out = run(tmp_path, capsys, body)
    assert code == 0 and out.startswith("valid: qwen3-5-4b")


def test_lenient_prints_cleaned_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        '{"model": "qwen3-5-4b", "messages": [{"role":"user","content":"Hi"}], "temprature": 0.5}'
    )
    code, out = run(tmp_path, capsys, body, "--lenient", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["valid"] is True
    assert "temprature" not in doc["request"]
    assert doc["warnings"][0]["pointer"] == "/temprature"


def test_bad_json_is_invalid_and_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(tmp_path, capsys, '{"model": NaN}', "--json")
    assert code == 1 and json.loads(out)["issues"][0]["rule"] == "json"
    assert main(["--data", str(DATA), "validate", str(tmp_path / "missing.json")]) == 2
    assert main(["validate", "--endpoint", "nope", "-"]) == 2  # the boundary: no SystemExit


def test_lenient_request_keeps_numbers_as_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the cleaned request must be sendable: 0.070 stays the JSON number 0.070 (not "0.070",
    # not 0.07000000000000001), in the text output and in --json
    body = (
        '{"model": "qwen3-5-4b", "messages": [{"role":"user","content":"say \\"0.5\\""}], '
        '"temprature": 0.5, "top_p": 0.070, "temperature": 1.15, "seed": 7}'
    )
    code, out = run(tmp_path, capsys, body, "--lenient")
    assert code == 0
    text = out[out.index("{") :]
    assert '"top_p": 0.070,' in text and '"temperature": 1.15,' in text
    assert json.loads(text) == {
        "model": "qwen3-5-4b",
        "messages": [{"role": "user", "content": 'say "0.5"'}],
        "top_p": 0.07,
        "temperature": 1.15,
        "seed": 7,
    }
    code, out = run(tmp_path, capsys, body, "--lenient", "--json")
    assert code == 0
    assert '"top_p": 0.070' in out
    assert json.loads(out)["request"]["temperature"] == 1.15
