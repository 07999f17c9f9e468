"""The RPC client's waits against the real app over a FakeNode: committed, dropped, late,
proven."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.node.rpc.fake_view import FakeNode, compute_tx_hash
from tests.node.rpc.helpers import with_client
from zkpov.node.rpc.client import RpcClient, TransferFailedError, wait_committed, wait_proven


def with_rpc(node: FakeNode, fn: Callable[[RpcClient], Awaitable[None]]) -> None:
    async def inner(client: TestClient[Any, Any]) -> None:
        await fn(RpcClient(client.session, str(client.make_url(""))))

    with_client(inner, node)


def test_wait_committed_returns_the_height() -> None:
    node = FakeNode(n_blocks=6)
    tx_hash = compute_tx_hash(b"tx-2").hex()

    async def fn(rpc: RpcClient) -> None:
        assert await wait_committed(rpc, tx_hash, time.monotonic() + 5) == 2

    with_rpc(node, fn)


def test_a_dropped_transfer_fails_with_its_reason() -> None:
    node = FakeNode()
    node.dropped[bytes(32)] = ("insufficient_balance", "the balance no longer covers it")

    async def fn(rpc: RpcClient) -> None:
        with pytest.raises(TransferFailedError, match="dropped: insufficient_balance"):
            await wait_committed(rpc, bytes(32).hex(), time.monotonic() + 5)

    with_rpc(node, fn)


def test_a_pending_transfer_that_never_lands_times_out() -> None:
    node = FakeNode()
    node.mempool.append(b"stuck")

    async def fn(rpc: RpcClient) -> None:
        with pytest.raises(TransferFailedError, match="not committed in time"):
            await wait_committed(rpc, compute_tx_hash(b"stuck").hex(), time.monotonic() + 0.6)

    with_rpc(node, fn)


def test_wait_proven_follows_the_proven_final_height() -> None:
    node = FakeNode(n_blocks=6)

    async def fn(rpc: RpcClient) -> None:
        with pytest.raises(TransferFailedError, match="not proven in time"):
            await wait_proven(rpc, 2, time.monotonic() + 0.6)
        node.prove_up_to(2)
        await wait_proven(rpc, 2, time.monotonic() + 5)

    with_rpc(node, fn)
