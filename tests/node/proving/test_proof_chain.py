"""Carried proofs in a live 4-node network: validators without a prover cannot stall transfers,
because a validator that has one proves an overdue batch itself (real Groth16, BLS, Noise TCP)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from tests.node.test_runtime import free_base_port, wait_for
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.state import compute_account_index, sign_transfer
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.proving.proof_chain import get_carried
from zkpov.node.runtime import Node
from zkpov.spec.codec.payload import decode_payload


def transfers(layout: TestnetLayout, depth: int, count: int) -> list[bytes]:
    sender = read_key_file(layout.account_key_files[0], KeyKind.ACCOUNT)
    target = read_key_file(layout.account_key_files[1], KeyKind.ACCOUNT)
    s_index = compute_account_index(sender.public, depth)
    t_index = compute_account_index(target.public, depth)
    tag = get_chain_tag(layout.genesis)
    return [
        sign_transfer(sender.secret, s_index, t_index, target.public, 1, nonce, 0, tag).to_bytes()
        for nonce in range(1, count + 1)
    ]


def proven_heights(node: Node) -> set[int]:
    return {h for block in node.chain.blocks for h, _ in get_carried(block)}


def transfer_heights(node: Node) -> set[int]:
    return {b.height for b in node.chain.blocks if decode_payload(b.payload)}


async def scenario(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        await wait_for(lambda: all(len(n.transport.get_peers()) == 3 for n in nodes))
        for tx in transfers(layout, nodes[0].genesis.circuit_tree_depth, 3):
            assert nodes[0].submit_tx(tx).accepted
            done = nodes[0].counters.txs_committed + 1
            await wait_for(lambda d=done: nodes[0].counters.txs_committed >= d, 120)  # type: ignore[misc]
        # proof_lag 1: each batch is proven in a later block before the next batch may come in,
        # whoever proposed it; the batches of nodes 0-2 (no prover) are rescued by node 3.
        await wait_for(lambda: transfer_heights(nodes[0]) <= proven_heights(nodes[0]), 120)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert [n.pipeline is None for n in nodes] == [True, True, True, False]  # who proves


RESCUE = 1


def test_validators_without_a_prover_cannot_stall_transfers(tmp_path: Path) -> None:
    port = free_base_port(8)
    layout = create_testnet(tmp_path / "net", 4, accounts=2, base_port=port, proof_lag=1)
    for i, home in enumerate(layout.homes):
        config = load_node_config(home)
        write_node_config(
            dataclasses.replace(config, proofs_enabled=i == 3, proof_rescue_seconds=RESCUE)
        )
    Node(load_node_config(layout.homes[3])).close()  # one node creates the shared proving key
    asyncio.run(scenario(layout))
