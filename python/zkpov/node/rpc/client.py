"""A small RPC client: what the CLI and the devnet use to talk to nodes, and sending a transfer
(its nonce from ``/account`` unless given; optionally waiting until it is committed or proven)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from zkpov.chain.state import AccountProof, compute_account_index, sign_transfer
from zkpov.errors import ZkpovError
from zkpov.node.ops.keys import KeyKind, SecretKeyFile, read_key_file
from zkpov.node.state.genesis import decode_genesis

__all__ = [
    "WAIT_STAGES",
    "RpcClient",
    "TransferFailedError",
    "TransferRequest",
    "decode_account_proof",
    "get_account",
    "send_transfer",
    "wait_committed",
    "wait_proven",
]

TIMEOUT = aiohttp.ClientTimeout(total=10)
WAIT_STAGES = ("commit", "proven")
_POLL_SECONDS = 0.25


class TransferFailedError(ZkpovError):
    """The node refused the transfer, dropped it, or it did not land in time."""


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


async def _get_depth(client: RpcClient) -> int:
    doc = await client.get("/genesis")
    return decode_genesis(json.dumps(doc["genesis"])).circuit_tree_depth


def _sign(
    key: SecretKeyFile, recipient: bytes, amount: int, nonce: int, fee: int, depth: int
) -> bytes:
    sender, to = compute_account_index(key.public, depth), compute_account_index(recipient, depth)
    return sign_transfer(key.secret, sender, to, recipient, amount, nonce, fee).to_bytes()


async def get_account(rpc: str, query: dict[str, str]) -> Any:
    """``/account`` for ``query`` (index or public_key, and proof); None when the node has no
    such slot (404)."""
    async with aiohttp.ClientSession() as session:
        return await RpcClient(session, rpc).get("/account", **query)


def decode_account_proof(doc: Any) -> tuple[int, AccountProof]:
    """The state root and the proof of an ``/account?proof=true`` answer."""
    proof = doc["proof"]
    rows = [[int(x, 16) for x in row] for row in proof["siblings"]]
    siblings = tuple((a, b, c) for a, b, c in rows)
    leaf = int(proof["leaf"], 16)
    return int(doc["state_root"], 16), AccountProof(
        proof["depth"], int(doc["index"]), leaf, siblings
    )


@dataclass(frozen=True)
class TransferRequest:
    """``nonce`` None: the sender's pending_nonce from ``/account``; ``wait`` None or one of
    :data:`WAIT_STAGES`."""

    key_file: Path
    recipient: bytes
    amount: int
    fee: int
    nonce: int | None = None
    wait: str | None = None
    timeout: float = 60.0


async def send_transfer(rpc: str, request: TransferRequest) -> dict[str, Any]:
    """Signs, broadcasts and (if asked) waits; the broadcast answer, plus ``height`` once
    committed. ``TransferFailedError`` when refused, dropped or not landed in time."""
    key = read_key_file(request.key_file, KeyKind.ACCOUNT)
    async with aiohttp.ClientSession() as session:
        client = RpcClient(session, rpc)
        result: dict[str, Any] = await client.broadcast_tx(await _sign_next(client, key, request))
        if not result.get("accepted"):
            raise TransferFailedError(
                f"transfer {result.get('hash')} refused: {result.get('reason')}:"
                f" {result.get('message')}"
            )
        if request.wait is not None:
            result["height"] = await _wait(client, result["hash"], request)
        return result


async def _sign_next(client: RpcClient, key: SecretKeyFile, request: TransferRequest) -> bytes:
    depth = await _get_depth(client)
    nonce = request.nonce
    if nonce is None:
        nonce = await _get_pending_nonce(client, key.public)
    return _sign(key, request.recipient, request.amount, nonce, request.fee, depth)


async def _wait(client: RpcClient, tx_hash: str, request: TransferRequest) -> int:
    deadline = time.monotonic() + request.timeout
    height = await wait_committed(client, tx_hash, deadline)
    if request.wait == "proven":
        await wait_proven(client, height, deadline)
    return height


async def _get_pending_nonce(client: RpcClient, public_key: bytes) -> int:
    doc = await client.get("/account", public_key=public_key.hex())
    if doc is None or doc["public_key"] is None:
        raise TransferFailedError("the sender's account does not exist on this chain")
    return int(doc["pending_nonce"])


async def wait_committed(client: RpcClient, tx_hash: str, deadline: float) -> int:
    """Polls ``/tx`` until the transfer is committed (its height) or dropped, or until the
    monotonic ``deadline`` (both ``TransferFailedError``)."""
    while time.monotonic() < deadline:
        doc = await client.get("/tx", hash=tx_hash)
        if doc is not None and doc["status"] == "committed":
            return int(doc["height"])
        if doc is not None and doc["status"] == "dropped":
            raise TransferFailedError(
                f"transfer {tx_hash} was dropped: {doc['reason']}: {doc['message']}"
            )
        await asyncio.sleep(_POLL_SECONDS)
    raise TransferFailedError(f"transfer {tx_hash} was not committed in time")


async def wait_proven(client: RpcClient, height: int, deadline: float) -> None:
    """Polls ``/status`` until ``height`` is proven final (``TransferFailedError`` if late)."""
    while time.monotonic() < deadline:
        status = await client.get("/status")
        proven = status["sync_info"]["proven_final_height"]
        if proven is not None and proven >= height:
            return
        await asyncio.sleep(_POLL_SECONDS)
    raise TransferFailedError(f"height {height} was not proven in time")
