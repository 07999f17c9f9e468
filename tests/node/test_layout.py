"""The node package's layering: its services import only services below them (no circles),
nothing in it imports the face layer, and its subpackages re-export nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import zkpov.node

NODE = Path(zkpov.node.__file__).parent
FACE = ("zkpov.cli", "zkpov.commands", "zkpov.engine", "zkpov.devnet")
# top first; the attack modes sit beside the runtime, which may not import them; the runtime
# builds its proving parts through prover_assembly
LAYERS = (
    ("runtime", "attack"), ("prover_assembly",), ("rpc",), ("fast_sync",),
    ("consensus_io", "ops"), ("state",), ("proving",),
)  # fmt: skip


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


def get_layer(service: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if service in layer)


def test_services_import_only_services_below_them() -> None:
    upward = set()
    for path in NODE.rglob("*.py"):
        parts = path.relative_to(NODE).with_suffix("").parts
        if parts == ("__init__",):
            continue
        for name in get_imports(path):
            if not is_under(name, "zkpov.node") or name == "zkpov.node":
                continue
            service = name.split(".")[2]
            if service != parts[0] and get_layer(service) <= get_layer(parts[0]):
                upward.add((str(path.relative_to(NODE)), name))
    assert upward == set()


def test_subpackages_hold_a_docstring_and_re_export_nothing() -> None:
    inits = sorted(NODE.rglob("__init__.py"))
    assert [p.parent.name for p in inits] == [
        "node", "attack", "consensus_io", "fast_sync", "ops", "proving", "rpc", "state",
    ]  # fmt: skip
    for path in inits:
        body = ast.parse(path.read_text()).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), path
        assert isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
