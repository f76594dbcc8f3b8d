"""The seed model pages in a real browser: Debian's chromium, headless, loads each page from
a live server and the test reads what a reader sees (the DOM after loading) and keeps a
screenshot under build/pages/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest

from .live import ROOT, LiveServer

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)
        found = shutil.which("chromium")
    if found is None:
        pytest.fail("Debian's chromium is needed: apt-get install chromium (as root)")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(f"sqlite:///{tmp_path_factory.mktemp('pages') / 'pages.db'}").start()
    try:
        yield live
    finally:
        assert live.stop() in (0, -15)


def browse(url: str, screenshot: Path) -> str:
    """The page's DOM as chromium rendered it; a screenshot of it is saved too."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        common = [browser, *FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
        ).stdout
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*common, f"--screenshot={screenshot}", "--window-size=1280,2600", url],
            capture_output=True,
            timeout=120,
            check=True,
        )
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000
    return dom


def rows(dom: str) -> list[str]:
    """Each table row's text, cells joined by ' | '."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", dom, re.S):
        cells = re.findall(r"<t[dh]>(.*?)</t[dh]>", row, re.S)
        found.append(" | ".join(unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells))
    return found


SHOTS = ROOT / "build" / "pages"


def test_flash_page(server: LiveServer) -> None:
    dom = browse(f"{server.url}/models/qwen3-5-flash", SHOTS / "qwen3-5-flash.png")
    seen = rows(dom)
    # seed 001's pricing table, as a reader sees it
    assert "Input | per 1M prompt tokens | $0.090 (was $0.10)" in seen
    assert "Output | per 1M generated tokens | $0.368 (was $0.40)" in seen
    assert "Web Search | per call | $0.015" in seen
    assert "Image Search | per call | $0.012" in seen
    # the :variant1 section, its tiers and its request fee
    assert (
        "Input | per 1M prompt tokens | <=128K $0.029 (was $0.090); 128K-256K $0.115; "
        "256K-1M $0.172"
    ) in seen
    assert (
        "Output | per 1M generated tokens | <=128K $0.287 (was $0.368); 128K-256K $1.147; "
        "256K-1M $1.72"
    ) in seen
    assert "Web search | per query when enabled | $0.01" in seen
    assert "Model id | qwen3-5-flash:variant1" in seen and "Region | China" in seen
    assert (
        "Max output tokens | 65,536" in seen and "Context window | 1,000,000" in seen
    )  # 1M in thousands (issue 10)
    assert any(r.startswith("temperature | number | no | 0.7 |") for r in seen)
    assert "<script" not in dom.lower()


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (
            "qwen3-5-4b",
            [
                "Input | per 1M prompt tokens | $0.04",
                "Output | per 1M generated tokens | $0.07",
                "Implicit cache read | per 1M cached input tokens | $0.02",
            ],
        ),
        (
            "alibaba:qwen@3.5-27b",
            ["Model id | alibaba:qwen@3.5-27b", "Input | per 1M prompt tokens | unpublished"],
        ),
        ("alibaba:qwen@3.5-397b", ["Status | coming_soon"]),
        ("alibaba/qwen3-vl-4b-reasoning", ["Model | alibaba/qwen3-vl-4b-reasoning"]),
    ],
)
def test_seed_pages(server: LiveServer, ref: str, expected: list[str]) -> None:
    name = re.sub(r"[^A-Za-z0-9._-]", "-", ref)
    seen = rows(browse(f"{server.url}/models/{quote(ref, safe='')}", SHOTS / f"{name}.png"))
    for row in expected:
        assert row in seen, (row, seen)
