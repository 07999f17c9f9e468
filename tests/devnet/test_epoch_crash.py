"""kill -9 of a validator process during an epoch switch (epoch length 10, proofs off).

Validator 3 is killed as the chain reaches a reconfiguration block (its own committed height one
short of it, or at it: before, while or just after it commits R and persists the new epoch's
safety data), then restarted. It must resume from its store, never sign in an epoch below one
it already signed in (its slashing DB), sign votes in the new epoch, and nobody may catch it
equivocating; every node keeps the same log.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from tests.devnet.test_faults import block_ids, run_fault_scenario, wait_heights
from tests.node.test_runtime import free_base_port
from zkpov.devnet.processes import spawn_node
from zkpov.devnet.run import DevnetOptions
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis
from zkpov.node.state.stores import get_slashing_path
from zkpov.storage.slashing_db import SignedKind, SlashingDB

EPOCH_LENGTH = 10
Mark = tuple[int, int, int]  # kind, epoch, round


def read_signed(home: Path) -> set[Mark]:
    """Every (kind, epoch, round) validator ``home`` has signed, from its slashing DB."""
    config = load_node_config(home)
    key = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    genesis_hash = compute_genesis_hash(read_genesis(config.get_path(config.genesis_file)))
    db = SlashingDB(get_slashing_path(config.get_path(config.db_dir)), genesis_hash)
    try:
        return {
            (int(kind), int(r.epoch), int(r.round))
            for kind in SignedKind
            for r in db.get_records(key.public, kind)
        }
    finally:
        db.close()


async def get_epoch(client: RpcClient) -> int:
    try:
        return int((await client.get("/status"))["epoch"])
    except (aiohttp.ClientError, TimeoutError, TypeError):
        return -1


async def kill_at_switch(client: RpcClient, proc: subprocess.Popen[bytes]) -> int:
    """SIGKILL as the node's committed height reaches the second reconfiguration block."""
    boundary = 2 * EPOCH_LENGTH
    async with asyncio.timeout(240):
        while True:
            status = await client.get("/status")
            height = status["sync_info"]["latest_block_height"]
            if height >= boundary - 1:
                proc.kill()
                proc.wait()
                return int(height)
            await asyncio.sleep(0.02)


async def scenario(homes: list[Path], procs: list[subprocess.Popen[bytes]]) -> None:
    async with aiohttp.ClientSession() as session:
        clients = [
            RpcClient(session, "http://{}:{}".format(*load_node_config(h).rpc_listen))
            for h in homes
        ]
        await wait_heights(clients, 1)
        killed_at = await kill_at_switch(clients[3], procs[3])
        before = read_signed(homes[3])
        top_epoch = max(epoch for _, epoch, _ in before)
        others = await wait_heights(clients[:3], killed_at + EPOCH_LENGTH // 2)
        procs[3] = spawn_node(homes[3])
        await wait_heights(clients, max(others) + 3)
        deadline = time.monotonic() + 120
        while min([await get_epoch(c) for c in clients]) < top_epoch + 2:
            assert time.monotonic() < deadline, "the network did not move two epochs on"
            await asyncio.sleep(0.5)
        after = read_signed(homes[3]) - before
        assert all(epoch >= top_epoch for _, epoch, _ in after), "signed in an older epoch"
        votes = [m for m in after if m[0] == SignedKind.VOTE and m[1] > top_epoch]
        assert votes, f"no vote in a new epoch after the restart (killed at {killed_at})"
        final = min(await wait_heights(clients, 1))
        ids = [await block_ids(c, final) for c in clients]
        assert all(x == ids[0] for x in ids), "every node holds the same committed log"


@pytest.mark.slow
def test_kill_9_during_an_epoch_switch_then_restart(tmp_path: Path) -> None:
    options = DevnetOptions(
        tmp_path / "net", proofs=False, base_port=free_base_port(8), epoch_length=EPOCH_LENGTH
    )
    run_fault_scenario(options, scenario)
