"""A real one-validator zkpov node in this process, for the node examples (not an example itself).

``create_testnet`` writes a home (config, validator key, genesis, slashing database) and two
funded account keys in a temporary directory; the node runs on this event loop until the
``async with`` block ends. It proves its blocks with Groth16 (batch 2, depth 8: a small circuit
whose keys are made at start), exactly as ``zkpov start --home DIR`` would.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from zkpov.devnet.processes import find_free_base_port
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node


@dataclass(frozen=True)
class LocalNode:
    url: str  # the RPC, e.g. http://127.0.0.1:41001
    layout: TestnetLayout  # its home, genesis and the funded account key files


@asynccontextmanager
async def run_local_node() -> AsyncIterator[LocalNode]:
    """Starts the node, waits until its RPC answers, stops it on exit."""
    with tempfile.TemporaryDirectory(prefix="zkpov-example-") as tmp:
        layout = create_testnet(Path(tmp) / "net", 1, accounts=2, base_port=find_free_base_port(2))
        node = Node(load_node_config(layout.homes[0]))
        host, port = node.config.rpc_listen
        stop = asyncio.Event()
        task = asyncio.create_task(node.run(stop))
        try:
            await _wait_healthy(f"http://{host}:{port}", task)
            yield LocalNode(f"http://{host}:{port}", layout)
        finally:
            stop.set()
            await task


async def _wait_healthy(url: str, task: asyncio.Task[None], timeout: float = 120) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout * 10)):
            if task.done():
                task.result()  # the node failed at start: raise its error
            try:
                async with session.get(f"{url}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"the node's RPC at {url} did not answer within {timeout} s")
