"""``--db`` that cannot be used as given (hostile item 10): a read-only database, tested for
real, and every kind of bad path or URL, for every command that takes ``--db``.

The tests run as root, where file permissions do not stop writes, so the read-only commands
run in a subprocess that has dropped the capabilities that let root ignore them
(``setpriv --bounding-set=-dac_override,...``): the file and its directory are then as
read-only for it as for any user. Each command that writes answers with one sentence and
exit status 2 (the database cannot be used: README, "Exit status"), writes nothing, and
shows no traceback; the commands that only read work.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ratecard.cli import main

# qwen3-5-4b: input 0.04, output 0.07 per 1M tokens (seed 001).
# r1: 1,000,000 input × 0.04 / 1M = 0.04; 100,000 output × 0.07 / 1M = 0.007; total 0.047
# r2: 500,000 input × 0.04 / 1M = 0.02; total 0.02. October: 0.067 exact; lines: input
# 0.06 -> 0.06, output 0.007 -> 0.01; total 0.07.
RECORDS = [
    {
        "id": "r1",
        "customer": "acme",
        "model": "qwen3-5-4b",
        "timestamp": "2026-10-05T10:00:00Z",
        "usage": {"prompt_tokens": 1_000_000, "completion_tokens": 100_000},
    },
    {
        "id": "r2",
        "customer": "acme",
        "model": "qwen3-5-4b",
        "timestamp": "2026-10-06T10:00:00Z",
        "usage": {"prompt_tokens": 500_000, "completion_tokens": 0},
    },
    {
        "id": "g1",
        "customer": "globex",
        "model": "qwen3-5-4b",
        "timestamp": "2026-10-07T10:00:00Z",
        "usage": {"prompt_tokens": 1000, "completion_tokens": 10},
    },
]
DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def _unprivileged() -> list[str]:
    """The prefix that runs a command without root's power over file permissions."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's file capabilities")
    return DROP


def _ratecard(*argv: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from ratecard.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "RATECARD_DEBUG": "", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [*_unprivileged(), sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def read_only_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A ledger with acme's October invoice finalised and globex's usage not invoiced, in a
    directory made read-only (file 0444, directory 0555)."""
    folder = tmp_path_factory.mktemp("ro") / "ledger"
    folder.mkdir()
    db = folder / "ledger.db"
    usage = folder.parent / "usage.jsonl"
    usage.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    assert main(["ingest", "--create", "--db", str(db), "--no-progress", str(usage)]) == 0
    assert (
        main(["issuer", "set", "--db", str(db), "--name", "Example Ltd", "--address", "1 St"]) == 0
    )
    argv = ["invoice", "--db", str(db), "--customer", "acme", "--period", "2026-10"]
    assert main([*argv, "--finalize"]) == 0  # October has ended (today is 2026-11-30)
    folder.joinpath("ledger.db-wal").unlink(missing_ok=True)
    folder.joinpath("ledger.db-shm").unlink(missing_ok=True)
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run(
        [*_unprivileged(), sys.executable, "-c", f"open({str(db)!r}, 'r+b')"],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0:
        pytest.skip("this process cannot drop root's power to write read-only files")
    yield db
    folder.chmod(stat.S_IRWXU)
    db.chmod(0o644)


WRITERS = {
    "ingest": ["ingest", "{usage}"],
    "invoice (a draft)": ["invoice", "--customer", "globex", "--period", "2026-10"],
    "invoice --finalize": [
        "invoice",
        "--customer",
        "globex",
        "--period",
        "2026-10",
        "--finalize",
    ],
    "invoice --void": ["invoice", "--customer", "acme", "--period", "2026-10", "--void"],
    "credit-note": [
        "credit-note",
        "--customer",
        "acme",
        "--period",
        "2026-10",
        "--amount",
        "0.01",
        "--reason",
        "goodwill",
    ],
    "customer set": ["customer", "set", "acme", "--name", "Acme"],
    "issuer set": ["issuer", "set", "--name", "Other Ltd"],
    "tenant create": ["tenant", "create", "gateway"],
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_a_command_that_writes_says_the_database_is_read_only(
    name: str, read_only_ledger: Path
) -> None:
    before = _digest(read_only_ledger.parent)
    usage = str(read_only_ledger.parent.parent / "usage.jsonl")
    argv = [a.replace("{usage}", usage) for a in WRITERS[name]]
    done = _ratecard(*argv, "--db", str(read_only_ledger))
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ratecard: "), done.stderr
    assert "read-only" in lines[0] and "Traceback" not in done.stderr
    assert "None" not in lines[0] and "?." not in lines[0]
    if name.startswith("invoice (a draft)"):
        assert "showing a draft writes to it" in lines[0]
    assert _digest(read_only_ledger.parent) == before  # nothing was written
    if name in ("ingest", "credit-note"):
        done = _ratecard(*argv, "--db", str(read_only_ledger), "--json")
        error = json.loads(done.stdout)["error"]
        assert error["status"] == 2 and "read-only" in error["message"]


def test_reading_a_read_only_database_works(read_only_ledger: Path) -> None:
    before = _digest(read_only_ledger.parent)
    db = ["--db", str(read_only_ledger)]
    done = _ratecard("db", "current", *db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"sqlite:///{read_only_ledger}: revision ")
    done = _ratecard("db", "upgrade", *db)  # already the newest: nothing to write
    assert done.returncode == 0, done.stderr
    done = _ratecard("customer", "show", "acme", *db)
    assert done.returncode == 0 and "acme" in done.stdout, done.stderr
    done = _ratecard("issuer", "show", *db)
    assert done.returncode == 0 and "Example Ltd" in done.stdout, done.stderr
    # the finalised invoice, in full: 0.04 + 0.02 = 0.06 input, 0.007 -> 0.01 output
    argv = ["invoice", *db, "--customer", "acme", "--period", "2026-10", "--with-events"]
    done = _ratecard(*argv, "--json", "-")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["document_number"], doc["total"], doc["precise_total"]) == (
        "INV-000001",
        "0.07",
        "0.067",
    )
    assert [(e["id"], e["amount"]) for e in doc["event_charges"]] == [
        ("r1", "0.047"),
        ("r2", "0.02"),
    ]
    done = _ratecard("rate", *db, "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    assert _digest(read_only_ledger.parent) == before


# Every command that takes --db (with what else it needs), for the bad --db values below.
TAKES_DB = {
    "ingest": ["ingest", "{usage}"],
    "invoice": ["invoice", "--customer", "acme", "--period", "2026-10"],
    "credit-note": [
        "credit-note",
        "--customer",
        "acme",
        "--period",
        "2026-10",
        "--amount",
        "1",
        "--reason",
        "x",
    ],
    "db current": ["db", "current"],
    "db upgrade": ["db", "upgrade"],
    "rate": ["rate", "--period", "2026-10"],
    "customer show": ["customer", "show", "acme"],
    "issuer set": ["issuer", "set", "--name", "X"],
    "export-events": ["export-events", "--period", "2026-10", "--out", "{tmp}/ev"],
    "tenant create": ["tenant", "create", "gateway"],
}
BAD_DB = {
    "empty": ("", "--db is empty"),
    "in memory": (":memory:", "in-memory database keeps nothing"),
    "sqlite in memory": ("sqlite://", "in-memory database keeps nothing"),
    "mysql": ("mysql://u@localhost/db", "mysql databases are not supported"),
    "malformed URL": ("postgresql://u@host:port/db", "is not a database URL"),
    "unparseable URL": ("://nothing", "is not a database URL"),
    "directory": ("{tmp}", "is a directory"),
    "under a file": ("{tmp}/file.txt/ledger.db", "is a file, not a directory"),
    "not SQLite": ("{tmp}/file.txt", "not a ratecard database"),
    "missing": ("{tmp}/typo.db", "no database at"),
}


@pytest.mark.parametrize("kind", sorted(BAD_DB))
@pytest.mark.parametrize("name", sorted(TAKES_DB))
def test_a_bad_db_is_a_sentence_and_nothing_is_created(
    name: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("not a database\n")
    (tmp_path / "usage.jsonl").write_text(json.dumps(RECORDS[0]) + "\n")
    value, said = BAD_DB[kind]
    value = value.replace("{tmp}", str(tmp_path))
    argv = [a.replace("{usage}", str(tmp_path / "usage.jsonl")) for a in TAKES_DB[name]]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    before = sorted(p.name for p in tmp_path.iterdir())
    cwd = Path.cwd()
    os.chdir(tmp_path)  # --db '' must not fall back to ./ratecard.db
    try:
        code = main([*argv, "--db", value])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    if name in ("db upgrade", "tenant create") and kind == "missing":
        assert code == 0  # how a new database is made (a ledger; a service's first tenant)
        return
    assert code == 2, (out, err)
    assert said in err, err
    assert err.startswith("ratecard: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "None" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created


def test_a_full_device_is_named_in_the_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    usage = tmp_path / "usage.jsonl"
    usage.write_text(json.dumps(RECORDS[0]) + "\n")
    db = str(tmp_path / "ledger.db")
    assert main(["ingest", "--create", "--db", db, "--no-progress", str(usage)]) == 0
    capsys.readouterr()
    argv = ["invoice", "--db", db, "--customer", "acme", "--period", "2026-10"]
    assert main([*argv, "--json", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert err == "ratecard: /dev/full: no space left on the device\n"  # not "the file: ..."
