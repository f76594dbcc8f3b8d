"""`ratecard ingest` end to end, on SQLite and PostgreSQL: idempotency, rejects, crashes,
and eight processes at once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from billing.invoicing.lifecycle import invoice
from billing.ledger.charge_lines import stored_lines
from ratecard.cli import main

ROOT = Path(__file__).resolve().parents[3]
RATECARD = [sys.executable, "-c", "import sys; from ratecard.cli import main; sys.exit(main())"]


def rec(i: int, customer: str = "acme", prompt: int = 123, **extra: object) -> str:
    # qwen3-5-flash: prompt * 0.090/1M + 456 * 0.368/1M
    return json.dumps(
        {
            "id": f"evt-{i:05d}",
            "customer": customer,
            "model": "qwen3-5-flash",
            "timestamp": "2026-11-20T10:00:00Z",
            "usage": {"prompt_tokens": prompt, "completion_tokens": 456},
            **extra,
        }
    )


def count(engine: Engine, sql: str = "SELECT count(*) FROM usage_events") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_summary_duplicates_conflicts_and_rejects(
    db_url: str, engine: Engine, tmp_path: Path, capsys: object
) -> None:
    seed = rec(
        1,
        usage={
            "prompt_tokens": 123,
            "completion_tokens": 456,
            "tool_usage": {"web_search": 3, "code_interpreter": 1},
        },
    )
    lines = [
        seed,
        rec(2),
        seed,  # the same record again: a duplicate
        rec(2, prompt=999),  # same id, different payload: a conflict
        json.dumps(
            {
                "id": "rw-1",
                "customer": "acme",
                "model": "alibaba:qwen@3.5-397b",
                "timestamp": "2026-11-20T10:00:00Z",
                "endpoint": "runware.task",
                "usage": {"prompt_tokens": 10, "completion_tokens": 5},
            }
        ),
        "{not json",
    ]
    src = tmp_path / "usage.jsonl"
    src.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.jsonl"
    code = main(["ingest", "--db", db_url, "--rejects", str(rejects), "--json", str(src)])
    assert code == 1
    out = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    # 6 lines = 3 stored (1 of them unpriceable) + 1 duplicate + 1 conflict + 1 invalid
    assert out == {
        "lines": 6,
        "ingested": 3,
        "duplicates": 1,
        "conflicts": 1,
        "invalid": 1,
        "unpriceable": 1,
        "rejected": 2,
        "interrupted": False,
    }
    problems = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [(p["line"], p["id"], p["kind"]) for p in problems] == [
        (4, "evt-00002", "conflict"),
        (5, "rw-1", "unpriceable"),
        (6, None, "invalid"),
    ]
    assert "unpublished" in problems[1]["error"]
    # the unpriceable record is stored, with its reason, and has no charge
    with engine.connect() as conn:
        status, error = conn.execute(
            text("SELECT status, error FROM usage_events WHERE event_id = 'rw-1'")
        ).one()
        assert status == "unpriceable" and "unpublished" in error
        assert conn.execute(text("SELECT count(*) FROM charges")).scalar_one() == 2
        assert conn.execute(
            text(
                "SELECT input_tokens, output_tokens FROM usage_events WHERE event_id = 'evt-00002'"
            )
        ).one() == (123, 456)
        assert (
            conn.execute(
                text("SELECT calls FROM usage_tool_calls WHERE tool = 'web_search'")
            ).scalar_one()
            == 3
        )
    # evt-1: 123*0.090/1M + 456*0.368/1M + 3*0.015 = 0.045178878 (the seed check)
    # evt-2: 0.00001107 + 0.000167808 = 0.000178878
    view = invoice(engine, "acme", "2026-11")
    assert view.precise_total == Decimal("0.045357756")
    assert view.unpriceable_events == 1
    # running the file again stores nothing new
    assert main(["ingest", "--db", db_url, "--json", str(src)]) == 1
    again = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert again == {
        "lines": 6,
        "ingested": 0,
        "duplicates": 4,
        "conflicts": 1,
        "invalid": 1,
        "unpriceable": 0,
        "rejected": 1,
        "interrupted": False,
    }
    assert count(engine) == 3


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RATECARD_DATA": str(ROOT / "data")}


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux's /proc; none elsewhere)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(x) for x in (task / "children").read_text().split())
    return found


def test_a_killed_ingest_leaves_whole_batches_and_a_rerun_completes(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    lines = [rec(i, customer=f"c{i % 3}") for i in range(1, 1001)]
    proc = subprocess.Popen(
        # --jobs 2: worker processes (PostgreSQL), which must die with it
        [*RATECARD, "ingest", "--db", db_url, "--batch-size", "100", "--jobs", "2", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    assert proc.stdin is not None
    # three whole batches and half of the fourth, then wait for the three to be committed
    proc.stdin.write("\n".join(lines[:350]) + "\n")
    proc.stdin.flush()
    for _ in range(600):
        if count(engine) >= 300 or proc.poll() is not None:
            break
        time.sleep(0.1)
    workers = _children(proc.pid)  # on PostgreSQL, the processes that parse and price
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    for _ in range(100):  # they die with it (PR_SET_PDEATHSIG): no orphan keeps running
        if not any(Path(f"/proc/{pid}").exists() for pid in workers):
            break
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert count(engine) == 300  # the half batch in memory was never committed
    assert count(engine, "SELECT count(*) FROM charges") == 300
    src = tmp_path / "all.jsonl"
    src.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [*RATECARD, "ingest", "--db", db_url, "--json", str(src)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["duplicates"] == 300
    assert count(engine) == 1000
    with engine.connect() as conn:
        items = conn.execute(text("SELECT lines FROM charges")).scalars()
        assert sum(len(stored_lines(t)) for t in items) == 2000


def test_eight_concurrent_ingests_over_overlapping_files(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    all_lines = [rec(i, customer=f"c{i % 4}") for i in range(600)]
    files = []
    for k in range(8):
        chunk = all_lines[k * 50 : k * 50 + 250]  # each overlaps the next ones
        path = tmp_path / f"part{k}.jsonl"
        path.write_text("\n".join(reversed(chunk) if k % 2 else chunk) + "\n")
        files.append(path)
    procs = [
        subprocess.Popen(
            [*RATECARD, "ingest", "--db", db_url, "--batch-size", "40", "--json", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=tmp_path,
        )
        for f in files
    ]
    results = [p.communicate() for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    summaries = [json.loads(out) for out, _ in results]
    expected = len({line for k in range(8) for line in all_lines[k * 50 : k * 50 + 250]})
    assert sum(s["ingested"] for s in summaries) == expected
    assert sum(s["ingested"] + s["duplicates"] for s in summaries) == 8 * 250
    assert count(engine) == expected
    assert count(engine, "SELECT count(*) FROM charges") == expected
    assert count(engine, "SELECT count(DISTINCT event_id) FROM usage_events") == expected


def _interrupted_run(
    db_url: str, engine: Engine, tmp_path: Path, sig: int, *, from_file: bool
) -> tuple[int, str, int]:
    """Ingest 2,000 records in batches of 50, send ``sig`` once some batches are stored;
    (exit status, stderr, events stored)."""
    lines = [rec(i, customer=f"c{i % 3}") for i in range(1, 2001)]
    src = tmp_path / "all.jsonl"
    src.write_text("\n".join(lines) + "\n")
    argv = [*RATECARD, "ingest", "--db", db_url, "--batch-size", "50", "--no-progress"]
    proc = subprocess.Popen(
        [*argv, str(src) if from_file else "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    assert proc.stdin is not None
    if not from_file:  # half the input, then the reader waits for more
        proc.stdin.write("\n".join(lines[:1020]) + "\n")
        proc.stdin.flush()
    for _ in range(600):
        if count(engine) >= 100 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, count(engine)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("from_file", [True, False], ids=["file", "stdin"])
def test_an_interrupted_ingest_says_what_it_kept_and_a_rerun_completes(
    db_url: str, engine: Engine, tmp_path: Path, sig: int, from_file: bool
) -> None:
    code, err, stored = _interrupted_run(db_url, engine, tmp_path, sig, from_file=from_file)
    assert "Traceback" not in err
    if code == 0:  # the machine was fast enough to finish before the signal
        assert stored == 2000
        return
    assert code == 130, err
    assert f"interrupted: {stored} events stored, run the same command again to finish" in err
    assert stored % 50 == 0 and 0 < stored < 2000  # whole batches, nothing cut
    assert count(engine, "SELECT count(*) FROM charges") == stored
    done = subprocess.run(
        [*RATECARD, "ingest", "--db", db_url, "--json", str(tmp_path / "all.jsonl")],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["duplicates"], summary["ingested"]) == (stored, 2000 - stored)
    assert count(engine) == 2000  # nothing lost, nothing doubled
    assert count(engine, "SELECT count(*) FROM charges") == 2000


def test_summary_numbers_add_up(tmp_path: Path, capsys: object) -> None:
    db = tmp_path / "l.db"
    sample = ROOT / "data" / "samples" / "usage-2026-11.jsonl"
    assert main(["ingest", "--create", "--db", str(db), "--json", str(sample)]) == 1
    s = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    assert s["ingested"] + s["duplicates"] + s["conflicts"] + s["invalid"] == s["lines"]
    non_blank = [x for x in sample.read_text().splitlines() if x.strip()]
    assert s["lines"] == len(non_blank)
