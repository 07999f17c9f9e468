"""``zkpov stake create-validator | delegate | undelegate | withdraw | show``: staking ops of an
account over a node's RPC.

Each op is signed with the account key file ``--key`` (its nonce the node's ``pending_nonce``
unless ``--nonce`` is given) and broadcast through ``--rpc``; it prints the node's answer as one
JSON line (with ``height`` once committed, under ``--wait``). A refusal, a drop or a timeout is
one line on stderr and exit 1 (:mod:`zkpov.commands.failures`). ``show`` prints what the
node's committed staking ledger holds for the account (``/v1/staking/delegations``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zkpov.commands.params import RPC_URL

_U64 = 2**64 - 1


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every op shares: the key, nonce, fee, wait and node."""
    options = [
        click.option("--key", type=click.Path(path_type=Path), required=True,
                     help="the account key file that signs (and pays)"),
        click.option("--nonce", type=click.IntRange(1, _U64), default=None,
                     help="sender's next nonce [default: pending_nonce from the node]"),
        click.option("--fee", type=click.IntRange(0, _U64), default=0, show_default=True,
                     help="burned; nodes may demand a minimum"),
        click.option("--wait", type=click.Choice(["commit", "proven"]), default=None,
                     help="wait until the op is committed, or its block proven"),
        click.option("--timeout", type=click.FloatRange(0.1, 3600), default=60.0,
                     show_default=True, help="seconds --wait waits"),
        click.option("--rpc", default="http://127.0.0.1:26657", show_default=True,
                     type=RPC_URL),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _send(options: dict[str, Any], **terms: Any) -> None:
    from zkpov.client import StakeTerms, ZkpovClient
    from zkpov.client.codec import encode_answer
    from zkpov.node.ops.keys import KeyKind, read_key_file

    key = read_key_file(options["key"], KeyKind.ACCOUNT)
    stake = StakeTerms(fee=options["fee"], wait=options["wait"], **terms)
    with ZkpovClient(options["rpc"]) as node:
        receipt = node.send_stake_op(key, stake, nonce=options["nonce"], timeout=options["timeout"])
    answer = encode_answer(receipt.result)
    if receipt.height is not None:
        answer["height"] = receipt.height
    click.echo(json.dumps(answer))


@click.group()
def stake() -> None:
    """Staking operations of an account, over a node's RPC."""


@stake.command("create-validator")
@click.option("--validator-key", type=click.Path(path_type=Path), required=True,
              help="the new validator's BLS key file")  # fmt: skip
@click.option("--self-bond", type=click.IntRange(1, _U64), required=True,
              help="stake bonded from the account (at least the genesis min_stake)")  # fmt: skip
@click.option("--commission-bps", type=click.IntRange(0, 10_000), default=0, show_default=True)
@_common
def create_validator(
    validator_key: Path, self_bond: int, commission_bps: int, **options: Any
) -> None:
    """Register a validator for a BLS key, bonding --self-bond from the account."""
    from zkpov.node.ops.keys import KeyKind, read_key_file

    secret = read_key_file(validator_key, KeyKind.VALIDATOR).secret
    _send(options, kind="create_validator", amount=self_bond, commission_bps=commission_bps,
          bls_secret=secret)  # fmt: skip


@stake.command("delegate")
@click.option("--validator", type=click.IntRange(0, 2**32 - 1), required=True,
              help="registry index (zkpov stake show, /v1/staking/validator)")  # fmt: skip
@click.option("--amount", type=click.IntRange(1, _U64), required=True)
@_common
def delegate(validator: int, amount: int, **options: Any) -> None:
    """Bond --amount of the account's balance to --validator."""
    _send(options, kind="delegate", validator=validator, amount=amount)


@stake.command("undelegate")
@click.option("--validator", type=click.IntRange(0, 2**32 - 1), required=True)
@click.option("--amount", type=click.IntRange(1, _U64), required=True)
@_common
def undelegate(validator: int, amount: int, **options: Any) -> None:
    """Start unbonding --amount of the account's delegation to --validator."""
    _send(options, kind="undelegate", validator=validator, amount=amount)


@stake.command("withdraw")
@_common
def withdraw(**options: Any) -> None:
    """Pay the account what the staking ledger holds liquid for it: matured unbonding,
    commission and rewards."""
    _send(options, kind="withdraw")


@stake.command("show")
@click.option("--key", type=click.Path(path_type=Path), default=None,
              help="an account key file (its public key names the account)")  # fmt: skip
@click.option("--account", type=click.IntRange(0, _U64), default=None, help="account index")
@click.option("--rpc", default="http://127.0.0.1:26657", show_default=True, type=RPC_URL)
def show(key: Path | None, account: int | None, rpc: str) -> None:
    """Print what the node's staking ledger holds for an account, as JSON."""
    from zkpov.client import ZkpovClient
    from zkpov.client.codec import encode_answer
    from zkpov.node.ops.keys import KeyKind, read_key_file

    if (key is None) == (account is None):
        raise click.UsageError("give exactly one of --key and --account")
    public = None if key is None else read_key_file(key, KeyKind.ACCOUNT).public
    with ZkpovClient(rpc) as node:
        found = node.delegations(index=account, public_key=public)
    click.echo(json.dumps(encode_answer(found)))
