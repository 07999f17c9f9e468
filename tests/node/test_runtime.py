"""Four nodes over real Noise TCP on loopback, with LMDB and the slashing DB (one process)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.support.chain_tag import get_chain_tag
from tests.support.metrics import find_zero_samples
from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.devnet.processes import find_free_base_port
from zkpov.node.consensus_io.input_guard import REJECT_REASONS
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.proving.proof_chain import get_carried
from zkpov.node.runtime import Node
from zkpov.node.state.admission import REJECT_REASONS as TRANSFER_REJECT_REASONS

free_base_port = find_free_base_port  # the name the node tests import


async def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def make_transfer(layout: TestnetLayout, depth: int) -> bytes:
    account = read_key_file(layout.account_key_files[0], KeyKind.ACCOUNT)
    target = read_key_file(layout.account_key_files[1], KeyKind.ACCOUNT)
    sender = compute_account_index(account.public, depth)
    recipient = compute_account_index(target.public, depth)
    tag = get_chain_tag(layout.genesis)
    return sign_transfer(account.secret, sender, recipient, target.public, 5, 1, 0, tag).to_bytes()


def carried_heights(node: Node) -> set[int]:
    return {height for block in node.chain.blocks for height, _ in get_carried(block)}


def committed_ids(node: Node) -> list[bytes]:
    return [block.id for block in node.chain.blocks]


def metric(node: Node, name: str, **labels: str) -> float:
    body, _ = node.metrics.render()
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise KeyError(name)


def assert_live_metrics(node: Node) -> None:
    """What a live node declares moves (zero only where zero is right: no faults, no evidence,
    every validator signing)."""
    assert metric(node, "zkpov_consensus_validators") == 4
    assert metric(node, "zkpov_consensus_validators_power") == sum(node.start.vset.stakes)
    assert metric(node, "zkpov_consensus_rounds") >= 1
    assert (
        metric(node, "zkpov_consensus_height")
        > metric(node, "zkpov_consensus_latest_block_height")
        > 0
    )
    assert metric(node, "zkpov_consensus_total_txs") >= 1
    assert metric(node, "zkpov_consensus_commit_latency_seconds_count") > 0
    assert metric(node, "zkpov_consensus_block_interval_seconds_count") > 0
    assert metric(node, "zkpov_consensus_proven_final_height") > 0
    assert metric(node, "zkpov_proof_verification_seconds_count") > 0
    for direction in ("receive", "send"):
        name = f"zkpov_p2p_message_{direction}_bytes_total"
        assert metric(node, name, channel="consensus") > 0, name
    # it gossiped the transfer (it may have proven the batch itself, and received no proof)
    assert metric(node, "zkpov_p2p_message_send_bytes_total", channel="transactions") > 0


# What must (or may) read 0 on every node of a healthy 4-validator network after 20 blocks with
# one transfer: no faults, so no evidence, restarts, rejected input or transfers (node 0 refuses
# the "00" check_rpc posts) or penalties; keepalives go only over idle connections (none here);
# the last block, the mempool, the proof lag are usually empty or 0 when read.
ZERO_ON_A_HEALTHY_NETWORK = {
    "zkpov_consensus_byzantine_validators",
    "zkpov_consensus_core_restarts_total",
    *(f"zkpov_consensus_rejected_inputs_total{{reason={r}}}" for r in REJECT_REASONS),
    "zkpov_p2p_peer_bans_total",
    "zkpov_p2p_peer_offences_total",
    *(f"zkpov_mempool_rejected_transfers_total{{reason={r}}}" for r in TRANSFER_REJECT_REASONS),
    "zkpov_p2p_message_receive_bytes_total{channel=control}",
    "zkpov_p2p_message_send_bytes_total{channel=control}",
    "zkpov_consensus_num_txs",
    "zkpov_mempool_size",
    "zkpov_proof_lag_blocks",
    "zkpov_consensus_rounds",
    "zkpov_consensus_missing_validators_power",
    "zkpov_staking_slashed",  # no evidence on a healthy network
    "zkpov_staking_supply_violations_total",
    "zkpov_epoch",  # no epochs on this network (tests/node/test_epochs_live.py sees it move)
}


def assert_every_metric_moved(nodes: list[Node]) -> None:
    """Each series the nodes declare is non-zero on at least one node, but those above."""
    zero = [find_zero_samples(node.metrics.render()[0].decode()) for node in nodes]
    assert set.intersection(*zero) <= ZERO_ON_A_HEALTHY_NETWORK


def assert_agree(nodes: list[Node]) -> None:
    logs = [committed_ids(node) for node in nodes]
    shortest = min(len(log) for log in logs)
    assert all(log[:shortest] == logs[0][:shortest] for log in logs)


async def check_rpc(node: Node, tx: bytes) -> None:
    host, port = node.config.rpc_listen
    base = f"http://{host}:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/status") as resp:
            status = await resp.json()
        async with http.get(f"{base}/tx", params={"hash": hashlib.sha256(tx).hexdigest()}) as resp:
            found = await resp.json()
        async with http.post(f"{base}/broadcast_tx", json={"tx": "00"}) as resp:
            rejected = await resp.json()
        async with http.get(f"{base}/commit", params={"height": "1"}) as resp:
            commit = await resp.json()
    assert status["sync_info"]["latest_block_height"] >= found["height"] >= 1
    assert found["tx"] == tx.hex()
    assert rejected["accepted"] is False
    assert commit["certificate"]["block_id"] == commit["block_id"]
    two_chain = commit["commit_certificate"]
    assert two_chain is None or two_chain["parent_id"] == commit["block_id"]


async def scenario(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop, crash = asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(node.run(crash if i == 3 else stop)) for i, node in enumerate(nodes)
    ]
    try:
        await drive(layout, nodes, tasks, stop, crash)
    finally:  # a failed check still stops every node, so the failure is reported
        stop.set()
        crash.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


async def drive(
    layout: TestnetLayout, nodes: list[Node], tasks: list[asyncio.Task[None]],
    stop: asyncio.Event, crash: asyncio.Event,
) -> None:  # fmt: skip
    tx = make_transfer(layout, nodes[0].genesis.circuit_tree_depth)
    await wait_for(lambda: all(len(n.transport.get_peers()) == 3 for n in nodes))
    assert nodes[0].submit_tx(tx).accepted
    await wait_for(lambda: all(n.counters.txs_committed == 1 for n in nodes))
    # The proposer proves the batch; every node verifies the gossiped proof (real Groth16).
    await wait_for(
        lambda: all(n.prover is not None and n.prover.proofs_verified == 1 for n in nodes)
    )
    tx_height = nodes[0].store.get_tx_height(hashlib.sha256(tx).digest())
    assert tx_height is not None
    await wait_for(
        lambda: all(
            n.prover is not None and n.prover.proven_final_height >= tx_height for n in nodes
        )
    )
    assert len({n.chain.state.root for n in nodes if n.chain.height == nodes[0].chain.height}) == 1
    # proof_lag 2: a later block carries the proof, checked by every validator before voting.
    await wait_for(lambda: all(tx_height in carried_heights(n) for n in nodes))
    crash.set()  # node 3 stops; the others keep committing without it
    await tasks[3]
    assert nodes[3].prover is not None
    proven_at_stop = nodes[3].prover.proven_final_height
    stopped_at = committed_ids(nodes[3])
    await wait_for(lambda: min(n.chain.height for n in nodes[:3]) >= len(stopped_at) + 3)
    again = Node(load_node_config(layout.homes[3]))
    assert committed_ids(again) == stopped_at, "committed data survives the restart"
    assert again.prover is not None and again.prover.proven_final_height == proven_at_stop >= 1
    tasks[3] = asyncio.create_task(again.run(stop))
    first_run, nodes[3] = nodes[3], again
    await wait_for(lambda: again.chain.height >= nodes[0].chain.height > len(stopped_at) + 3)
    await wait_for(lambda: metric(nodes[0], "zkpov_p2p_peers") == 3)
    await wait_for(lambda: nodes[0].chain.height >= 20)
    assert_live_metrics(nodes[0])
    assert_every_metric_moved([*nodes, first_run])  # node 3's first run may have proven alone
    received = "zkpov_p2p_message_receive_bytes_total"
    assert metric(nodes[1], received, channel="transactions") > 0  # the transfer, gossiped
    stop.set()
    await asyncio.gather(*tasks)
    assert_agree(nodes)
    assert again.driver.stats.refused == 0
    # apply once: node 0 ran every block once, at its check; each commit reused that state
    assert nodes[0].chain.height >= 20 and nodes[0].chain.reapplied == 0


def test_nodes_commit_prove_a_transfer_and_a_restarted_node_catches_up(tmp_path: Path) -> None:
    port = free_base_port(8)
    layout = create_testnet(tmp_path / "net", 4, accounts=2, base_port=port, proof_lag=2)
    Node(load_node_config(layout.homes[0])).close()  # the first node creates the shared proving key
    asyncio.run(scenario(layout))
