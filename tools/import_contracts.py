"""An import-linter contract for the compiled extension, which grimp's graph cannot hold.

``native_boundary``: only ``allowed_importers`` (and their submodules) may import
``native_module``. grimp scans ``.py`` files only, so the built-in ``protected`` contract never
sees ``zkpov._native`` (a ``.so``); this contract reads each module's source instead.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _imports_of(path: Path, package: str) -> set[str]:
    """Absolute names of every module imported by the file at ``path``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


class NativeBoundaryContract(Contract):
    type_name = "native_boundary"

    native_module = fields.StringField()
    allowed_importers = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:  # type: ignore[no-untyped-def]
        native, allowed = str(self.native_module), list(self.allowed_importers)  # type: ignore[call-overload]
        offenders = []
        for module in sorted(graph.modules):
            if _is_within(module, allowed) or not module.startswith(native.split(".")[0]):
                continue
            spec = importlib.util.find_spec(module)
            if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
                continue
            if native in _imports_of(Path(spec.origin), module):
                offenders.append(module)
        return ContractCheck(kept=not offenders, metadata={"offenders": offenders})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module in check.metadata["offenders"]:
            output.print_error(f"{module} imports {self.native_module}", bold=False)
