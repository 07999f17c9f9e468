"""Render a Vyper template of this package and compile it in-process (``vyper.compile_code``)."""

from __future__ import annotations

import importlib
import string
import sys
from importlib import resources
from types import ModuleType
from typing import Any

from zkpov.errors import EvmError

__all__ = ["compile_contract", "import_evm_package", "render_template"]

_INSTALL_HINT = "install the EVM extra: pip install 'zkpov[evm]'"


def import_evm_package(name: str) -> ModuleType:
    """``name`` (vyper, eth_tester, eth...), imported now; ``EvmError`` if it is missing.

    py-evm and py_ecc raise the interpreter's recursion limit when imported (to 12,288 and
    100,000), deep enough for C recursion (``json.loads`` of nested input) to overflow the
    stack and crash the process; the limit is put back. Our contracts only call precompiles."""
    limit = sys.getrecursionlimit()
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise EvmError(f"{name} is not installed; {_INSTALL_HINT}") from exc
    finally:
        sys.setrecursionlimit(limit)


def render_template(name: str, values: dict[str, str]) -> str:
    """``templates/<name>`` with its ``$placeholders`` filled; every one must be given."""
    text = resources.files("zkpov.evm").joinpath("templates", name).read_text()
    return string.Template(text).substitute(values)


def compile_contract(source: str) -> tuple[list[dict[str, Any]], bytes]:
    """(ABI, deployment bytecode) of Vyper ``source``; ``EvmError`` if it does not compile."""
    vyper = import_evm_package("vyper")
    try:
        out = vyper.compile_code(source, output_formats=["abi", "bytecode"])
    except Exception as exc:  # vyper raises many exception types; all mean "does not compile"
        raise EvmError(f"the contract does not compile: {type(exc).__name__}: {exc}") from exc
    return out["abi"], bytes.fromhex(out["bytecode"].removeprefix("0x"))
