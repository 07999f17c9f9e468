"""Epochs on real nodes: four validators over Noise TCP with LMDB and slashing DBs (one process),
epoch length 4. They switch together and store the same endings; a validator stopped for two
epochs restarts behind, catches up across them from its peers' epoch-change proofs and stored
blocks, and then signs again only in the new epoch (its slashing DB shows it)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from tests.node.test_runtime import assert_agree, free_base_port, wait_for
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node
from zkpov.storage.slashing_db import SignedKind

EPOCH_LENGTH = 4


def make_layout(tmp_path: Path) -> TestnetLayout:
    layout = create_testnet(
        tmp_path / "net", 4, accounts=2, base_port=free_base_port(8), epoch_length=EPOCH_LENGTH
    )
    for home in layout.homes:
        write_node_config(dataclasses.replace(load_node_config(home), proofs_enabled=False))
    return layout


def epoch_of(node: Node) -> int:
    return int(node.chain.ledger.state.epoch)


def signed_epochs(node: Node) -> set[int]:
    pubkey = node.validator.public
    records = node.slashing.get_records(pubkey, SignedKind.VOTE)
    return {int(r.epoch) for r in records}


async def scenario(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop, crash = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(n.run(crash if i == 3 else stop)) for i, n in enumerate(nodes)]
    try:
        await drive(layout, nodes, tasks, stop, crash)
    finally:
        stop.set()
        crash.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


async def drive(
    layout: TestnetLayout, nodes: list[Node], tasks: list[asyncio.Task[None]],
    stop: asyncio.Event, crash: asyncio.Event,
) -> None:  # fmt: skip
    await wait_for(lambda: all(epoch_of(n) >= 2 for n in nodes), 120)
    crash.set()  # node 3 stops; three of four are a quorum and go on
    await tasks[3]
    left_in = epoch_of(nodes[3])
    await wait_for(lambda: min(epoch_of(n) for n in nodes[:3]) >= left_in + 2, 120)
    again = Node(load_node_config(layout.homes[3]))
    assert epoch_of(again) == left_in, "it resumes in the epoch its store reached"
    tasks[3] = asyncio.create_task(again.run(stop))
    nodes[3] = again
    target = epoch_of(nodes[0]) + 1
    await wait_for(lambda: all(epoch_of(n) >= target for n in nodes), 120)
    await wait_for(lambda: max(signed_epochs(again)) >= target, 60)  # it votes again
    endings = [[(e.block.height, e.block.id) for e in n.endings.load()] for n in nodes]
    stop.set()
    await asyncio.gather(*tasks)
    assert_agree(nodes)
    assert all(len(e) >= target for e in endings)
    shortest = min(len(e) for e in endings)
    assert all(e[:shortest] == endings[0][:shortest] for e in endings)
    assert [h for h, _ in endings[0]] == [EPOCH_LENGTH * (i + 1) for i in range(len(endings[0]))]
    assert again.driver.stats.refused == 0  # no signature the slashing DB had to refuse


@pytest.mark.slow
def test_nodes_switch_epochs_and_a_stopped_validator_catches_up_across_them(
    tmp_path: Path,
) -> None:
    asyncio.run(scenario(make_layout(tmp_path)))
