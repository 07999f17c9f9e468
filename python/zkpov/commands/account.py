"""``zkpov account show``: an account's committed balance and nonces, from a node's RPC."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import click

from zkpov.errors import ZkpovError

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
    query = {"index": str(index)} if index is not None else {"public_key": str(public_key)}
    query["proof"] = "true" if proof else "false"
    doc = asyncio.run(_fetch(rpc, query))  # failures: the CLI's one line (zkpov.cli)
    try:
        verdict = _check_proof(doc) if proof else None
    except (ValueError, KeyError) as err:  # an answer that is not the JSON the RPC documents
        raise click.ClickException(f"unexpected answer from the node: {err!r}") from err
    click.echo(json.dumps(doc) if as_json else _describe(doc, verdict))


async def _fetch(rpc: str, query: dict[str, str]) -> Any:
    from zkpov.node.rpc.client import get_account

    doc = await get_account(rpc, query)
    if doc is None:
        raise ZkpovError(
            "the node has no such account slot (an index outside its tree, or a key whose"
            " slot holds another key)"
        )
    return doc


def _check_proof(doc: Any) -> str:
    """Verifies the node's proof against the state root it reported."""
    from zkpov.chain.state import Account, verify_account_proof
    from zkpov.node.rpc.client import decode_account_proof

    root, proof = decode_account_proof(doc)
    key = doc["public_key"]
    leaf = (
        0 if key is None else Account(bytes.fromhex(key), int(doc["balance"]), doc["nonce"]).leaf()
    )
    if proof.leaf != leaf or not verify_account_proof(root, proof):
        raise ZkpovError("the node's Merkle proof does not verify against its state root")
    return f"verified here (depth {proof.depth})"


def _describe(doc: Any, verdict: str | None) -> str:
    key = doc["public_key"] or "(empty slot)"
    lines = [
        f"account      {doc['index']}",
        f"public key   {key}",
        f"balance      {doc['balance']}",
        f"nonce        {doc['nonce']} (next to use: {doc['pending_nonce']})",
        f"height       {doc['height']}",
        f"state root   {doc['state_root']}",
    ]
    if verdict is not None:
        lines.append(f"proof        {verdict}")
    return "\n".join(lines)
