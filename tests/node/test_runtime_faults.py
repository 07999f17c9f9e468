"""The node's fault paths, proofs off: a peer forging votes is banned, and a consensus core that
fails (or whose commit the committed chain could not take) is rebuilt from durable state and
goes on."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from pathlib import Path

import pytest

from tests.node.consensus_io.test_driver_faults import make_vote
from tests.node.rpc.test_metrics import value
from tests.node.test_runtime import assert_agree, free_base_port, wait_for
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import create_testnet
from zkpov.node.runtime import Node
from zkpov.spec.codec.messages import encode_message
from zkpov.types import ValidatorIndex


def make_nodes(tmp_path: Path, n: int, count: int | None = None) -> list[Node]:
    layout = create_testnet(
        tmp_path / "net", n, accounts=2, base_port=free_base_port(2 * n), proof_lag=0
    )
    homes = layout.homes[: n if count is None else count]
    return [Node(dataclasses.replace(load_node_config(h), proofs_enabled=False)) for h in homes]


@pytest.fixture
def node(tmp_path: Path) -> Node:
    (only,) = make_nodes(tmp_path, 4, count=1)
    return only


def test_a_peer_forging_votes_is_banned_on_the_transport(node: Node) -> None:
    forger = ValidatorIndex(3)
    forged = encode_message(make_vote(2))  # validator 2's vote, sent by validator 3
    for _ in range(11):  # the default burst is 10 offences
        node.driver.on_input(forger, forged)
    assert node.transport.is_banned(bytes(node.start.vset.pubkeys[forger]))
    assert not node.transport.is_banned(bytes(node.start.vset.pubkeys[2]))
    assert value(node.metrics, "zkpov_consensus_rejected_inputs_total", reason="wrong_sender") == 11
    assert value(node.metrics, "zkpov_p2p_peer_offences_total") == 11
    assert value(node.metrics, "zkpov_p2p_peer_bans_total") == 1
    node.close()


def test_a_failing_core_is_rebuilt_from_the_committed_chain_and_counted(node: Node) -> None:
    failed = node.driver.core

    def crash(*_: object) -> None:
        raise RuntimeError("a bug in the core")

    failed.on_vote = crash  # type: ignore[method-assign, assignment]
    vote = encode_message(make_vote(2))
    node.driver.process(functools.partial(node.driver.on_input, ValidatorIndex(2), vote))
    fresh = node.driver.core
    assert fresh is not failed and fresh.tree.root == node.chain.get_root()[0]
    assert node.driver.stats.restarts == 1
    assert value(node.metrics, "zkpov_consensus_core_restarts_total") == 1
    node.close()


def test_a_commit_that_could_not_be_written_restarts_the_core_without_a_gap(
    tmp_path: Path,
) -> None:
    asyncio.run(run_with_one_failed_commit(make_nodes(tmp_path, 4)))


async def run_with_one_failed_commit(nodes: list[Node]) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(n.run(stop)) for n in nodes]
    try:
        await wait_for(lambda: min(n.chain.height for n in nodes) >= 2)
        failed_at = fail_next_commit(nodes[0])
        await wait_for(lambda: failed_at)
        await wait_for(lambda: nodes[0].chain.height >= failed_at[0] + 3)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert [b.height for b in nodes[0].chain.blocks] == list(range(1, nodes[0].chain.height + 1))
    assert nodes[0].driver.stats.restarts == 1
    assert_agree(nodes)


def fail_next_commit(node: Node) -> list[int]:
    """Makes the committed chain's next write fail once (as a full disk would), after the core
    committed; returns a list that gets the height the committed chain was at."""
    failed_at: list[int] = []
    on_commit = node.chain.on_commit

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed_at:
            failed_at.append(node.chain.height)
            raise OSError("no space left on device")
        return on_commit(*args, **kwargs)

    node.chain.on_commit = failing  # type: ignore[method-assign]
    return failed_at
