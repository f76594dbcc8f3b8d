"""``ratecard catalog list|show|compile`` on the seed cards, as people and programs read them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ratecard.cli import main

DATA = Path(__file__).resolve().parents[2] / "data"
TWO = Path(__file__).resolve().parents[1] / "catalog" / "trees" / "two_providers"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--data", str(DATA), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    return json.loads(out, parse_float=Decimal)


def test_list_rows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID", "PROVIDER", "STATUS", "CONTEXT", "MAX", "OUT", "INPUT/1M", "OUTPUT/1M"
    ]  # fmt: skip
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["qwen3-5-4b"] == ["empiriolabs", "available", "256K", "32K", "$0.04", "$0.07"]
    assert rows["qwen3-5-flash:variant1"] == [
        "empiriolabs", "available", "1,000,000", "64K", "$0.029+", "$0.287+"
    ]  # fmt: skip
    assert rows["alibaba:qwen@3.5-397b"][:2] == ["runware", "coming_soon"]
    assert rows["alibaba:qwen@3.5-397b"][-2:] == ["unpublished", "unpublished"]
    assert len(rows) == 5


def test_list_json_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["id"]: r for r in run_json(capsys, "catalog", "list")}
    flash = rows["qwen3-5-flash"]
    assert (
        flash["context_window"] == 1000000
    )  # 1M read as thousands (issue 10) and flash["max_output_tokens"] == 32768
    assert flash["input_per_1m"] == {
        "state": "published",
        "price": "0.090",
        "free": False,
        "list_price": "0.10",
    }  # fmt: skip  (seed 001: "$0.090 (was $0.10)", kept as published)
    assert rows["alibaba:qwen@3.5-27b"]["input_per_1m"] == {"state": "unpublished"}
    assert rows["qwen3-5-flash:variant1"]["tiers"] == 3


def test_show_variant_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "qwen3-5-flash:variant1")
    assert code == 0
    assert "Decimal(" not in out and "True" not in out
    assert "Variant of           qwen3-5-flash" in out
    assert "<=128K $0.029 (was $0.090); 128K-256K $0.115; 256K-1M $0.172" in out
    assert "<=128K $0.287 (was $0.368); 128K-256K $1.147; 256K-1M $1.72" in out
    assert "Tiers by input_tokens (prompt tokens, cached included); upper_inclusive" in out
    assert "included in the web_search request fee ($0.01 per request)" in out
    assert "free" not in out.split("Parameters")[0].split("Pricing")[1]
    assert "$0.01 when tool_web_search=true or when web_search is used" in out
    assert "temperature                  number         default 0.7; range 0 to 2" in out
    assert 'default "medium"; allowed "none", "low", "medium", "high", "max"' in out


def test_show_base_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "qwen3-5-flash")
    assert code == 0
    assert "$0.090 (was $0.10)" in out and "$0.368 (was $0.40)" in out
    assert "$0.012  [tool_usage: image_search, web_search_image, text_to_image_search" in out
    assert "Web extractor" in out and "free" in out
    assert "tool_web_extractor=true requires tool_web_search=true, enable_thinking=true" in out
    assert "qwen3-5-flash:variant1: region China" in out
    assert "Model facts (alibaba/qwen3.5-flash)" in out


def test_show_runware_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "alibaba:qwen@3.5-397b")
    assert code == 0
    assert "Status               coming soon" in out
    assert "397,000,000,000 total, 17,000,000,000 active" in out
    assert "settings.temperature" in out and "default 0.6; range 0 to 2; step 0.01" in out
    assert "input        per 1M tokens  unpublished" in out


def test_show_model_card_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "alibaba/qwen3-vl-4b-reasoning")
    assert code == 0
    assert "Released             2025-10-14" in out
    assert "Superseded by        alibaba/qwen3.5-4b" in out
    assert "artificial_analysis_intelligence_index: 14 points" in out
    assert "62M (62,000,000) tokens" in out  # decimal, with separators
    doc = run_json(capsys, "catalog", "show", "qwen3-vl-4b-reasoning")
    assert doc["release_date"] == "2025-10-14" and doc["superseded_by"] == "alibaba/qwen3.5-4b"


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "catalog", "show", "qwen3-5-flash:variant1")
    assert doc["id"] == "qwen3-5-flash:variant1" and doc["base"] == "qwen3-5-flash"
    [plan] = doc["pricing"]
    assert [t["up_to"] for t in plan["tiers"]] == [
        128000,
        256000,
        1000000,
    ]  # issue 10: decimal bounds
    assert plan["tiers"][0]["prices"]["input"] == {
        "state": "published",
        "price": "0.029",
        "free": False,
        "list_price": "0.090",
    }  # fmt: skip  (seed 001: "$0.090 (was $0.10)", kept as published)
    temperature = next(p for p in doc["parameters"] if p["name"] == "temperature")
    assert temperature["default"] == Decimal("0.7")
    assert doc["model_card"]["id"] == "alibaba/qwen3.5-flash"


def test_show_unknown_and_ambiguous(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "catalog", "show", "qwen3-5-flsh")
    assert code == 1 and "did you mean 'qwen3-5-flash'" in err
    assert main(["--data", str(TWO), "catalog", "show", "shared"]) == 1
    assert "use one of alpha/shared, beta/shared" in capsys.readouterr().err
    assert main(["--data", str(TWO), "catalog", "show", "beta/shared"]) == 0
    assert "Shared at Beta" in capsys.readouterr().out


def test_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build"
    doc = run_json(capsys, "catalog", "compile", "--out", str(out))
    files = sorted(Path(p).relative_to(out).as_posix() for p in doc["files"])
    assert len(files) == len(set(files))
    assert files == sorted(
        [
            "catalog.json",
            "models/empiriolabs/qwen3-5-4b.json",
            "models/empiriolabs/qwen3-5-flash-variant1.json",
            "models/empiriolabs/qwen3-5-flash.json",
            "models/runware/alibaba-qwen-3.5-27b.json",
            "models/runware/alibaba-qwen-3.5-397b.json",
            # one request schema per offering or variant and per endpoint it lists (seeds 000, 001:
            # 4b has four endpoints, flash and :variant1 three; 003, 004: the task API only)
            *(
                f"requests/empiriolabs/{o}.{e}.schema.json"
                for o, es in (
                    ("qwen3-5-4b", ("chat.completions", "completions", "messages", "responses")),
                    ("qwen3-5-flash", ("chat.completions", "messages", "responses")),
                    ("qwen3-5-flash-variant1", ("chat.completions", "messages", "responses")),
                )
                for e in es
            ),
            "requests/runware/alibaba-qwen-3.5-27b.runware.task.schema.json",
            "requests/runware/alibaba-qwen-3.5-397b.runware.task.schema.json",
        ]
    )
    text = (out / "models/empiriolabs/qwen3-5-flash-variant1.json").read_text(encoding="utf-8")
    variant = json.loads(text, parse_float=Decimal)
    assert variant["context_window"] == 1000000 and variant["max_output_tokens"] == 65536
    assert variant["pricing"][0]["request_fees"][0]["per_request"]["price"] == "0.01"
    whole = json.loads((out / "catalog.json").read_text(encoding="utf-8"), parse_float=Decimal)
    assert len(whole["offerings"]) == 5 and len(whole["models"]) == 5
    model = next(m for m in whole["models"] if m["id"] == "alibaba/qwen3.5-397b")
    assert model["parameters"] == {"total": 397000000000, "active": 17000000000}


def test_bad_catalog_is_reported_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    assert main(["--data", str(tmp_path), "catalog", "list"]) == 1
    assert "not a card location" in capsys.readouterr().err
