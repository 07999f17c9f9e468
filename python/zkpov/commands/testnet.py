"""``zkpov init`` and ``zkpov testnet``: lay out node homes with keys, config and genesis."""

from __future__ import annotations

from pathlib import Path

import click

from zkpov.node.ops.setup import create_home, create_testnet
from zkpov.node.state.genesis import MAX_EPOCH_LENGTH

EPOCH_LENGTH_HELP = (
    "blocks per epoch: the validator set is re-elected from stake (slashed validators leave)"
    " every that many blocks; without it the genesis set stays for the chain's life"
)


@click.command()
@click.option("--validators", default=4, show_default=True, type=click.IntRange(1, 100))
@click.option("--output", type=click.Path(path_type=Path), required=True)
@click.option("--chain-id", default="zkpov-devnet", show_default=True)
@click.option("--accounts", default=8, show_default=True, type=click.IntRange(0, 10_000))
@click.option("--base-port", default=26656, show_default=True, type=click.IntRange(1024, 60000))
@click.option("--batch-size", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--depth", default=8, show_default=True, type=click.IntRange(2, 32))
@click.option(
    "--epoch-length", type=click.IntRange(1, MAX_EPOCH_LENGTH), default=None, help=EPOCH_LENGTH_HELP
)
def testnet(
    validators: int,
    output: Path,
    chain_id: str,
    accounts: int,
    base_port: int,
    batch_size: int,
    depth: int,
    epoch_length: int | None,
) -> None:
    """Write one home per validator: config.toml, keys (mode 0600), genesis.json, peer list.
    Every option is checked first; the directory is written whole or not at all."""
    layout = create_testnet(
        output,
        validators,
        chain_id=chain_id,
        accounts=accounts,
        base_port=base_port,
        circuit=(batch_size, depth),
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
