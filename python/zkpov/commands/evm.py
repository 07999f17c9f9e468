"""``zkpov evm``: EVM contracts that check zkpov's proofs (``zkpov.evm``).

``export-verifier --vk vk.json --out DIR`` writes ``Verifier.vy`` (the rendered source),
``Verifier.abi.json`` and ``Verifier.bin`` (deployment bytecode, hex) into a new directory:
whole or not at all. It needs the ``evm`` extra.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from zkpov import evm as zkpov_evm
from zkpov.commands.circuit_vk import read_vk_file
from zkpov.node.ops.new_dir import build_new_directory

__all__ = ["evm"]


@click.group()
def evm() -> None:
    """EVM contracts that check zkpov's proofs (Vyper, EIP-2537)."""


def write_contract(out: Path, name: str, source: str) -> None:
    """``<name>.vy``, ``<name>.abi.json`` and ``<name>.bin`` of ``source``, into a new ``out``."""
    abi, bytecode = zkpov_evm.compile_contract(source)
    with build_new_directory(out) as work:
        (work / f"{name}.vy").write_text(source)
        (work / f"{name}.abi.json").write_text(json.dumps(abi, indent=1) + "\n")
        (work / f"{name}.bin").write_text(bytecode.hex() + "\n")


@evm.command("export-verifier")
@click.option("--vk", "vk_path", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
def export_verifier(vk_path: Path, out: Path) -> None:
    """Write the Groth16 verifier contract of a zkpov-groth16-vk/1 key."""
    points = read_vk_file(vk_path)
    write_contract(out, "Verifier", zkpov_evm.render_verifier(points))
    click.echo(f"wrote {out}/Verifier.vy, Verifier.abi.json, Verifier.bin")
