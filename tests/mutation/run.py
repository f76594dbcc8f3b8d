"""`make mutation`: mutation testing of the money paths with mutmut 3.

For each target of ``tests/mutation/targets.toml`` (one at a time, at ``nice -n 19``):

1. copy the packages, ``data/``, ``tests/`` and ``pyproject.toml`` into
   ``build/mutation/<target>/`` and give that copy a ``[tool.mutmut]`` section naming the
   target's files and tests (the project's own ``pyproject.toml`` is never touched);
2. ``mutmut run`` there, restricted to the target's functions when it lists some: mutmut
   writes each mutant as a variant of its function, runs the target's tests once to learn
   which tests call which function, then runs each mutant against only those tests;
3. read mutmut's per-file results and count, per target, the mutants generated, killed,
   survived, timed out (counted as detected), with no covering test (counted as survived),
   and marked equivalent in ``tests/mutation/equivalent.toml`` (left out of the score).

The score is ``(killed + timed out) / (generated - equivalent)``. The report is written to
``build/mutation-report.json`` (with the diff of every surviving mutant) and printed as a
table. ``--target NAME`` (repeatable) runs only those targets; ``--jobs N`` sets mutmut's
worker count (default 2).

Exit status: 0 when every target run reached ``--fail-under`` (default 0: report only),
1 otherwise, 2 on a usage or tool error.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUILD = ROOT / "build" / "mutation"
REPORT = ROOT / "build" / "mutation-report.json"
PACKAGES = ("catalog", "billing", "ratecard")
COPIED = (*PACKAGES, "data", "tests")
IGNORE = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc", ".mypy_cache")

KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}


def load_targets() -> list[dict[str, Any]]:
    with (HERE / "targets.toml").open("rb") as f:
        targets: list[dict[str, Any]] = tomllib.load(f)["target"]
    return targets


Change = tuple[str, str, str]  #: (function, the line before, the line after)


def load_equivalents() -> dict[Change, str]:
    """(function, before, after) → reason. Keyed by what the mutant changes, not by mutmut's
    number for it: the entry stays right when other mutants of the function come and go."""
    with (HERE / "equivalent.toml").open("rb") as f:
        entries = tomllib.load(f).get("equivalent", [])
    return {(e["function"], e["before"].strip(), e["after"].strip()): e["reason"] for e in entries}


def function_of(name: str) -> str:
    """``billing.rating.xǁ_Tablesǁget__mutmut_3`` → ``_Tables.get``."""
    mangled = name.partition("__mutmut_")[0].rsplit(".", 1)[-1]
    if mangled.startswith("xǁ"):
        return ".".join(mangled[2:].split("ǁ"))
    return mangled.removeprefix("x_")


def change_of(name: str, diff: str) -> Change:
    """The first line the mutant removes and the first it adds ("" for none)."""
    lines = diff.splitlines()
    before = next((ln[1:].strip() for ln in lines if ln.startswith("-")), "")
    after = next((ln[1:].strip() for ln in lines if ln.startswith("+")), "")
    return function_of(name), before, after


def module_of(path: str) -> str:
    return path[: -len(".py")].replace("/", ".").removesuffix(".__init__")


def patterns(target: dict[str, Any]) -> list[str]:
    """mutmut mutant-name globs: every function of the files, or only the listed ones."""
    out = []
    for path in target["files"]:
        module = module_of(path)
        functions = target.get("functions")
        if not functions:
            out.append(f"{module}.x*__mutmut_*")
            continue
        for name in functions:
            if "." in name:
                cls, meth = name.split(".", 1)
                out.append(f"{module}.xǁ{cls}ǁ{meth}__mutmut_*")
            else:
                out.append(f"{module}.x_{name}__mutmut_*")
    return out


def prepare(target: dict[str, Any], workdir: Path, *, resume: bool = False) -> None:
    """A fresh working copy for ``target``; with ``resume``, the last run's copy with the
    project's current code and tests copied over it (mutmut then mutates again only the
    functions that changed and keeps the verdicts of the others)."""
    if workdir.exists() and not resume:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, workdir / name, ignore=IGNORE, dirs_exist_ok=True)
    sources = [p for p in PACKAGES if (ROOT / p).is_dir()]
    section = {
        "source_paths": sources,
        "only_mutate": list(target["files"]),
        "also_copy": ["data"],
        "pytest_add_cli_args_test_selection": list(target["tests"]),
        "pytest_add_cli_args": [
            "-p",
            "no:cacheprovider",
            "-x",
            "-q",
            *target.get("pytest_args", []),
        ],
        "use_git_change_detection": False,
    }
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lines = ["", "[tool.mutmut]"]
    for key, value in section.items():
        lines.append(f"{key} = {json.dumps(value)}")
    (workdir / "pyproject.toml").write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def reset_undetected(workdir: Path) -> int:
    """Forget the verdict of every mutant the last run did not detect (survived, no tests),
    so that ``mutmut run`` checks them again against the current tests. Returns how many."""
    count = 0
    for meta in (workdir / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data.get("exit_code_by_key", {})
        again = [k for k, v in codes.items() if v in SURVIVED | NO_TESTS]
        for key in again:
            codes[key] = None
        if again:
            meta.write_text(json.dumps(data), encoding="utf-8")
            count += len(again)
    return count


def mutmut(workdir: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run mutmut in ``workdir`` at the lowest priority; its output goes to ``log`` (when
    given) or is captured."""
    exe = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "RATECARD_MUTATION": "1"}
    command = ["nice", "-n", "19", str(exe), *args]
    if log is None:
        return subprocess.run(
            command, cwd=workdir, env=env, text=True, capture_output=True, check=False
        )
    with log.open("w", encoding="utf-8") as out:
        return subprocess.run(
            command,
            cwd=workdir,
            env=env,
            text=True,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )


def results(workdir: Path, globs: list[str]) -> dict[str, int | None]:
    """Every selected mutant's exit code, from mutmut's per-file ``.meta`` files."""
    codes: dict[str, int | None] = {}
    for meta in (workdir / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            if any(fnmatch.fnmatchcase(name, g) for g in globs):
                codes[name] = code
    return codes


def diff_of(workdir: Path, name: str) -> str:
    shown = mutmut(workdir, "show", name)
    lines = [
        line
        for line in shown.stdout.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(lines)


def run_target(
    target: dict[str, Any],
    jobs: int,
    equivalents: dict[Change, str],
    *,
    report_only: bool = False,
    resume: bool = False,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    previous = previous or {}
    #: diffs the last report already holds (mutmut show costs a second or two each)
    known_diffs = {
        e["mutant"]: e["diff"]
        for e in (*previous.get("survivors", []), *previous.get("equivalents", []))
    }
    workdir = BUILD / target["name"]
    globs = patterns(target)
    log = BUILD / f"{target['name']}.log"
    if report_only:  # the results of the last run, scored again (equivalent.toml edited)
        returncode, seconds = 0, previous.get("seconds", 0.0)
    else:
        resume = resume and (workdir / "mutants").is_dir()
        prepare(target, workdir, resume=resume)
        if resume:
            print(f"   resuming: {reset_undetected(workdir)} undetected mutants checked again")
        started = time.monotonic()
        returncode = mutmut(workdir, "run", "--max-children", str(jobs), *globs, log=log).returncode
        seconds = round(time.monotonic() - started, 1)
    codes = results(workdir, globs) if workdir.is_dir() else {}
    if returncode != 0 or not codes:
        return {
            "error": f"mutmut run exited {returncode} with {len(codes)} results; see {log}",
            "seconds": seconds,
        }
    counts = {
        "generated": len(codes),
        "killed": 0,
        "survived": 0,
        "no_tests": 0,
        "timed_out": 0,
        "equivalent": 0,
        "other": 0,
        "not_checked": 0,
    }
    survivors: list[dict[str, str]] = []
    used: set[Change] = set()
    marked: list[dict[str, str]] = []
    for name, code in sorted(codes.items()):
        if code is None:  # the run was stopped before this mutant: left out of the score
            counts["not_checked"] += 1
            continue
        if code in KILLED:
            counts["killed"] += 1
            continue
        if code in TIMEOUT:
            counts["timed_out"] += 1
            continue
        diff = known_diffs.get(name) or diff_of(workdir, name)
        change = change_of(name, diff)
        if change in equivalents:
            counts["equivalent"] += 1
            used.add(change)
            marked.append({"mutant": name, "reason": equivalents[change], "diff": diff})
            continue
        if code in SURVIVED:
            counts["survived"] += 1
            status = "survived"
        elif code in NO_TESTS:
            counts["no_tests"] += 1
            status = "no tests"
        else:
            counts["other"] += 1
            status = f"exit {code}"
        function, before, after = change
        survivors.append(
            {
                "mutant": name,
                "status": status,
                "function": function,
                "before": before,
                "after": after,
                "diff": diff,
            }
        )
    functions = {function_of(name) for name in codes}
    #: entries for this target's functions that matched no mutant: the code moved on
    stale = sorted(
        f"{f}: {b} -> {a}" for (f, b, a) in equivalents if f in functions and (f, b, a) not in used
    )
    judged = counts["generated"] - counts["equivalent"] - counts["not_checked"]
    detected = counts["killed"] + counts["timed_out"]
    if judged <= 0 and counts["not_checked"]:
        return {"error": "the run was stopped before any mutant was checked", "seconds": seconds}
    score = round(100 * detected / judged, 1) if judged else 100.0
    return {
        "files": target["files"],
        "functions": target.get("functions", []),
        "tests": target["tests"],
        **counts,
        "score": score,
        "partial": counts["not_checked"] > 0,
        #: this invocation's time; a resumed run only checked the mutants undetected before
        "seconds": seconds,
        "resumed": resume,
        "survivors": survivors,
        "equivalents": marked,
        "stale_equivalents": stale,
    }


def table(report: dict[str, Any]) -> str:
    head = (
        "target",
        "generated",
        "killed",
        "timed out",
        "survived",
        "no tests",
        "equivalent",
        "not checked",
        "score",
        "s",
    )
    rows = [head]
    for name, r in report["targets"].items():
        if "error" in r:
            rows.append((name, "error", r["error"], "", "", "", "", "", "", str(r["seconds"])))
            continue
        rows.append(
            (
                name,
                str(r["generated"]),
                str(r["killed"]),
                str(r["timed_out"]),
                str(r["survived"]),
                str(r["no_tests"]),
                str(r["equivalent"]),
                str(r.get("not_checked", 0)),
                f"{r['score']}%",
                str(r["seconds"]) + (" (resumed)" if r.get("resumed") else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", help="run only this target (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="mutmut workers (default 2)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 below this score")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="score the last run again (after editing equivalent.toml) without running mutmut",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the last run's verdicts: check again only its undetected mutants and the "
        "functions changed since (after adding tests to files already in the target; mutmut "
        "starts afresh when the target's test list or pytest arguments changed)",
    )
    args = parser.parse_args(argv)
    targets = load_targets()
    names = [t["name"] for t in targets]
    for wanted in args.target or []:
        if wanted not in names:
            print(f"unknown target {wanted!r}; targets: {', '.join(names)}", file=sys.stderr)
            return 2
    chosen = [t for t in targets if not args.target or t["name"] in args.target]
    equivalents = load_equivalents()
    report: dict[str, Any] = {"tool": "mutmut", "targets": {}}
    if REPORT.exists() and (args.target or args.report_only):  # keep the other targets' figures
        report["targets"] = json.loads(REPORT.read_text(encoding="utf-8")).get("targets", {})
        report["targets"] = {k: v for k, v in report["targets"].items() if k in names}
    for target in chosen:
        print(f"== {target['name']}: {', '.join(target['files'])}", flush=True)
        report["targets"][target["name"]] = run_target(
            target,
            args.jobs,
            equivalents,
            report_only=args.report_only,
            resume=args.resume,
            previous=report["targets"].get(target["name"]),
        )
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    for name, r in report["targets"].items():
        for s in r.get("survivors", []):
            print(f"{name}: {s['status']}: {s['mutant']}\n    " + s["diff"].replace("\n", "\n    "))
        for s in r.get("stale_equivalents", []):
            print(f"{name}: stale equivalent entry (the mutant changed): {s}")
    print(f"report: {REPORT.relative_to(ROOT)}")
    bad = [n for n, r in report["targets"].items() if "error" in r or r["score"] < args.fail_under]
    if any("error" in report["targets"][n] for n in bad):
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
