"""A real network: four of five validators commit and prove a transfer, and validator 1
double-votes (the attack mode's outbox), so blocks carry its evidence; the fifth runs
``run_fast_sync`` from node 0's RPC, which verifies the checkpoint (through the epoch changes
when epochs are on), installs its accounts, staking ledger and the offence index node 0 built
by replay, and the fifth then follows the chain from there with the same blocks, roots and
staking ledger as the others, never trying to sign at or below the checkpoint."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.node.test_runtime import free_base_port, make_transfer, wait_for
from zkpov.chain.ledger_root import compute_staking_root
from zkpov.consensus.evidence_index import EvidenceIndex, Offence, get_offence
from zkpov.node.attack.outbox import EquivocatingOutbox
from zkpov.node.fast_sync.client import MAX_ANSWER_BYTES
from zkpov.node.fast_sync.sync import run_fast_sync
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node
from zkpov.spec.codec.evidence import decode_evidence


def get_rpc_url(node: Node) -> str:
    host, port = node.config.rpc_listen
    return f"http://{host}:{port}"


def make_nodes(layout: TestnetLayout) -> list[Node]:
    """Nodes 0 to 3; node 1 double-votes after each honest vote (a slashed validator leaves the
    next epoch's set: the three others still hold more than 2/3 of the stake without node 4)."""
    wrap = lambda o, idx, sk, sch: EquivocatingOutbox(o, idx, sk, sch, "double_vote")  # noqa: E731
    homes = layout.homes[:4]
    return [
        Node(load_node_config(h), wrap_outbox=wrap if i == 1 else None) for i, h in enumerate(homes)
    ]


def get_committed_offences(node: Node, height: int) -> set[Offence]:
    """The offence index after ``height`` as the node's replay built it, block by block."""
    index = EvidenceIndex()
    for block in map(node.chain.get_block, range(1, height + 1)):
        assert block is not None
        index.add((get_offence(decode_evidence(item)) for item in block.evidence), block.round)
    return index.offences


def get_served_height(node: Node) -> int:
    """The height of the checkpoint the node would serve now (-1 if none)."""
    checkpoint = node.fast_sync.get_checkpoint()
    return -1 if checkpoint is None else checkpoint.height


async def join_and_follow(
    layout: TestnetLayout, nodes: list[Node], stop: asyncio.Event, epoch_length: int
) -> None:
    await wait_for(lambda: all(len(n.transport.get_peers()) >= 3 for n in nodes))
    tx = make_transfer(layout, nodes[0].genesis.circuit_tree_depth)
    assert nodes[0].submit_tx(tx).accepted
    await wait_for(lambda: nodes[0].store.get_tx_height(hashlib.sha256(tx).digest()) is not None)
    tx_height = nodes[0].store.get_tx_height(hashlib.sha256(tx).digest())
    assert tx_height is not None
    await wait_for(lambda: bool(nodes[0].chain.ledger.index.offences))  # evidence committed
    floor = max(tx_height, nodes[0].chain.height, 2 * epoch_length)  # epochs: past epoch 1
    # the checkpoint is the highest 2-chain at or below the proven-final height, which timeouts
    # (the double voter's rounds) and epoch ends can put some blocks below it: wait for it
    await wait_for(lambda: get_served_height(nodes[0]) >= floor, timeout=120)
    config = load_node_config(layout.homes[4])
    result = await asyncio.to_thread(run_fast_sync, config, get_rpc_url(nodes[0]))
    assert result is not None and result.height >= floor
    joiner = Node(config)
    assert joiner.chain.base == joiner.chain.height == result.height  # installed: no replay
    assert joiner.chain.state.get_account(1) == nodes[0].chain.state.get_account(1)
    assert len(joiner.endings.load()) == joiner.chain.ledger.state.epoch  # verified, stored
    assert joiner.chain.ledger.state.epoch >= (1 if epoch_length else 0)
    installed = joiner.chain.ledger.index.offences
    assert installed and installed == get_committed_offences(nodes[0], result.height)
    assert result.offences == len(installed)
    task = asyncio.create_task(joiner.run(stop))
    target = nodes[0].chain.height + 5
    await wait_for(lambda: joiner.chain.height >= target, timeout=120)
    height = joiner.chain.height
    await wait_for(lambda: all(n.chain.height >= height for n in nodes))
    for node in nodes:
        ours, theirs = joiner.chain.get_block(height), node.chain.get_block(height)
        assert ours is not None and theirs is not None and ours.id == theirs.id
    assert joiner.chain.state.root == int.from_bytes(ours.state_root, "big")
    tip = joiner.chain.get_block(joiner.chain.height)  # its ledger is the one its tip names
    assert tip is not None and compute_staking_root(joiner.chain.ledger.state) == tip.staking_root
    # its safety data starts past the commit QC's round, as the install barred: the slashing
    # guard refuses nothing (before, it refused the timeout of the commit QC's round)
    assert joiner.driver.stats.refused == 0
    stop.set()
    await task
    assert run_fast_sync(config, get_rpc_url(nodes[0])) is None  # a store with a chain: skipped


async def scenario(layout: TestnetLayout, epoch_length: int) -> None:
    nodes = make_nodes(layout)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        await join_and_follow(layout, nodes, stop, epoch_length)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


@pytest.mark.parametrize("epoch_length", [None, 4])
def test_a_late_node_fast_syncs_then_follows_the_chain(
    tmp_path: Path, epoch_length: int | None
) -> None:
    """With epochs on (length 4) the checkpoint lies epochs past genesis: the joiner checks the
    epoch-change proof from genesis and the checkpoint's QCs against its epoch's set."""
    layout = create_testnet(
        tmp_path / "net", 5, accounts=2, base_port=free_base_port(10), epoch_length=epoch_length
    )
    Node(load_node_config(layout.homes[0])).close()  # the first node creates the proving key
    asyncio.run(scenario(layout, epoch_length or 0))


class HostileHandler(BaseHTTPRequestHandler):
    """Answers every request with the class's ``body``."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def hostile_server(body: bytes) -> Iterator[str]:
    handler = type("Handler", (HostileHandler,), {"body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"[" * (MAX_ANSWER_BYTES + 10), "an answer over"),
        (b"{}", "checkpoint must be an object"),
        (b"not json", "no JSON"),
        (None, "cannot fetch"),
    ],
)
def test_a_bad_peer_falls_back_to_replay_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, body: bytes | None, why: str
) -> None:
    layout = create_testnet(tmp_path / "net", 1, base_port=free_base_port(2))
    config = load_node_config(layout.homes[0])
    with caplog.at_level(logging.WARNING, logger="zkpov.node.fast_sync"):
        if body is None:
            assert run_fast_sync(config, "http://127.0.0.1:9") is None  # nothing listens
        else:
            with hostile_server(body) as url:
                assert run_fast_sync(config, url) is None
    (record,) = caplog.records
    assert "replaying from genesis" in record.getMessage() and why in record.getMessage()
    Node(config).close()  # the store was left untouched: the node starts from genesis
