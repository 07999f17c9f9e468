"""The asyncio driver over the real core: 4 validators, real BLS, native re-execution."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.checkers import build_native_checker
from tests.support.loopback import LoopbackHub
from zkpov.consensus.actions import Commit
from zkpov.consensus.factory import build_core
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.bootstrap import build_chain_start
from zkpov.node.state.genesis import Genesis, read_genesis
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.types import ValidatorIndex


def make_net(tmp_path: Path, n: int) -> tuple[Genesis, list[bytes]]:
    layout = create_testnet(tmp_path / "net", n, accounts=2)
    genesis = read_genesis(layout.homes[0] / "genesis.json")
    sks = [
        read_key_file(home / "keys" / "validator_key.json", KeyKind.VALIDATOR).secret
        for home in layout.homes
    ]
    return genesis, sks


class Recorder:
    def __init__(self) -> None:
        self.committed: list[bytes] = []

    def on_commit(self, commit: Commit) -> None:
        self.committed.extend(commit.block_ids)


async def run_network(tmp_path: Path, n: int, until_height: int, down: set[int]) -> list[Recorder]:
    genesis, sks = make_net(tmp_path, n)
    start = build_chain_start(genesis)
    hub = LoopbackHub()
    recorders = [Recorder() for _ in range(n)]
    drivers = []
    for i in range(n):
        index = ValidatorIndex(i)
        core = build_core(start, index, sks[i], None, build_native_checker(start, genesis))
        store = FileSafetyStore(tmp_path / f"safety{i}.bin")
        driver = ConsensusDriver(
            core, hub.outbox_for(index), store, DriverHooks(recorders[i].on_commit)
        )
        hub.attach(index, driver)
        drivers.append(driver)
    hub.disconnected.update(ValidatorIndex(i) for i in down)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(d.run(stop)) for i, d in enumerate(drivers) if i not in down]

    async def wait_for_height() -> None:
        while (
            min(len(r.committed) for i, r in enumerate(recorders) if i not in down) < until_height
        ):
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(wait_for_height(), timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return recorders


def agree(logs: list[list[bytes]]) -> bool:
    shortest = min(len(log) for log in logs)
    return all(log[:shortest] == logs[0][:shortest] for log in logs)


def test_four_validators_commit_and_agree(tmp_path: Path) -> None:
    recorders = asyncio.run(run_network(tmp_path, 4, 5, set()))
    assert agree([r.committed for r in recorders])


def test_commits_with_one_validator_down(tmp_path: Path) -> None:
    recorders = asyncio.run(run_network(tmp_path, 4, 3, {3}))
    assert agree([r.committed for i, r in enumerate(recorders) if i != 3])
    assert recorders[3].committed == []


@pytest.mark.parametrize("payload", [b"", b"\x00", b"\xff" * 64, b"\x93"])
def test_garbage_input_is_counted_not_fatal(tmp_path: Path, payload: bytes) -> None:
    genesis, sks = make_net(tmp_path, 1)
    start = build_chain_start(genesis)
    core = build_core(start, ValidatorIndex(0), sks[0], None, build_native_checker(start, genesis))
    driver = ConsensusDriver(
        core, LoopbackHub().outbox_for(ValidatorIndex(0)), FileSafetyStore(tmp_path / "s")
    )
    assert driver.on_input(ValidatorIndex(0), payload) == []
    assert driver.stats.rejected == 1
