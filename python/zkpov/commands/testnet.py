"""``zkpov init`` and ``zkpov testnet``: lay out node homes with keys, config and genesis."""

from __future__ import annotations

from pathlib import Path

import click

from zkpov.node.ops.setup import create_network, create_testnet


def _refuse_existing(path: Path) -> None:
    if path.exists() and any(path.iterdir()):
        raise click.ClickException(f"{path} exists and is not empty; choose another directory")


@click.command()
@click.option("--validators", default=4, show_default=True, type=click.IntRange(1, 100))
@click.option("--output", type=click.Path(path_type=Path), required=True)
@click.option("--chain-id", default="zkpov-devnet", show_default=True)
@click.option("--accounts", default=8, show_default=True, type=click.IntRange(0, 10_000))
@click.option("--base-port", default=26656, show_default=True, type=click.IntRange(1024, 60000))
@click.option("--batch-size", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--depth", default=8, show_default=True, type=click.IntRange(2, 32))
def testnet(
    validators: int,
    output: Path,
    chain_id: str,
    accounts: int,
    base_port: int,
    batch_size: int,
    depth: int,
) -> None:
    """Write one home per validator: config.toml, keys (mode 0600), genesis.json, peer list."""
    _refuse_existing(output)
    layout = create_testnet(
        output,
        validators,
        chain_id=chain_id,
        accounts=accounts,
        base_port=base_port,
        circuit=(batch_size, depth),
    )
    for home in layout.homes:
        click.echo(f"wrote {home}")
    click.echo(f"{accounts} funded account keys under {output / 'accounts'}")


@click.command()
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--chain-id", default="zkpov-local", show_default=True)
def init(home: Path, chain_id: str) -> None:
    """Create a single-validator home (keys, config.toml, genesis.json) at --home."""
    _refuse_existing(home)
    create_network([home], home / "keys", chain_id=chain_id, accounts=1)
    click.echo(f"initialized {home}")
