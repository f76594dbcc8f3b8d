"""The wheel ships the bundled cards: built from a copy of the checkout, installed into a fresh
venv outside it, ``billing.price`` prices a record there with the cards inside the wheel.

No network: the wheel is built without build isolation (setuptools from the test venv) and
installed with ``--no-deps`` into a venv that sees the test venv's site-packages for the
dependencies (pydantic, SQLAlchemy, ...), never the checkout itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("catalog", "billing", "ratecard", "data", "setup.py", "pyproject.toml", "README.md")

# qwen3-5-4b on EmpirioLabs (seed 000): input $0.04 per 1M prompt tokens, output $0.07 per
# 1M generated tokens. 1,000,000 input + 2,000,000 output tokens, none cached or reasoning:
# 1 × 0.04 + 2 × 0.07 = 0.04 + 0.14 = 0.18
SCRIPT = """
import json, pathlib, sys
import billing, catalog
record = {
    "id": "w1", "customer": "acme", "timestamp": "2026-11-02T10:00:00Z",
    "model": "qwen3-5-4b", "endpoint": "chat.completions",
    "usage": {"prompt_tokens": 1000000, "completion_tokens": 2000000,
              "total_tokens": 3000000},
}
charge = billing.price(billing.parse_record(record))
where = [pathlib.Path(m.__file__).resolve() for m in (billing, catalog)]
print(json.dumps({"total": str(charge.total), "files": [str(p) for p in where]}))
"""


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert run.returncode == 0, f"{args}: {run.stdout}\n{run.stderr}"
    return run  # type: ignore[no-any-return]


def test_wheel_ships_the_cards_and_prices(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)])
    (wheel,) = wheels.glob("ratecard-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # the test venv's dependencies, but not its editable ratecard (whose finder points here)
    deps = Path(sysconfig.get_path("purelib"))
    (site / "deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    _run([*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)])
    assert (site / "ratecard_data" / "providers").is_dir()

    env = {k: v for k, v in os.environ.items() if k not in ("RATECARD_DATA", "PYTHONPATH")}
    elsewhere = tmp_path / "elsewhere"  # no ./data here: the cards must come from the wheel
    elsewhere.mkdir()
    run = _run([str(python), "-I", "-c", SCRIPT], cwd=elsewhere, env=env)
    out = json.loads(run.stdout)
    assert Decimal(out["total"]) == Decimal("0.18")
    for file in out["files"]:
        assert Path(file).is_relative_to(site), file

    # The bundled world catalog ships too: openai's gpt-4o out of the box, by provider and
    # id. genai-prices 0.2.3: $2.50 input, $10 output per 1M tokens.
    # 1,000 × 2.5 + 100 × 10 = 2,500 + 1,000 = 3,500 µ$ = 0.0035.
    assert (site / "ratecard_data" / "world" / "providers" / "openai").is_dir()
    record = (
        '{"provider": "openai", "model": "gpt-4o", '
        '"usage": {"prompt_tokens": 1000, "completion_tokens": 100}}\n'
    )
    cli = "import sys, ratecard.cli; sys.exit(ratecard.cli.main(['price', '--json', '-']))"
    run = _run(
        [str(python), "-I", "-c", cli],
        cwd=elsewhere,
        env={**env, "RATECARD_CACHE": str(tmp_path / "cache")},
        input=record,
    )
    assert Decimal(json.loads(run.stdout)["total"]) == Decimal("0.0035")
