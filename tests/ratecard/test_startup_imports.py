"""What ``ratecard price`` and ``ratecard validate`` import once their compiled caches are
filled, with the bundled world loaded: none of the heavy libraries that other commands use
(start-up time is measured by tests/bench/bench_world.py; this holds the import graph)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUEST = ROOT / "data" / "samples" / "requests" / "qwen3-5-4b.json"
RECORD = '{"provider": "openai", "model": "gpt-4o", "usage": {"prompt_tokens": 10}}\n'
#: libraries of the card loader, the ledger, the service, the bulk engines and the CLI's
#: progress bars: a warm ``price`` or ``validate`` needs none of them
HEAVY = {
    "alembic",
    "duckdb",
    "fastapi",
    "jsonschema",
    "pydantic",
    "pydantic_core",
    "pyspark",
    "sqlalchemy",
    "starlette",
    "tqdm",
    "uvicorn",
    "yaml",
}
#: prints the top-level modules loaded by one command, after it ran
PROBE = (
    "import json, sys\n"
    "from ratecard.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stderr.write(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _modules(argv: list[str], stdin: str, cache: Path) -> set[str]:
    env = {**os.environ, "RATECARD_CACHE": str(cache)}
    env.pop("RATECARD_DATA", None)  # the default layers: the bundled world under data/
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return set(json.loads(done.stderr.splitlines()[-1]))


@pytest.mark.parametrize(
    ("argv", "stdin", "extra"),
    [
        (["price", "-"], RECORD, {"jsonschema_rs"}),
        (["validate", str(REQUEST)], "", set()),
    ],
    ids=["price", "validate"],
)
def test_a_warm_command_loads_no_heavy_library(
    tmp_path: Path, argv: list[str], stdin: str, extra: set[str]
) -> None:
    cold = _modules(argv, stdin, tmp_path)  # fills the compiled caches
    assert "pydantic" in cold or "yaml" in cold  # the cold run did read the cards
    warm = _modules(argv, stdin, tmp_path)
    assert warm & (HEAVY | extra) == set()
