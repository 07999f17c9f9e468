"""The RPC of a real one-validator node (LMDB, slashing DB, real Groth16 proofs), not a fake view.

The node runs on its own event loop in a thread. After it commits and proves a transfer:
schemathesis checks every operation's answers against the served OpenAPI description, and
each field a fake view could make up is checked against the node itself: its identity, its
listen address, the proven-final height, the transfer, the events, and the metrics.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.node.test_runtime import free_base_port, make_transfer
from tests.support.metrics import find_zero_samples
from zkpov.node.consensus_io.input_guard import REJECT_REASONS
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import create_testnet
from zkpov.node.rpc.api import get_routes
from zkpov.node.rpc.metrics import CHANNELS
from zkpov.node.runtime import Node
from zkpov.node.state.admission import REJECT_REASONS as TRANSFER_REJECT_REASONS

WAYS = ("receive", "send")
# Zero on one validator with one transfer and no faults: no peers, so no p2p traffic; every
# signature present; no evidence, restarts, rejections (of input or transfers) or penalties.
ZERO_ON_ONE_HEALTHY_VALIDATOR = {
    "zkpov_epoch",  # no epochs on this chain
    "zkpov_p2p_peers",
    *(f"zkpov_p2p_message_{way}_bytes_total{{channel={c}}}" for way in WAYS for c in CHANNELS),
    "zkpov_consensus_missing_validators_power",
    "zkpov_consensus_byzantine_validators",
    "zkpov_consensus_core_restarts_total",
    *(f"zkpov_consensus_rejected_inputs_total{{reason={r}}}" for r in REJECT_REASONS),
    "zkpov_p2p_peer_offences_total",
    "zkpov_p2p_peer_bans_total",
    *(f"zkpov_mempool_rejected_transfers_total{{reason={r}}}" for r in TRANSFER_REJECT_REASONS),
    "zkpov_consensus_num_txs",  # the latest block is empty: the transfer is a few blocks back
    "zkpov_mempool_size",
    "zkpov_proof_lag_blocks",  # may be 0 or not, whenever the metrics are read
    "zkpov_consensus_rounds",  # likewise: 0 right after a commit
    "zkpov_staking_slashed",  # no evidence on a healthy network
    "zkpov_staking_supply_violations_total",
}


class LiveNode:
    """A node serving on its own event loop in a daemon thread."""

    def __init__(self, home: Path) -> None:
        self.node = Node(load_node_config(home))
        self.loop = asyncio.new_event_loop()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        host, port = self.node.config.rpc_listen
        self.url = f"http://{host}:{port}"

    def _serve(self) -> None:
        self.loop.run_until_complete(self.node.run(self.stop))

    def __enter__(self) -> LiveNode:
        self.thread.start()
        wait_until(lambda: _answers(f"{self.url}/health"), "the RPC to answer")
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)

    def get(self, path: str, **params: str) -> Any:
        response = requests.get(f"{self.url}{path}", params=params, timeout=10)
        assert response.status_code == 200, (path, response.text)
        return response.json()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def read_events(url: str, seen: list[dict[str, Any]], stop: threading.Event) -> None:
    """Collects the ``/events`` stream's data lines until ``stop``."""
    with requests.get(f"{url}/events", stream=True, timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith(b"data:"):
                seen.append(json.loads(line[5:]))
            if stop.is_set():
                return


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveNode, bytes, list[Any]]]:
    root = tmp_path_factory.mktemp("live")
    layout = create_testnet(root / "net", 1, accounts=2, base_port=free_base_port(2))
    tx = make_transfer(layout, layout.genesis.circuit_tree_depth)
    events: list[dict[str, Any]] = []
    with LiveNode(layout.homes[0]) as live:
        done = threading.Event()
        reader = threading.Thread(target=read_events, args=(live.url, events, done), daemon=True)
        reader.start()
        wait_until(lambda: bool(events), "the first event")  # subscribed before the transfer
        sent = requests.post(f"{live.url}/broadcast_tx", json={"tx": tx.hex()}, timeout=10)
        assert sent.json()["accepted"], sent.text
        tx_hash = hashlib.sha256(tx).hexdigest()
        wait_until(lambda: _proven_past(live, tx_hash), "the transfer to be proven")
        wait_until(lambda: live.node.chain.height >= 20, "20 blocks")
        done.set()
        yield live, tx, events


def _proven_past(live: LiveNode, tx_hash: str) -> bool:
    found = requests.get(f"{live.url}/tx", params={"hash": tx_hash}, timeout=10)
    if found.status_code != 200 or found.json()["status"] != "committed":
        return False
    proven = live.get("/status")["sync_info"]["proven_final_height"]
    return proven is not None and proven >= found.json()["height"]


_ROUTES = [route for route in get_routes(with_metrics=True) if route.path != "/events"]


@pytest.fixture(scope="module")
def rpc_schema(live: tuple[LiveNode, bytes, list[Any]]) -> Any:
    return schemathesis.openapi.from_url(f"{live[0].url}/openapi.json")


@pytest.mark.parametrize("label", [f"{r.method} {r.path}" for r in _ROUTES])
def test_live_answers_conform_to_the_openapi(
    live: tuple[LiveNode, bytes, list[Any]], rpc_schema: Any, label: str
) -> None:
    operation = rpc_schema.find_operation_by_label(label)

    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=8, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(base_url=live[0].url)

    check()


def test_identity_address_and_heights_are_the_nodes_own(
    live: tuple[LiveNode, bytes, list[Any]],
) -> None:
    node, tx = live[0], live[1]
    status, net = node.get("/status"), node.get("/net_info")
    assert status["node_info"]["node_id"] == node.node.transport.identity.node_key.public.hex()
    assert status["node_info"]["chain_id"] == node.node.genesis.chain_id
    assert status["node_info"]["setup"] == "insecure"  # what its testnet genesis says
    assert status["validator_info"]["pubkey"] == bytes(node.node.validator.public).hex()
    sync = status["sync_info"]
    assert sync["earliest_block_height"] == (node.node.store.get_base_height() or 0)
    assert sync["catching_up"] is False  # alone: nothing to fetch
    host, port = node.node.config.p2p_listen
    assert net["listen_address"] == f"{host}:{port}"
    finalized = node.get("/light/finalized")
    tx_height = node.get("/tx", hash=hashlib.sha256(tx).hexdigest())["height"]
    assert finalized["proven_final_height"] >= tx_height
    assert finalized["proven_final_height"] <= finalized["header"]["height"]
    proof = node.get("/light/proof", height=str(tx_height))
    assert proof["height"] == tx_height


def test_events_carry_new_blocks_commits_and_proofs(
    live: tuple[LiveNode, bytes, list[Any]],
) -> None:
    node, events = live[0], live[2]
    kinds = {event["type"] for event in events}
    assert kinds == {"new_block", "finalized", "proven_final", "rewards"}
    certified = [e for e in events if e["type"] == "new_block"]
    committed = {e["block_id"] for e in events if e["type"] == "finalized"}
    # one validator, one chain: what was certified is committed (but the last two, maybe)
    assert {e["block_id"] for e in certified[:-2]} <= committed
    assert sum(e["num_txs"] for e in certified) >= 1
    finalized = [e["height"] for e in events if e["type"] == "finalized"]
    assert finalized == sorted(finalized) and node.node.chain.height >= finalized[-1]


def test_the_staking_ledger_pays_rewards_and_conserves_supply(
    live: tuple[LiveNode, bytes, list[Any]],
) -> None:
    node, events = live[0], live[2]
    paid = [e for e in events if e["type"] == "rewards"]
    finalized = {e["height"] for e in events if e["type"] == "finalized"}
    # every committed block paid (the reader may stop between a block's two events)
    assert {e["height"] for e in paid} >= finalized - {max(finalized)}
    supply = node.get("/v1/staking/supply")
    assert supply["conserved"] is True and int(supply["minted"]) >= sum(
        int(e["amount"]) for e in paid
    )
    assert int(supply["initial"]) + int(supply["minted"]) == int(supply["total"])
    me = node.get("/v1/staking/validator", index="0")
    assert me["pubkey"] == bytes(node.node.validator.public).hex() and me["status"] == "active"
    # alone: every reward is its own, settled or still in its pool
    assert int(me["balance"]) + int(me["outstanding"]) == int(supply["minted"])
    assert 0 <= int(me["outstanding"]) - int(me["owner_pending"]) <= 2**20  # flooring dust
    metrics = node.node.metrics.render()[0].decode().splitlines()
    (stake,) = [
        line.split()[1] for line in metrics if line.startswith("zkpov_staking_total_stake ")
    ]
    assert float(stake) == int(me["stake"])


def test_every_declared_metric_moved(live: tuple[LiveNode, bytes, list[Any]]) -> None:
    body, _ = live[0].node.metrics.render()
    assert find_zero_samples(body.decode()) <= ZERO_ON_ONE_HEALTHY_VALIDATOR
