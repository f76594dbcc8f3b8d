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


def _isort_style(name: str) -> tuple[int, str]:
    """ruff's RUF022 order, which ``make lint`` enforces: CONSTANTS, then Classes, then the
    rest, each group in alphabetical order."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("package", ["catalog", "billing"])
def test_all_lazy_table_and_type_checking_imports_agree(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_style), "keep __all__ sorted"
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


# ratecard/ is an application over the two libraries (issue 9 §5): it imports only what a
# public package exports. A public package is ``catalog``, ``billing`` or one of their
# subpackages whose ``__init__`` defines ``__all__`` (billing.ledger, billing.invoicing,
# billing.sqlrate, catalog.interop, catalog.publish); a module (billing.money) or a package
# without ``__all__`` (catalog.requests) is private to its library.
LIBRARIES = ("catalog", "billing")


def _public_names(package: str) -> frozenset[str] | None:
    """``package``'s ``__all__``, or None when it is not a public package (a module, a package
    without ``__all__``, or a path with a private part)."""
    parts = package.split(".")
    if any(part.startswith("_") for part in parts):
        return None
    init = ROOT.joinpath(*parts, "__init__.py")
    if not init.is_file():
        return None
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return frozenset(value)
    return None


def library_imports_beyond_exports(source: str, where: str = "<text>") -> list[str]:
    """Each import in ``source`` that reaches into ``catalog``/``billing`` past a public
    package's ``__all__``, as ``where:line: what``; [] when there is none."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in LIBRARIES:
                continue
            public = _public_names(node.module)
            if public is None:
                problems.append(f"{where}:{node.lineno}: {node.module} is not a public package")
                continue
            for alias in node.names:
                if alias.name not in public:
                    problems.append(
                        f"{where}:{node.lineno}: {node.module} does not export {alias.name}"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES and _public_names(alias.name) is None:
                    problems.append(f"{where}:{node.lineno}: {alias.name} is not a public package")
    return problems


def test_the_check_catches_reaching_past_the_exports() -> None:
    source = (
        "from billing import price, _plan_at\n"
        "from billing.money import decimal_text\n"
        "from billing.ledger import make_engine, _RETRIES\n"
        "from catalog.requests import validation\n"
        "import billing.sqlrate.plan\n"
        "from catalog.interop import fetch\n"
        "import billing.invoicing\n"
        "from ratecard.cli import main\n"
    )
    assert library_imports_beyond_exports(source) == [
        "<text>:1: billing does not export _plan_at",
        "<text>:2: billing.money is not a public package",
        "<text>:3: billing.ledger does not export _RETRIES",
        "<text>:4: catalog.requests is not a public package",
        "<text>:5: billing.sqlrate.plan is not a public package",
    ]


def test_ratecard_imports_only_exported_names() -> None:
    problems = []
    for path in sorted((ROOT / "ratecard").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        problems += library_imports_beyond_exports(path.read_text(), where)
    assert problems == []


def test_public_subpackages_export_what_they_define() -> None:
    """Every name in a public subpackage's ``__all__`` is there, once."""
    found = []
    for package in LIBRARIES:
        for init in sorted((ROOT / package).rglob("__init__.py")):
            dotted = ".".join(init.parent.relative_to(ROOT).parts)
            if dotted in LIBRARIES or _public_names(dotted) is None:
                continue  # the two top packages: test_all_lazy_table_... above
            found.append(dotted)
            module = importlib.import_module(dotted)
            exported = list(module.__all__)
            assert len(set(exported)) == len(exported), dotted
            for name in exported:
                assert hasattr(module, name), f"{dotted}.{name}"
    assert {"billing.invoicing", "billing.ledger", "billing.sqlrate"} <= set(found)
    assert {"catalog.interop", "catalog.publish"} <= set(found)


def test_the_service_does_not_import_the_command_line() -> None:
    """ratecard/service and ratecard/cli share code only through the libraries' exports."""
    uses = []
    for path in sorted((ROOT / "ratecard" / "service").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            uses += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
                for name in names
                if name == "ratecard.cli" or name.startswith("ratecard.cli.")
            ]
    assert uses == []
