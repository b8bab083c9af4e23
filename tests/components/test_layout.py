"""The layout's rules, checked on the source: components stand alone, files stay readable, and an import
kept inside a function says why (start-up time or an optional dependency; never to break a cycle)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = sorted((ROOT / "components").rglob("*.py"))
WIRING = COMPONENTS + sorted((ROOT / "serve").rglob("*.py")) + sorted((ROOT / "flows").glob("*.py"))


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node, node.names[0].name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, node.module


def _imports_by_function(tree: ast.AST):
    """(function, the imports in its body) for each function not inside another: a nested factory shares its
    outer function's reason."""
    nested: set[int] = set()
    for function in ast.walk(tree):  # breadth first: an outer function comes before the ones inside it
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or id(function) in nested:
            continue
        inner = [n for statement in function.body for n in ast.walk(statement)]
        nested.update(id(n) for n in inner if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
        imports = [n for n in inner if isinstance(n, ast.Import | ast.ImportFrom)]
        if imports:
            yield function, imports


def test_components_import_neither_flows_nor_serve():
    found = [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
             for path in COMPONENTS for node, name in _imports(ast.parse(path.read_text()))
             if name.split(".")[0] in ("flows", "serve")]
    assert found == []


def test_no_component_file_is_over_350_lines():
    long = {str(p.relative_to(ROOT)): n for p in COMPONENTS if (n := len(p.read_text().splitlines())) > 350}
    assert long == {}


@pytest.mark.parametrize("path", WIRING, ids=lambda p: str(p.relative_to(ROOT)))
def test_an_import_inside_a_function_says_why(path):
    source = path.read_text()
    tree, lines = ast.parse(source), source.splitlines()
    if "import what they use inside themselves" in (ast.get_docstring(tree) or ""):
        return  # the CLI's commands: one reason for the whole module, in its docstring
    silent = []
    for function, imports in _imports_by_function(tree):
        # one reason per function: a comment on the imports' lines or in the three lines above the first
        window = lines[max(0, imports[0].lineno - 4): max(n.end_lineno for n in imports)]
        if not any("#" in line for line in window):
            silent.append(f"{function.name}: {lines[imports[0].lineno - 1].strip()}")
    assert silent == [], "say why the import is not at the top (start-up time, optional dependency)"
