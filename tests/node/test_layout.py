"""The node package's layering: nothing in it imports the face layer or the runtime that
assembles it, and its subpackages re-export nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import zkpov.node

NODE = Path(zkpov.node.__file__).parent
FACE = ("zkpov.cli", "zkpov.commands", "zkpov.engine", "zkpov.devnet")


def get_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, with ``from X import Y`` giving both X and X.Y."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_node_never_imports_the_face_layer() -> None:
    found = {
        (str(path.relative_to(NODE)), name)
        for path in NODE.rglob("*.py")
        for name in get_imports(path)
        if any(is_under(name, face) for face in FACE)
    }
    assert found == set()


def test_no_service_imports_the_runtime() -> None:
    found = {
        str(path.relative_to(NODE))
        for path in NODE.rglob("*.py")
        if path.name != "runtime.py" and "zkpov.node.runtime" in get_imports(path)
    }
    assert found == set()


def test_subpackages_hold_a_docstring_and_re_export_nothing() -> None:
    inits = sorted(NODE.rglob("__init__.py"))
    assert [p.parent.name for p in inits] == [
        "node", "consensus_io", "ops", "proving", "rpc", "state",
    ]  # fmt: skip
    for path in inits:
        body = ast.parse(path.read_text()).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), path
        assert isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
