"""The devnet's start-up wait: it names the node that died or stayed silent, and never hangs."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.node.test_runtime import free_base_port
from zkpov.devnet.load import NodeStartError, wait_ready
from zkpov.node.rpc.client import RpcClient


async def _wait(timeout: float, alive: bool) -> NodeStartError:
    port = free_base_port(1)  # nothing listens there
    async with aiohttp.ClientSession() as session:
        clients = [RpcClient(session, f"http://127.0.0.1:{port}")]
        with pytest.raises(NodeStartError) as caught:
            await wait_ready(clients, timeout, lambda _: alive)
    return caught.value


def test_a_node_that_exited_is_reported_at_once() -> None:
    err = asyncio.run(asyncio.wait_for(_wait(60, alive=False), 10))
    assert err.index == 0
    assert "exited" in str(err)


def test_a_silent_node_is_reported_after_the_timeout() -> None:
    err = asyncio.run(asyncio.wait_for(_wait(0.5, alive=True), 10))
    assert "did not serve /health within" in str(err)
