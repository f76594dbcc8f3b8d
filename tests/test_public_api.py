"""Each package's public surface, as httpx keeps its own (tests/test_exported_members.py):
``__all__`` sorted and equal to the lazy-import table and to the ``TYPE_CHECKING`` imports,
every name resolving to what its module defines; ``billing.price`` shows only what callers
pass; an import inside a function says why (start-up time) in a comment."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _type_checking_imports(package: str) -> dict[str, str]:
    """name → module (relative, dotted) of the imports under ``if TYPE_CHECKING:``."""
    tree = ast.parse((ROOT / package / "__init__.py").read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for sub in node.body:
                assert isinstance(sub, ast.ImportFrom) and sub.level == 1, ast.unparse(sub)
                for alias in sub.names:
                    found[alias.asname or alias.name] = sub.module or ""
    return found


@pytest.mark.parametrize("package", ["catalog", "billing"])
def test_all_lazy_table_and_type_checking_imports_agree(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert exported == sorted(exported), "keep __all__ sorted"
    assert len(set(exported)) == len(exported)
    lazy = module._LAZY
    assert set(lazy) == set(exported)
    assert _type_checking_imports(package) == lazy
    for name in exported:
        value = getattr(module, name)
        home = importlib.import_module(f"{package}.{lazy[name]}")
        assert getattr(home, name) is value, name


def test_billing_exports_what_users_call() -> None:
    import billing

    for name in ("price", "price_stream", "estimate", "audit_stream", "explain_line"):
        assert callable(getattr(billing, name)), name
    for name in ("Charge", "Line", "Estimate", "Finding", "Priced", "BillingError"):
        assert isinstance(getattr(billing, name), type), name


def test_price_shows_no_private_parameters() -> None:
    import billing

    assert list(inspect.signature(billing.price).parameters) == ["record", "catalog"]


def _function_imports_without_a_reason() -> list[str]:
    bare = []
    for package in ("catalog", "billing", "ratecard"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for sub in ast.walk(node):
                    if not isinstance(sub, ast.Import | ast.ImportFrom):
                        continue
                    # the comment is on the import's line or above its block of imports
                    row = sub.lineno - 1
                    while row > 0 and lines[row - 1].lstrip().startswith(("from ", "import ")):
                        row -= 1
                    above = lines[row - 1].strip() if row > 0 else ""
                    block = lines[row : sub.lineno]
                    if not any("#" in text for text in block) and not above.startswith("#"):
                        bare.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    return bare


def test_an_import_inside_a_function_says_why() -> None:
    assert _function_imports_without_a_reason() == []
