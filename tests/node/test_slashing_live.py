"""Slashing in a running network: four in-process nodes, validator 1 double-votes (the attack
mode's outbox). Node 0 includes the evidence, every node slashes it once in its staking
ledger, and node 0 reports it: a ``slashed`` event, ``/validators``, ``/v1/staking/validator``
and the ``zkpov_staking_slashed`` gauge."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp

from tests.node.test_runtime import free_base_port, metric, wait_for
from zkpov.node.attack.outbox import EquivocatingOutbox
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.view import EventKind
from zkpov.node.runtime import Node
from zkpov.storage.slashing_db import SignedKind


def make_nodes(layout: TestnetLayout) -> list[Node]:
    nodes = []
    for i, home in enumerate(layout.homes):
        config = dataclasses.replace(load_node_config(home), proofs_enabled=False)
        write_node_config(config)
        wrap = None
        if i == 1:
            wrap = lambda o, idx, sk, sch: EquivocatingOutbox(o, idx, sk, sch, "double_vote")  # noqa: E731
        nodes.append(Node(config, wrap_outbox=wrap))
    return nodes


async def read_rpc(node: Node) -> tuple[dict[str, object], dict[str, object]]:
    host, port = node.config.rpc_listen
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://{host}:{port}/validators") as resp:
            validators = await resp.json()
        async with http.get(f"http://{host}:{port}/v1/staking/validator?index=1") as resp:
            staking = await resp.json()
    return validators, staking


async def scenario(layout: TestnetLayout) -> None:
    nodes = make_nodes(layout)
    subscription = nodes[0].events.subscribe(frozenset({EventKind.SLASHED}))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        event = await asyncio.wait_for(subscription.get(), 180)
        expected = int(layout.genesis.validators[1].stake * layout.genesis.consensus.slashing_rate)
        assert (event.validator, event.amount) == (1, expected)
        height = event.height
        await wait_for(lambda: all(n.chain.height >= height for n in nodes), 120)
        assert all(n.chain.ledger.state.validators[1].slashed_amount == expected for n in nodes)
        validators, staking = await read_rpc(nodes[0])
        assert validators["validators"][1]["slashed"] == str(expected)  # type: ignore[index]
        assert staking["status"] == "slashed" and staking["slashed"] == str(expected)
        assert metric(nodes[0], "zkpov_staking_slashed") == expected
        assert all(n.chain.ledger.get_supply() == n.chain.ledger.state.initial_supply
                   + n.chain.ledger.state.minted - expected for n in nodes)  # fmt: skip
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


def test_a_double_voter_is_slashed_once_on_every_node(tmp_path: Path) -> None:
    layout = create_testnet(
        tmp_path / "net", 4, accounts=1, base_port=free_base_port(8), proof_lag=0
    )
    asyncio.run(scenario(layout))


async def leave_scenario(layout: TestnetLayout) -> None:
    """Epochs on: the slashed double voter is not in the next epoch's set; its node follows the
    chain as an observer and signs nothing in that epoch."""
    nodes = make_nodes(layout)
    changes = nodes[0].events.subscribe(frozenset({EventKind.EPOCH_CHANGE}))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        await wait_for(lambda: nodes[0].chain.ledger.state.validators[1].slashed_amount > 0, 180)
        slashed_in = int(nodes[0].chain.ledger.state.epoch)
        event = await asyncio.wait_for(changes.get(), 60)
        while event.epoch is not None and event.epoch <= slashed_in:
            event = await asyncio.wait_for(changes.get(), 60)
        assert (event.joined, event.left) == ((), (1,))
        left_in = event.epoch
        assert left_in is not None
        await wait_for(lambda: all(int(n.chain.ledger.state.epoch) >= left_in + 1 for n in nodes))
        assert nodes[1].chain.height >= nodes[0].chain.height - 4  # the observer follows
        assert nodes[1].driver.get_signing_index(left_in) is None
        records = nodes[1].slashing.get_records(nodes[1].validator.public, SignedKind.VOTE)
        assert records and all(int(r.epoch) < left_in for r in records)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


def test_with_epochs_the_double_voter_leaves_the_next_set(tmp_path: Path) -> None:
    layout = create_testnet(
        tmp_path / "net", 4, accounts=1, base_port=free_base_port(8), proof_lag=0, epoch_length=8
    )
    asyncio.run(leave_scenario(layout))
