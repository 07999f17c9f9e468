"""``zkpov start``, ``zkpov status`` and ``zkpov tx send``: run a node and talk to one."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zkpov.commands.params import RPC_URL
from zkpov.constants import ATTACK_MODES
from zkpov.node.ops.config import NodeConfig, format_address, load_node_config
from zkpov.node.ops.lock import hold_home_lock
from zkpov.node.ops.logs import LOG_FORMATS, LOG_LEVELS, configure_logging

if TYPE_CHECKING:
    from zkpov.node.runtime import Node, OutboxWrapper


log = logging.getLogger("zkpov.node")

STATUS_TIMEOUT_SECONDS = 10.0


async def _serve(
    config: NodeConfig, init_slashing_protection: bool = False, attack: OutboxWrapper | None = None
) -> None:
    from zkpov.node.runtime import Node

    if config.prover_threads > 0:
        os.environ.setdefault("RAYON_NUM_THREADS", str(config.prover_threads))
    node = Node(config, init_slashing_protection=init_slashing_protection, wrap_outbox=attack)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    _log_start(node)
    await node.run(stop)


def _log_start(node: Node) -> None:
    """What this node is: chain, validator index, epoch, addresses (never a key)."""
    config = node.config
    fields = {
        "chain_id": node.genesis.chain_id, "validator_index": node.index,
        "validators": len(node.pubkeys), "epoch": int(node.start.vset.epoch),
        "p2p_listen": format_address(config.p2p_listen),
        "rpc_listen": format_address(config.rpc_listen), "peers": len(config.peers),
        "proofs_enabled": config.proofs_enabled,
    }  # fmt: skip
    text = ", ".join(f"{k} {v}" for k, v in fields.items())
    log.info("node %s starting: %s", config.moniker, text, extra=fields)


@click.command()
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--log-level", default="info", show_default=True, type=click.Choice(LOG_LEVELS))
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(LOG_FORMATS),
    help="json: one JSON object per line (timestamp, level, logger, message, fields)",
)
@click.option(
    "--init-slashing-protection",
    is_flag=True,
    help="DANGEROUS: create a missing slashing-protection database. Only for a brand-new "
    "validator key that has never signed: with a key that has, the node may double-sign.",
)
@click.option(
    "--byzantine",
    type=click.Choice(ATTACK_MODES),
    default=None,
    help="ATTACK MODE, test networks only: after each own vote (double_vote) or block proposal "
    "(double_proposal) also sign and send a conflicting one, slashable evidence against this "
    "validator; or send each own proposal with forged evidence framing another validator "
    "(forged_evidence). Refused unless genesis.json marks a test network.",
)
@click.option("--fast-sync", "fast_sync", type=RPC_URL, default=None,
              help="join from this peer RPC's proven checkpoint instead of replaying from"
              " genesis (an empty store only; any bad answer falls back to replay)")  # fmt: skip
def start(
    home: Path,
    log_level: str,
    log_format: str,
    init_slashing_protection: bool,
    byzantine: str | None,
    fast_sync: str | None,
) -> None:
    """Run the validator node whose home is --home until SIGINT or SIGTERM."""
    configure_logging(log_level, log_format)
    config = load_node_config(home)
    attack = None if byzantine is None else _prepare_attack(config, byzantine)
    with hold_home_lock(home):
        if fast_sync is not None:
            from zkpov.node.fast_sync.sync import run_fast_sync

            run_fast_sync(config, fast_sync)
        asyncio.run(_serve(config, init_slashing_protection, attack))


def _prepare_attack(config: NodeConfig, mode: str) -> OutboxWrapper:
    """The attack's outbox wrapper, or ``AttackModeError`` (before anything is written) unless
    the genesis marks a test network. Only here is ``zkpov.node.attack`` imported."""
    from zkpov.node.attack.forgery import ForgingOutbox
    from zkpov.node.attack.modes import check_attack_allowed
    from zkpov.node.attack.outbox import EquivocatingOutbox
    from zkpov.node.state.genesis import read_genesis

    check_attack_allowed(read_genesis(config.get_path(config.genesis_file)), mode)
    log.warning("ATTACK MODE %s: this validator will misbehave (a test network)", mode)
    if mode == "forged_evidence":
        return lambda outbox, index, sk, scheme: ForgingOutbox(outbox, index, sk, scheme)
    return lambda outbox, index, sk, scheme: EquivocatingOutbox(outbox, index, sk, scheme, mode)


def _get_status(rpc: str) -> object:
    from zkpov.client import ZkpovClient
    from zkpov.client.codec import encode_answer

    with ZkpovClient(rpc, timeout=STATUS_TIMEOUT_SECONDS) as node:
        return encode_answer(node.status())


@click.command()
@click.option("--rpc", default="http://127.0.0.1:26657", show_default=True, type=RPC_URL)
def status(rpc: str) -> None:
    """Print a node's /status as JSON."""
    click.echo(json.dumps(_get_status(rpc), indent=1))


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
    from zkpov.client import ZkpovClient
    from zkpov.client.codec import encode_answer
    from zkpov.node.ops.keys import KeyKind, read_key_file

    try:
        to = bytes.fromhex(recipient)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--to") from None
    account_key = read_key_file(key, KeyKind.ACCOUNT)
    with ZkpovClient(rpc) as node:  # failures: the CLI's one line (zkpov.commands.failures)
        receipt = node.send_transfer(
            account_key, to, amount, fee=fee, nonce=nonce, wait=wait, timeout=timeout
        )
    answer = encode_answer(receipt.result)
    if receipt.height is not None:
        answer["height"] = receipt.height
    click.echo(json.dumps(answer))
