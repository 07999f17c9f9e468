"""A small RPC client: what the CLI and the devnet use to talk to nodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.genesis import decode_genesis

__all__ = ["RpcClient", "broadcast", "build_transfer"]

TIMEOUT = aiohttp.ClientTimeout(total=10)


class RpcClient:
    """JSON over HTTP to one node; ``None`` for a 404."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base = session, base.rstrip("/")

    async def get(self, path: str, **params: Any) -> Any:
        async with self.session.get(f"{self.base}{path}", params=params, timeout=TIMEOUT) as resp:
            if resp.status == 404:
                return None
            resp.raise_for_status()
            return await resp.json()

    async def get_text(self, path: str) -> str:
        async with self.session.get(f"{self.base}{path}", timeout=TIMEOUT) as resp:
            resp.raise_for_status()
            return await resp.text()

    async def broadcast_tx(self, tx: bytes) -> Any:
        async with self.session.post(
            f"{self.base}/broadcast_tx", json={"tx": tx.hex()}, timeout=TIMEOUT
        ) as resp:
            return await resp.json()


async def build_transfer(
    rpc: str, key_file: Path, recipient: bytes, amount: int, nonce: int, fee: int = 0
) -> bytes:
    """Signs a transfer; the tree depth (so the account indices) comes from the node's genesis."""
    key = read_key_file(key_file, KeyKind.ACCOUNT)
    async with aiohttp.ClientSession() as session:
        doc = await RpcClient(session, rpc).get("/genesis")
    depth = decode_genesis(json.dumps(doc["genesis"])).circuit_tree_depth
    sender, to = compute_account_index(key.public, depth), compute_account_index(recipient, depth)
    return sign_transfer(key.secret, sender, to, recipient, amount, nonce, fee).to_bytes()


async def broadcast(rpc: str, tx: bytes) -> Any:
    async with aiohttp.ClientSession() as session:
        return await RpcClient(session, rpc).broadcast_tx(tx)
