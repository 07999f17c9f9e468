"""``zkpov account show``: an account's committed balance and nonces, from a node's RPC."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import click

from zkpov.errors import RpcAnswerError, RpcStatusError, ZkpovError

if TYPE_CHECKING:
    from zkpov.client.models import Account

_HEX_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")


@click.group()
def account() -> None:
    """Accounts."""


@account.command("show")
@click.option("--index", type=click.IntRange(0, 2**64 - 1), default=None, help="account index")
@click.option("--public-key", default=None, help="account public key (hex)")
@click.option("--proof", is_flag=True, help="fetch the Merkle proof and verify it here")
@click.option("--json", "as_json", is_flag=True, help="print the node's JSON answer")
@click.option("--rpc", default="http://127.0.0.1:26657", show_default=True)
def show(index: int | None, public_key: str | None, proof: bool, as_json: bool, rpc: str) -> None:
    """Show the account at --index, or the one holding --public-key."""
    if (index is None) == (public_key is None):
        raise click.UsageError("give exactly one of --index and --public-key")
    if public_key is not None and _HEX_KEY.fullmatch(public_key) is None:
        raise click.UsageError("--public-key must be 32 bytes as 64 hex digits")
    from zkpov.client.codec import encode_answer

    key = None if public_key is None else bytes.fromhex(public_key.removeprefix("0x"))
    found = _fetch(rpc, index, key, proof)  # failures: the CLI's one line (zkpov.cli)
    verdict = _check_proof(found) if proof else None
    click.echo(json.dumps(encode_answer(found)) if as_json else _describe(found, verdict))


def _fetch(rpc: str, index: int | None, key: bytes | None, proof: bool) -> Account:
    from zkpov.client import ZkpovClient

    try:
        with ZkpovClient(rpc) as node:
            return node.account(index, key, proof)
    except RpcStatusError as err:
        if err.status != 404:
            raise
    raise ZkpovError(
        "the node has no such account slot (an index outside its tree, or a key whose"
        " slot holds another key)"
    )


def _check_proof(found: Account) -> str:
    """Verifies the node's proof against the state root it reported."""
    from zkpov.chain.state import Account as Leaf
    from zkpov.chain.state import AccountProof, verify_account_proof

    if found.proof is None or any(len(row) != 3 for row in found.proof.siblings):
        raise RpcAnswerError("/account: the proof is missing or its siblings are not triples")
    siblings = tuple((_felt(a), _felt(b), _felt(c)) for a, b, c in found.proof.siblings)
    proof = AccountProof(found.proof.depth, found.index, _felt(found.proof.leaf), siblings)
    key = found.public_key
    leaf = 0 if key is None else Leaf(key, found.balance, found.nonce).leaf()
    if proof.leaf != leaf or not verify_account_proof(_felt(found.state_root), proof):
        raise ZkpovError("the node's Merkle proof does not verify against its state root")
    return f"verified here (depth {proof.depth})"


def _felt(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _describe(found: Account, verdict: str | None) -> str:
    key = "(empty slot)" if found.public_key is None else found.public_key.hex()
    lines = [
        f"account      {found.index}",
        f"public key   {key}",
        f"balance      {found.balance}",
        f"nonce        {found.nonce} (next to use: {found.pending_nonce})",
        f"height       {found.height}",
        f"state root   {found.state_root.hex()}",
    ]
    if verdict is not None:
        lines.append(f"proof        {verdict}")
    return "\n".join(lines)
