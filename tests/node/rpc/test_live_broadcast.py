"""``POST /broadcast_tx`` on a real running node (one validator, proofs off): requests that
arrive together are admitted in one ``add_many`` batch, each answered with its own verdict;
a full client queue answers 503."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.node.test_runtime import free_base_port, wait_for
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.crypto import schnorr
from zkpov.node.consensus_io import client_txs
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node


def make_signer(layout: TestnetLayout, depth: int) -> Any:
    keys = [read_key_file(path, KeyKind.ACCOUNT) for path in layout.account_key_files]
    target, tag = keys[-1], get_chain_tag(layout.genesis)

    def sign(who: int, nonce: int, secret: bytes | None = None, public: bytes | None = None) -> str:
        sender = compute_account_index(public or keys[who].public, depth)
        recipient = compute_account_index(target.public, depth)
        t = sign_transfer(
            secret or keys[who].secret, sender, recipient, target.public, 5, nonce, 0, tag
        )
        return t.to_bytes().hex()

    return sign


def forged(tx_hex: str) -> str:
    tx = bytearray.fromhex(tx_hex)
    tx[-32] ^= 1  # the lowest bit of s: still canonical, so a bad signature
    return tx.hex()


async def post_all(base: str, txs: list[str]) -> list[tuple[int, Any]]:
    async with aiohttp.ClientSession() as http:

        async def post(tx: str) -> tuple[int, Any]:
            async with http.post(f"{base}/broadcast_tx", json={"tx": tx}) as resp:
                return resp.status, await resp.json()

        return list(await asyncio.gather(*(post(tx) for tx in txs)))


async def exercise(node: Node, sign: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    host, port = node.config.rpc_listen
    base, sizes = f"http://{host}:{port}", list[int]()
    add_many = node.mempool.add_many
    node.mempool.add_many = lambda txs: sizes.append(len(txs)) or add_many(txs)  # type: ignore[method-assign]
    stranger = schnorr.generate_keypair()
    good = [sign(0, 1), sign(1, 1)]
    mixed = [
        *good, good[0], forged(sign(2, 1)), sign(2, 3), "00" * 10,
        sign(0, 1, stranger.secret_key, stranger.public_key),
    ]  # fmt: skip
    await wait_for(lambda: node.chain.height >= 1)  # the RPC is up
    answers = await post_all(base, mixed)
    assert {status for status, _ in answers} == {200} and sum(sizes) == len(mixed)
    verdicts = Counter(doc["reason"] for _, doc in answers)
    assert verdicts == Counter(
        ["", "", "duplicate", "bad_signature", "nonce_gap", "malformed", "unknown_sender"]
    )
    await wait_for(lambda: node.counters.txs_committed == 2)  # the admitted ones commit
    monkeypatch.setattr(client_txs, "MAX_QUEUED_CLIENT_TXS", 0)
    [(status, doc)] = await post_all(base, [sign(0, 2)])
    assert status == 503 and "retry" in doc["error"]["message"] and len(node.mempool) == 0


def test_clients_transfers_are_admitted_in_batches_with_their_own_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = create_testnet(
        tmp_path / "net", 1, accounts=4, base_port=free_base_port(2), proof_lag=0
    )
    config = dataclasses.replace(load_node_config(layout.homes[0]), proofs_enabled=False)
    node = Node(config)
    sign = make_signer(layout, node.genesis.circuit_tree_depth)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(node.run(stop))
        try:
            await exercise(node, sign, monkeypatch)
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)

    asyncio.run(main())
