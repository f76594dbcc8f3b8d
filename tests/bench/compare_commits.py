"""The pricing bench of several git trees, interleaved in one run (issue 10's bench check).

    .venv/bin/python tests/bench/compare_commits.py [--base REF] [--also REF ...]
        [--bench price ...] [--rounds N] [--full] [--limit 0.10]

Issue 10 asks that ``make bench`` still print the pricing figures and that no figure drop by
more than 10% against the same run before the change. This script makes that one run:

- The trees: BASE (by default main just before issue 10 landed, found as below), each
  ``--also REF`` (by default the commit issue 10 landed as), and this working tree, with its
  uncommitted changes. Each REF is checked out with ``git worktree add --detach`` into a
  temporary directory, removed at the end.
- The same bench code on every tree: this tree's ``tests/bench/bench_<name>.py`` is copied
  into each checked-out tree, whose own packages and cards it then imports (a bench puts its
  tree's root first on ``sys.path``), so only the code under test differs.
- Interleaved: round after round, each tree's bench runs once in a fresh interpreter (A B C,
  A B C, ...), so a noisy neighbour on a shared machine slows every tree alike; each figure is
  the best of its rounds.
- Printed: each figure of each tree, and its ratio to BASE; a figure that is worse than BASE
  by more than ``--limit`` (10%) in this tree is marked DROP and makes the exit status 1.
- ``--instructions`` also counts the CPU instructions per record of ``billing.price`` on the
  bench's records in each tree with valgrind's cachegrind: a count that does not depend on
  the load of a shared machine, where timed figures of separate processes can differ by 3x
  from one round to the next.

Finding issue 10's landing: the merge commit whose subject starts with
``Merge branch 'issue-10'`` (BASE: its first parent); when issue 10 was fast-forwarded into
main (no such commit exists), the ``merge issue-10: Fast-forward`` entry of main's reflog
(BASE: main before it). ``--base`` names BASE directly. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ISSUE_MERGE = "Merge branch 'issue-10'"
ISSUE_BRANCH = "issue-10"


def git(*args: str, cwd: Path = ROOT) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def short(ref: str) -> str:
    return git("rev-parse", "--short", ref)


def subject(ref: str) -> str:
    return git("log", "-1", "--format=%s", ref)


def issue_landing() -> tuple[str, str, str]:
    """(before, after, how it was found) for issue 10's landing on main."""
    merges = git("log", "--merges", "--format=%H%x09%P%x09%s", "main").splitlines()
    for row in merges:
        sha, parents, what = row.split("\t", 2)
        if what.startswith(ISSUE_MERGE):
            first = parents.split()[0]
            return first, sha, f"merge commit {sha[:9]} ({ISSUE_MERGE}...), first parent"
    # a fast-forward leaves no merge commit; main's reflog still says where it moved
    reflog = git("reflog", "show", "--format=%H %gs", "main").splitlines()
    for i, row in enumerate(reflog):
        sha, _, what = row.partition(" ")
        if what.startswith(f"merge {ISSUE_BRANCH}:") and i + 1 < len(reflog):
            before = reflog[i + 1].split(" ", 1)[0]
            return (
                before,
                sha,
                f"no '{ISSUE_MERGE}' commit exists: main's reflog says '{what}' "
                f"({before[:9]} -> {sha[:9]})",
            )
    raise SystemExit(
        f"cannot find where {ISSUE_BRANCH} landed on main (no '{ISSUE_MERGE}' commit, no "
        "reflog entry); name the tree before it with --base REF"
    )


def checkout(ref: str, stack: ExitStack) -> Path:
    """``ref`` in a temporary git worktree, removed when ``stack`` closes."""
    tmp = Path(tempfile.mkdtemp(prefix="ratecard-compare-"))
    path = tmp / "tree"
    git("worktree", "add", "--detach", "--quiet", str(path), ref)

    def remove() -> None:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(path)],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)

    stack.callback(remove)
    return path


def run_bench(tree: Path, bench: str, quick: bool) -> list[dict[str, Any]]:
    """One run of this tree's bench file against ``tree``'s packages, in a fresh process
    (tests/bench/report.py's child mode)."""
    path = tree / "tests" / "bench" / f"bench_{bench}.py"
    with tempfile.TemporaryDirectory(prefix="ratecard-compare-out-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [sys.executable, str(HERE / "report.py"), "--child", str(path)]
        command += ["--out", str(out)] + (["--quick"] if quick else [])
        subprocess.run(command, cwd=tree, check=False)
        if not out.exists():
            return [{"name": f"{bench}: crashed", "value": None, "error": "no result"}]
        rows: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        return rows


#: --instructions: price N records of the bench's data in a tree (argv: tree, kind, N)
_COUNTED = """
import sys
sys.path[:0] = [sys.argv[1] + "/tests/bench", sys.argv[1]]
import bench_price as bp
from billing import parse_record, price
from billing.rating import bundled_catalog
kind, n = sys.argv[2], int(sys.argv[3])
catalog = bundled_catalog()
if kind == "dict":
    records = [{k: v for k, v in r.items() if k != "_genai"} for r in bp.fair_records(3000)]
else:
    records = [parse_record(r, i + 1) for i, r in enumerate(bp.make_records(3000))]
price(records[0], catalog)
for record in records[:n]:
    price(record, catalog)
"""
COUNTED_KINDS = {
    "dict": "billing.price(dict), the fair headline's records",
    "parsed": "billing.price on parsed records (the old headline's)",
}


def instructions(tree: Path, kind: str, n: int = 3000) -> float | None:
    """CPU instructions per record (valgrind's cachegrind: the same count whatever the load;
    the run with n records less the run with none, both after a warm-up run), or None
    without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    counts = []
    # a first, uncounted run builds the tree's compiled catalog cache (the bundled world),
    # which the counted runs then only read: else the run with no records pays for the build
    for size in (0, 0, n):
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
        command += ["--cachegrind-out-file=/dev/null", sys.executable, "-c", _COUNTED]
        command += [str(tree), kind, str(size)]
        proc = subprocess.run(
            command,
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
        if proc.returncode or not found:
            return None
        counts.append(int(found.group(1).replace(",", "")))
    return (counts[2] - counts[1]) / n


def better(row: dict[str, Any], a: float, b: float) -> bool:
    lower = (row.get("target") or {}).get("op") == "<="
    return a < b if lower else a > b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="the tree before the change (default: before issue 10)")
    parser.add_argument(
        "--also", nargs="*", help="more refs to measure (default: issue 10's landing)"
    )
    parser.add_argument("--bench", nargs="*", default=["price"], help="bench names (price)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--full", action="store_true", help="full data (default: --quick)")
    parser.add_argument("--limit", type=float, default=0.10, help="largest drop allowed")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count CPU instructions per record with valgrind (independent of the load)",
    )
    args = parser.parse_args(argv)

    if args.base:
        base, also, how = args.base, list(args.also or []), "--base"
    else:
        base, after, how = issue_landing()
        also = list(args.also) if args.also is not None else [after]
    labels = [f"base {short(base)}"] + [f"{short(ref)}" for ref in also]
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    labels.append(f"this tree ({short('HEAD')}{' + changes' if dirty else ''})")
    print(f"base: {short(base)} {subject(base)[:70]}")
    print(f"      found by: {how}")
    for ref in also:
        print(f"also: {short(ref)} {subject(ref)[:70]}")
    print(f"this: {ROOT} at {short('HEAD')} {subject('HEAD')[:60]}")
    print(
        f"benches: {', '.join(args.bench)}; {args.rounds} interleaved rounds, "
        f"{'full' if args.full else 'quick'} data; best of the rounds per figure"
    )

    best: list[dict[str, dict[str, Any]]] = [{} for _ in labels]
    with ExitStack() as stack:
        trees = [checkout(ref, stack) for ref in [base, *also]] + [ROOT]
        for tree in trees[:-1]:  # the same bench code on every tree
            for bench in args.bench:
                shutil.copy2(HERE / f"bench_{bench}.py", tree / "tests" / "bench")
        for round_ in range(args.rounds):
            for i, tree in enumerate(trees):
                print(f"round {round_ + 1}/{args.rounds}: {labels[i]} ...", flush=True)
                for bench in args.bench:
                    rows = run_bench(tree, bench, not args.full)
                    for row in list(rows):  # each ratio to a baseline of the same run, too
                        for what, ratio in (row.get("ratios") or {}).items():
                            if what != "vs target":
                                rows.append(
                                    {"name": f"{row['name']} [{what}]", "value": ratio, "unit": "x"}
                                )
                    for row in rows:
                        value = row.get("value")
                        seen = best[i].get(row["name"])
                        if seen is None or (
                            isinstance(value, int | float)
                            and (seen.get("value") is None or better(row, value, seen["value"]))
                        ):
                            best[i][row["name"]] = row
        if args.instructions:
            for kind, what in COUNTED_KINDS.items():
                name = f"instructions per record: {what}"
                print(f"counting {name} ...", flush=True)
                for i, tree in enumerate(trees):
                    count = instructions(tree, kind)
                    # fewer is better: the target's op says so to show()
                    best[i][name] = {
                        "name": name,
                        "value": count,
                        "unit": "instr",
                        "target": {"op": "<=", "value": 0},
                    }
    return show(labels, best, args.limit)


def show(labels: list[str], best: list[dict[str, dict[str, Any]]], limit: float) -> int:
    names = list(best[-1]) + [n for n in best[0] if n not in best[-1]]
    width = max(len(n) for n in names)
    print()
    print("figure".ljust(width) + "".join(f"  {label[:26]:>26}" for label in labels))
    print("-" * (width + 28 * len(labels)))
    drops = []
    for name in names:
        cells = []
        base_row = best[0].get(name)
        base_value = base_row.get("value") if base_row else None
        for i, _ in enumerate(labels):
            row = best[i].get(name)
            value = row.get("value") if row else None
            if not isinstance(value, int | float):
                cells.append("-")
                continue
            text = f"{value:,.1f}×" if row and row.get("unit") == "x" else f"{value:,.0f}"
            if i and isinstance(base_value, int | float) and base_value:
                ratio = value / base_value
                text += f" ({ratio:.2f}×)"
                lower = ((row or {}).get("target") or {}).get("op") == "<="
                worse = ratio - 1 if lower else 1 - ratio
                if i == len(labels) - 1 and worse > limit:
                    text += " DROP"
                    drops.append(name)
            cells.append(text)
        print(name.ljust(width) + "".join(f"  {c:>26}" for c in cells))
    print()
    print("(ratio): this figure / the base's, same run; units as make bench prints them")
    if drops:
        print(f"{len(drops)} figure(s) of this tree dropped more than {limit:.0%} below the base:")
        for name in drops:
            print(f"DROP: {name}")
        return 1
    print(f"no figure of this tree is more than {limit:.0%} worse than the base's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
