"""``zkpov evm``: EVM contracts that check zkpov's proofs (``zkpov.evm``).

``export-verifier --vk vk.json --out DIR`` writes ``Verifier.vy`` (the rendered source),
``Verifier.abi.json`` and ``Verifier.bin`` (deployment bytecode, hex) into a new directory:
whole or not at all. ``export-light-client --genesis FILE --out DIR`` writes the finality
contract the same way, with ``LightClient.setup.json`` (its constructor arguments and the
uncompressed validator keys a relayer passes), sized for the chain's ``max_validators`` (sets
grow across epochs). ``relay --rpc URL --genesis FILE`` deploys that contract on an in-process
EVM (py-evm, Prague), submits the epoch changes up to the header's epoch (paging through the
node's answers of at most 64; at most ``MAX_RELAY_EPOCH_CHANGES``, 1024, in one call), and feeds
it the node's committed header and its committing QC; it prints the state root proved final,
the epoch changes adopted and the execution gas as JSON.
All need the ``evm`` extra.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from zkpov import evm as zkpov_evm
from zkpov.client import ZkpovClient
from zkpov.commands.circuit_vk import read_vk_file
from zkpov.evm import light_client as lc
from zkpov.evm.relay import Deployment, get_committed, relay_epoch_changes, verify_committed
from zkpov.node.ops.new_dir import build_new_directory
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis

__all__ = ["evm"]


@click.group()
def evm() -> None:
    """EVM contracts that check zkpov's proofs (Vyper, EIP-2537)."""


def write_contract(out: Path, name: str, source: str, extra: dict[str, str] | None = None) -> None:
    """``<name>.vy``, ``<name>.abi.json`` and ``<name>.bin`` of ``source`` (and ``extra``
    files), into a new directory ``out``."""
    abi, bytecode = zkpov_evm.compile_contract(source)
    with build_new_directory(out) as work:
        for file_name, text in (extra or {}).items():
            (work / file_name).write_text(text)
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


@evm.command("export-light-client")
@click.option("--genesis", "genesis_path", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
def export_light_client(genesis_path: Path, out: Path) -> None:
    """Write the finality contract of a genesis (its epoch-0 set) and its setup."""
    genesis = read_genesis(genesis_path)
    setup = lc.get_genesis_setup(genesis)
    source = lc.render_light_client(
        genesis.chain_id, compute_genesis_hash(genesis), lc.get_contract_bound(genesis)
    )
    setup_json = json.dumps(lc.encode_setup_json(setup), indent=1) + "\n"
    write_contract(out, "LightClient", source, {"LightClient.setup.json": setup_json})
    click.echo(f"wrote {out}/LightClient.vy, LightClient.abi.json, LightClient.bin, .setup.json")


@evm.command("relay")
@click.option("--rpc", required=True, help="The node's RPC, e.g. http://127.0.0.1:26657")
@click.option("--genesis", "genesis_path", type=click.Path(path_type=Path), required=True)
@click.option("--height", type=click.IntRange(min=1), default=None, help="Default: latest.")
def relay(rpc: str, genesis_path: Path, height: int | None) -> None:
    """Prove the node's committed header final on an in-process EVM; print JSON."""
    genesis = read_genesis(genesis_path)
    setup = lc.get_genesis_setup(genesis)
    with ZkpovClient(rpc) as client:
        header, qc = get_committed(client, height)
    abi, bytecode = lc.build_light_client(
        genesis.chain_id, compute_genesis_hash(genesis), lc.get_contract_bound(genesis)
    )
    chain = zkpov_evm.LocalChain()
    deployment = Deployment(chain, chain.deploy(bytecode, abi, setup.constructor_args()), abi)
    setup, changes = asyncio.run(relay_epoch_changes(rpc, deployment, setup, header.epoch))
    result = verify_committed(deployment, setup, header, qc)
    doc = {"height": result.height, "state_root": result.value.hex(), "epoch": setup.epoch,
           "epoch_changes": [{"epoch": c.value, "height": c.height, "execution_gas":
                              c.execution_gas} for c in changes],
           "execution_gas": result.execution_gas}  # fmt: skip
    click.echo(json.dumps(doc))
