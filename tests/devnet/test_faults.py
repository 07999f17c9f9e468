"""Fault tests on loopback with real processes: kill -9 and restart, a frozen (partitioned) node.

Proofs are off here (the devnet test covers them); these are about consensus and storage.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from tests.node.test_runtime import free_base_port
from zkpov.devnet.processes import spawn_node, spawn_nodes, stop_nodes
from zkpov.devnet.run import DevnetOptions, prepare_devnet
from zkpov.node.ops.config import load_node_config
from zkpov.node.rpc.client import RpcClient

spawn_one = spawn_node


async def heights(clients: list[RpcClient]) -> list[int]:
    out = []
    for client in clients:
        try:
            status = await client.get("/status")
            out.append(status["sync_info"]["latest_block_height"])
        except (aiohttp.ClientError, TimeoutError):
            out.append(-1)
    return out


async def wait_heights(clients: list[RpcClient], minimum: int, timeout: float = 240) -> list[int]:
    try:
        async with asyncio.timeout(timeout):
            while True:
                now = await heights(clients)
                if min(now) >= minimum:
                    return now
                await asyncio.sleep(0.3)
    except TimeoutError:
        states = [await describe(client) for client in clients]
        raise AssertionError(f"not all at height {minimum} after {timeout} s: {states}") from None


async def describe(client: RpcClient) -> str:
    """Height, round and core restarts of one node, for a failure message."""
    wanted = ("latest_block_height ", "consensus_rounds ", "core_restarts_total ")
    try:
        text = await client.get_text("/metrics")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"{client.base}: {type(exc).__name__}"
    lines = [line for line in text.splitlines() if any(w in line for w in wanted)]
    return f"{client.base}: {'; '.join(lines)}"


async def block_ids(client: RpcClient, upto: int) -> list[str]:
    return [(await client.get("/block", height=h))["block_id"] for h in range(1, upto + 1)]


async def scenario(homes: list[Path], procs: list[subprocess.Popen[bytes]]) -> None:
    async with aiohttp.ClientSession() as session:
        clients = [
            RpcClient(session, "http://{}:{}".format(*load_node_config(h).rpc_listen))
            for h in homes
        ]
        await wait_heights(clients, 3)
        # kill -9 validator 3 mid-run; the other three keep finalizing without it
        procs[3].kill()
        procs[3].wait()
        before = await block_ids(clients[0], 3)
        now = await wait_heights(clients[:3], max(await heights(clients[:3])) + 3)
        procs[3] = spawn_one(homes[3])
        await wait_heights(clients, max(now) + 2)
        assert (await block_ids(clients[3], 3)) == before, "committed data survived kill -9"
        # freeze validator 2 (as if partitioned away), then let it back
        os.kill(procs[2].pid, signal.SIGSTOP)
        frozen_at = max(await heights([clients[0], clients[1], clients[3]]))
        await wait_heights([clients[0], clients[1], clients[3]], frozen_at + 3)
        os.kill(procs[2].pid, signal.SIGCONT)
        final = await wait_heights(clients, frozen_at + 5)
        ids = [await block_ids(c, min(final)) for c in clients]
        assert all(x == ids[0] for x in ids), "every node holds the same committed log"


Scenario = Callable[[list[Path], list[subprocess.Popen[bytes]]], Coroutine[Any, Any, None]]


def run_fault_scenario(options: DevnetOptions, run: Scenario) -> None:
    """Runs ``run`` on a devnet of processes, then checks every node's log: no traceback, no
    refusal by slashing protection, no validator caught equivocating."""
    layout = prepare_devnet(options)
    procs = spawn_nodes(layout)
    try:
        asyncio.run(run(list(layout.homes), procs))
    finally:
        stop_nodes(procs)
    for home in layout.homes:
        log = (home / "node.log").read_text()
        assert "Traceback" not in log
        assert "slashing protection refused" not in log
        assert "evidence of" not in log, "no validator was caught equivocating"


def test_kill_restart_and_partition_heal(tmp_path: Path) -> None:
    options = DevnetOptions(tmp_path / "net", proofs=False, base_port=free_base_port(8))
    run_fault_scenario(options, scenario)
