"""The command line with the bundled world: quick pricing from flags, list filters, the
layer in catalog show, import and crosscheck usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["--data", str(ROOT / "data" / "world"), "--data", str(ROOT / "data")]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def test_quick_price_cheapest_first(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*LAYERS, "price", "--json", "-m", "qwen3-5-4b", "-m", "qwen3-5-flash"]
    code = main([*argv, "-i", "1000", "-o", "500", "--cached", "200", "--reasoning", "100"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # qwen3-5-4b (seed 000): 800 × 0.04 + 200 × 0.02 + 400 × 0.07 + 100 × 0.07
    #   = 32 + 4 + 28 + 7 = 71 µ$ = 0.000071
    # qwen3-5-flash (seed 001): no cache-read rate (cached at input, $0.090), output $0.368
    #   1000 × 0.09 + 500 × 0.368 = 90 + 184 = 274 µ$ = 0.000274
    assert [(r["model"], r["total"]) for r in rows] == [
        ("qwen3-5-4b", "0.000071"),
        ("qwen3-5-flash", "0.000274"),
    ]


def test_quick_price_with_a_provider_and_a_dated_id(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--provider", "openai", "-m", "gpt-4o-2024-08-06", "-i", "1000", "-o", "100"]
    code = main([*LAYERS, "price", "--json", *flags])
    assert code == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # genai-prices 0.2.3 openai gpt-4o: $2.50 / $10 per 1M: 2,500 + 1,000 µ$ = 0.0035
    assert (row["offering"], row["total"]) == ("openai/gpt-4o", "0.0035")


def test_quick_price_refuses_an_ambiguous_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*LAYERS, "price", "-m", "gpt-4o", "-i", "10", "-o", "1"]) == 1
    out = capsys.readouterr().out
    assert "github-copilot/gpt-4o" in out and "openai/gpt-4o" in out


def test_list_filters_and_sorts(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*LAYERS, "catalog", "list", "--json", "--provider", "empiriolabs"]
    assert main([*argv, "--sort", "input"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # first-tier input: variant1 $0.029, 4b $0.04, flash $0.090
    assert [r["id"] for r in rows] == ["qwen3-5-flash:variant1", "qwen3-5-4b", "qwen3-5-flash"]
    assert (
        main([*LAYERS, "catalog", "list", "--json", "--search", "SONNET-4-5", "--limit", "2"]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and all("sonnet-4-5" in r["id"].lower() for r in rows)


def test_show_names_the_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*LAYERS, "catalog", "show", "--json", "anthropic/claude-sonnet-4-5"]) == 0
    assert json.loads(capsys.readouterr().out)["layer"] == str(ROOT / "data" / "world")


def test_import_refuses_a_wheel_with_another_digest(tmp_path: Path) -> None:
    fake = tmp_path / "genai_prices-0.2.3-py3-none-any.whl"
    fake.write_bytes(b"not the pinned wheel")
    code = main(["catalog", "import", "genai-prices", "--from", str(fake), "--out", str(tmp_path)])
    assert code == 2
