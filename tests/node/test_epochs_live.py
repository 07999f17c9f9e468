"""Epochs on real nodes: four validators over Noise TCP with LMDB and slashing DBs (one process),
epoch length 4. They switch together and store the same endings; a validator stopped for two
epochs restarts behind, catches up across them from its peers' epoch-change proofs and stored
blocks, and then signs again only in the new epoch (its slashing DB shows it)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp
import pytest

from tests.node.test_runtime import assert_agree, free_base_port, metric, wait_for
from zkpov.client import models as m
from zkpov.client.aio import AsyncZkpovClient
from zkpov.devnet.epochs import read_epochs
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.client import RpcClient
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


def url(node: Node) -> str:
    host, port = node.config.rpc_listen
    return f"http://{host}:{port}"


async def get_first_epoch_change(node: Node) -> m.Event:
    """The first ``epoch_change`` event node 0 publishes over SSE."""
    async with AsyncZkpovClient(url(node)) as client:
        async for event in client.events(["epoch_change"]):
            return event
    raise AssertionError("the event stream ended")


async def check_interfaces(nodes: list[Node], event: m.Event) -> None:
    """The epoch as the RPC, the metric and the devnet's summary see it, on live nodes."""
    assert (event.type, event.epoch, event.height) == ("epoch_change", 1, EPOCH_LENGTH)
    assert event.joined == () and event.left == ()  # nobody joins or leaves here
    async with AsyncZkpovClient(url(nodes[0])) as client:
        status = await client.status()
        past = await client.validators(epoch=1)
        assert past.epoch == 1 and past.total == 4 and past.block_height == EPOCH_LENGTH + 1
        assert status.epoch >= 2
    assert metric(nodes[0], "zkpov_epoch") == epoch_of(nodes[0]) >= 2
    async with aiohttp.ClientSession() as http:
        summary = await read_epochs([RpcClient(http, url(n)) for n in nodes])
        missing = await RpcClient(http, url(nodes[0])).get("/validators", epoch=10**6)
    assert missing is None and summary.agree and summary.epochs >= 2
    assert summary.validator_set_changes[0] == {"epoch": 1, "joined": [], "left": []}


async def scenario(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop, crash = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(n.run(crash if i == 3 else stop)) for i, n in enumerate(nodes)]
    try:
        await wait_for(lambda: all(len(n.transport.get_peers()) == 3 for n in nodes))
        first_change = asyncio.create_task(get_first_epoch_change(nodes[0]))
        await wait_for(lambda: all(epoch_of(n) >= 2 for n in nodes), 120)
        await check_interfaces(nodes, await asyncio.wait_for(first_change, 10))
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
