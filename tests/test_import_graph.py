"""The import graph of catalog/, billing/ and ratecard/: no cycle between modules, and no import
in a forbidden direction (catalog imports neither billing nor ratecard; billing does not import
ratecard). Every import counts, at module level, inside a function or under TYPE_CHECKING.

A package's ``__init__`` importing from its own subtree (a re-export) is not an edge of a cycle:
the modules below never need the ``__init__`` to have run first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("catalog", "billing", "ratecard")
FORBIDDEN = {"catalog": ("billing", "ratecard"), "billing": ("ratecard",), "ratecard": ()}


def _modules(root: Path) -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            if "migrations" in path.parts:  # alembic scripts, loaded by alembic, not imported
                continue
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            mods[name] = path
    return mods


def _targets(mods: dict[str, Path], current: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of the project that ``node`` (in module ``current``) may load."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = current.split(".")
            is_package = mods[current].name == "__init__.py"
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
    found = []
    for name in names:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        if name and name != current:
            found.append(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the project modules it imports, re-exports of a package's own subtree left out."""
    mods = _modules(root)
    edges: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(mods, name, node):
                    is_init = path.name == "__init__.py"
                    if is_init and target.startswith(name + "."):
                        continue  # a package re-exporting its own modules
                    if mods[target].name == "__init__.py" and name.startswith(target + "."):
                        continue  # a module importing its own package's __init__
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def forbidden(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} imports {target}"
        for source, targets in edges.items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN[source.split(".")[0]]
    )


def test_no_import_cycle() -> None:
    assert cycles(import_graph(ROOT)) == []


def test_no_forbidden_direction() -> None:
    assert forbidden(import_graph(ROOT)) == []


def test_every_package_is_walked() -> None:
    edges = import_graph(ROOT)
    for pkg in PACKAGES:
        assert pkg in edges
    # the graph sees imports inside functions and under TYPE_CHECKING too
    assert "catalog.cards.loader" in edges["catalog.requests.cache"]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir(exist_ok=True)
    return tmp_path


@pytest.mark.parametrize(
    "files",
    [
        # a cycle hidden inside a function and behind TYPE_CHECKING
        {
            "billing/__init__.py": "",
            "billing/a.py": "def f():\n    from .b import g\n",
            "billing/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from billing.a import f\n",
        },
        # a longer cycle across subpackages
        {
            "catalog/__init__.py": "",
            "catalog/x/__init__.py": "",
            "catalog/x/a.py": "from ..y import b\n",
            "catalog/y/__init__.py": "",
            "catalog/y/b.py": "from catalog.z import c\n",
            "catalog/z.py": "import catalog.x.a\n",
        },
    ],
)
def test_a_cycle_is_found(tmp_path: Path, files: dict[str, str]) -> None:
    assert cycles(import_graph(_tree(tmp_path, files))) != []


def test_a_forbidden_import_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "catalog/__init__.py": "",
            "catalog/m.py": "def f():\n    import billing.rating\n",
            "billing/__init__.py": "",
            "billing/rating.py": "from ratecard.cli import main\n",
            "ratecard/__init__.py": "",
            "ratecard/cli.py": "import catalog\n",
        },
    )
    assert forbidden(import_graph(root)) == [
        "billing.rating imports ratecard.cli",
        "catalog.m imports billing.rating",
    ]
    # an import in an allowed direction is neither a problem nor, alone, a cycle
    assert cycles(import_graph(root)) == []
