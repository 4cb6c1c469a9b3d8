"""Imports run one way: the import-linter contracts in pyproject.toml hold, every core module has its layer,
no modules import each other in a circle, and an import inside a function says why it is there."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import grimp
import importlinter.cli  # noqa: F401  (configures import-linter's adapters, as its command does)
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
MARKER = "imported here"  # the comment an import inside a function carries, saying what its deferral buys


def _settings() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]


# The use case, not the command's function: the command configures logging with dictConfig, which turns off
# every logger already made in this process (tests of the app's warnings then capture nothing).
def test_the_import_contracts_hold():
    # The report (each broken contract with the imports that break it) is printed: pytest shows it on failure.
    assert lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)


def test_a_broken_contract_fails_the_run(tmp_path):
    """The check is not vacuous: a contract the code breaks (lms.api imports lms.db) is reported as broken."""
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["lms"]\n\n[[tool.importlinter.contracts]]\n'
                      'name = "lms.api imports no database module"\ntype = "forbidden"\n'
                      'source_modules = ["lms.api"]\nforbidden_modules = ["lms.db"]\nallow_indirect_imports = true\n')
    assert not lint_imports(config_filename=str(config), cache_dir=None, no_logo=True)


def _layered_modules() -> set[str]:
    contract = next(c for c in _settings()["contracts"] if c["type"] == "layers")
    return {name.strip() for layer in contract["layers"] for name in layer.replace("|", ":").split(":")}


def _modules_with_code(package: str) -> list[str]:
    """Every module of the package but its migration scripts and package files that hold only a docstring."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "versions" in parts:
            continue
        tree = ast.parse(path.read_text())
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if all(isinstance(node, ast.Expr) for node in tree.body):
                continue
        found.append(".".join(parts))
    return found


def test_every_core_module_has_a_layer():
    layered = _layered_modules()
    placed = lambda module: any(module == name or module.startswith(name + ".") for name in layered)  # noqa: E731
    missing = [module for module in _modules_with_code("lms") if not placed(module)]
    assert missing == [], f"add these modules to a layer in pyproject.toml ([tool.importlinter]): {missing}"


def test_no_modules_import_each_other_in_a_circle():
    """Modules in one layer may import each other, but never round in a circle (imports for type checking aside:
    they never run)."""
    graph = grimp.build_graph(*_settings()["root_packages"], cache_dir=None, exclude_type_checking_imports=True)
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module < imported and graph.find_shortest_chain(importer=imported, imported=module):
                circles.append((module, imported))
    assert circles == [], f"these modules import each other (directly or through others): {circles}"


def _function_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, says why) of each import inside a function of the file."""
    lines = path.read_text().splitlines()
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child.lineno, _says_why(lines, child)))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse("\n".join(lines)), False)
    return found


def _says_why(lines: list[str], node: ast.Import | ast.ImportFrom) -> bool:
    """The marker on the import's own lines, or in a comment right above it or above the imports it follows."""
    if any(MARKER in lines[number - 1].lower() for number in range(node.lineno, node.end_lineno + 1)):
        return True
    above = node.lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ", "#")):
        if MARKER in lines[above].lower():
            return True
        above -= 1
    return False


def test_imports_inside_functions_say_why():
    """An import inside a function is there only to keep a command's start-up fast, and says so on its line or
    the comment above it; one that only dodged a circle of imports belongs at the top of its module."""
    found = {(path.relative_to(ROOT), line): why for package in ("lms", "certificates")
             for path in sorted((ROOT / package).rglob("*.py")) for line, why in _function_imports(path)}
    unexplained = sorted(f"{path}:{line}" for (path, line), why in found.items() if not why)
    assert unexplained == [], (f"{len(unexplained)} of {len(found)} imports inside functions do not say why "
                               f"(a comment with {MARKER!r}): {unexplained}")
