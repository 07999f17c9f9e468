"""``zkpov init`` and ``zkpov testnet``: lay out node homes with keys, config and genesis."""

from __future__ import annotations

from pathlib import Path

import click

from zkpov.crypto import snark
from zkpov.crypto.ceremony_transcript import get_final_key
from zkpov.node.ops.setup import create_home, create_testnet
from zkpov.node.state.genesis import MAX_EPOCH_LENGTH

EPOCH_LENGTH_HELP = (
    "blocks per epoch: the validator set is re-elected from stake (slashed validators leave)"
    " every that many blocks; without it the genesis set stays for the chain's life"
)


def get_ceremony_circuit(
    config: snark.CircuitConfig, batch_size: int | None, depth: int | None
) -> tuple[int, int]:
    """The ceremony's circuit, which any --batch-size or --depth given must match."""
    circuit = (config.batch_size, config.tree_depth)
    if (batch_size or circuit[0], depth or circuit[1]) != circuit:
        raise click.UsageError(
            f"the ceremony's keys are for batch {circuit[0]}, depth {circuit[1]}"
        )
    return circuit


@click.command()
@click.option("--validators", default=4, show_default=True, type=click.IntRange(1, 100))
@click.option("--output", type=click.Path(path_type=Path), required=True)
@click.option("--chain-id", default="zkpov-devnet", show_default=True)
@click.option("--accounts", default=8, show_default=True, type=click.IntRange(0, 10_000))
@click.option("--base-port", default=26656, show_default=True, type=click.IntRange(1024, 60000))
@click.option("--batch-size", type=click.IntRange(1, 64), help="[default: 2, or the ceremony's]")
@click.option("--depth", type=click.IntRange(2, 32), help="[default: 8, or the ceremony's]")
@click.option(
    "--ceremony",
    type=click.Path(path_type=Path),
    help="a finished ceremony directory: verified, its keys installed and pinned in the genesis",
)
@click.option(
    "--epoch-length", type=click.IntRange(1, MAX_EPOCH_LENGTH), default=None, help=EPOCH_LENGTH_HELP
)
def testnet(
    validators: int,
    output: Path,
    chain_id: str,
    accounts: int,
    base_port: int,
    batch_size: int | None,
    depth: int | None,
    ceremony: Path | None,
    epoch_length: int | None,
) -> None:
    """Write one home per validator: config.toml, keys (mode 0600), genesis.json, peer list.
    Every option is checked first; the directory is written whole or not at all."""
    key = None if ceremony is None else get_final_key(ceremony)
    circuit = (batch_size or 2, depth or 8)
    if key is not None:
        circuit = get_ceremony_circuit(key[0].config, batch_size, depth)
    layout = create_testnet(
        output,
        validators,
        key,
        chain_id=chain_id,
        accounts=accounts,
        base_port=base_port,
        circuit=circuit,
        epoch_length=epoch_length,
    )
    for home in layout.homes:
        click.echo(f"wrote {home}")
    click.echo(f"{accounts} funded account keys under {output / 'accounts'}")


@click.command()
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--chain-id", default="zkpov-local", show_default=True)
def init(home: Path, chain_id: str) -> None:
    """Create a single-validator home (keys, config.toml, genesis.json) at --home."""
    create_home(home, chain_id)
    click.echo(f"initialized {home}")
