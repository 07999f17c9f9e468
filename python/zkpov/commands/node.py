"""``zkpov start``, ``zkpov status`` and ``zkpov tx send``: run a node and talk to one."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

import click

from zkpov.errors import ZkpovError


async def _serve(home: Path, init_slashing_protection: bool = False) -> None:
    from zkpov.node.ops.config import load_node_config
    from zkpov.node.runtime import Node

    config = load_node_config(home)
    if config.prover_threads > 0:
        os.environ.setdefault("RAYON_NUM_THREADS", str(config.prover_threads))
    node = Node(config, init_slashing_protection=init_slashing_protection)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("zkpov").info("node %s validator %d starting", config.moniker, node.index)
    await node.run(stop)


@click.command()
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--log-level", default="info", type=click.Choice(["debug", "info", "warning"]))
@click.option(
    "--init-slashing-protection",
    is_flag=True,
    help="DANGEROUS: create a missing slashing-protection database. Only for a brand-new "
    "validator key that has never signed: with a key that has, the node may double-sign.",
)
def start(home: Path, log_level: str, init_slashing_protection: bool) -> None:
    """Run the validator node whose home is --home until SIGINT or SIGTERM."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        asyncio.run(_serve(home, init_slashing_protection))
    except ZkpovError as err:
        raise click.ClickException(str(err)) from err


async def _get_json(url: str) -> object:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return await resp.json()


@click.command()
@click.option("--rpc", default="http://127.0.0.1:26657", show_default=True)
def status(rpc: str) -> None:
    """Print a node's /status as JSON."""
    click.echo(json.dumps(asyncio.run(_get_json(f"{rpc}/status")), indent=1))


@click.group()
def tx() -> None:
    """Transactions."""


@tx.command("send")
@click.option("--key", type=click.Path(path_type=Path), required=True, help="account key file")
@click.option("--to", "recipient", required=True, help="recipient's account public key (hex)")
@click.option("--amount", type=click.IntRange(0, 2**64 - 1), required=True)
@click.option(
    "--nonce",
    type=click.IntRange(1, 2**64 - 1),
    default=None,
    help="sender's next nonce [default: pending_nonce from the node's /account]",
)
@click.option(
    "--fee",
    type=click.IntRange(0, 2**64 - 1),
    default=0,
    show_default=True,
    help="burned; nodes may demand a minimum and order by it",
)
@click.option("--wait", type=click.Choice(["commit", "proven"]), default=None,
              help="wait until the transfer is committed, or its block proven")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=60.0, show_default=True,
              help="seconds --wait waits")  # fmt: skip
@click.option("--rpc", default="http://127.0.0.1:26657", show_default=True)
def send(
    key: Path, recipient: str, amount: int, nonce: int | None, fee: int, wait: str | None,
    timeout: float, rpc: str,
) -> None:  # fmt: skip
    """Sign a transfer with --key and broadcast it through --rpc; exit 1 with one line on
    stderr if it is refused, dropped, or (with --wait) does not land in time."""
    import aiohttp

    from zkpov.node.rpc.client import TransferRequest, send_transfer

    try:
        to = bytes.fromhex(recipient)
        request = TransferRequest(key, to, amount, fee, nonce, wait, timeout)
        click.echo(json.dumps(asyncio.run(send_transfer(rpc, request))))
    except (ValueError, ZkpovError, aiohttp.ClientError, OSError, TimeoutError) as err:
        raise click.ClickException(str(err) or type(err).__name__) from err
