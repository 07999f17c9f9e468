"""Staking ops on four real nodes (Noise TCP, LMDB, real Groth16 with proof_lag 2): a delegate
and a create_validator sent over the RPC are gossiped, proposed, re-executed by every voter,
committed into every node's ledger (whose root every tip header names), and their block is
proven through circuit version 5."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import aiohttp

from tests.node.test_runtime import free_base_port, make_transfer, wait_for
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.containers import Delegation
from zkpov.chain.ledger_root import compute_staking_root
from zkpov.chain.operations import OpCode, build_create_validator, sign_delegate
from zkpov.chain.state import compute_account_index
from zkpov.chain.transition import is_supply_conserved
from zkpov.crypto import bls
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.runtime import Node


def make_ops(layout: TestnetLayout, depth: int) -> tuple[bytes, bytes, bytes]:
    """A delegate by account 0 (nonce 2, after its transfer) and account 1's create_validator."""
    tag = get_chain_tag(layout.genesis)
    keys = [read_key_file(f, KeyKind.ACCOUNT) for f in layout.account_key_files[:2]]
    index = [compute_account_index(k.public, depth) for k in keys]
    bond = sign_delegate(keys[0].secret, index[0], 0, 10**6, 2, fee=1, chain_tag=tag)
    new_key = bls.generate_secret_key()
    create = build_create_validator(keys[1].secret, index[1], new_key, 700, 10**8, 1, 1, tag)
    return bond.to_bytes(), create.to_bytes(), keys[0].public


async def broadcast(node: Node, tx: bytes) -> dict[str, object]:
    host, port = node.config.rpc_listen
    async with aiohttp.ClientSession() as http:
        url = f"http://{host}:{port}/broadcast_tx"
        async with http.post(url, json={"tx": tx.hex()}) as resp:
            answer: dict[str, object] = await resp.json()
            return answer


async def drive(layout: TestnetLayout, nodes: list[Node]) -> None:
    depth = nodes[0].genesis.circuit_tree_depth
    transfer = make_transfer(layout, depth)
    bond, create, delegator = make_ops(layout, depth)
    await wait_for(lambda: all(len(n.transport.get_peers()) == 3 for n in nodes))
    for node, tx in ((nodes[0], transfer), (nodes[1], bond), (nodes[2], create)):
        assert (await broadcast(node, tx))["accepted"] is True
    hashes = [hashlib.sha256(tx).digest() for tx in (transfer, bond, create)]
    await wait_for(lambda: all(n.store.get_tx_height(h) for n in nodes for h in hashes), 120)
    heights = {nodes[0].store.get_tx_height(h) for h in hashes[1:]}
    await wait_for(
        lambda: all(n.prover is not None and n.prover.proven_final_height >= max(heights)
                    for n in nodes), 240,
    )  # fmt: skip
    for node in nodes:
        ledger = node.chain.ledger.state
        assert ledger.delegations[Delegation(delegator, 0)] == 10**6
        assert ledger.validators[-1].commission_bps == 700 and len(ledger.validators) == 5
        assert ledger.deposited == 10**6 + 10**8 and is_supply_conserved(ledger)
        tip = node.chain.get_block(node.chain.height)  # re-executed ops, one staking root
        assert tip is not None and tip.staking_root == compute_staking_root(ledger)
        ops_block = node.chain.get_block(max(heights))
        assert ops_block is not None and len(ops_block.staking_root) == 32
    roots = {n.chain.state.root for n in nodes if n.chain.height == nodes[0].chain.height}
    assert len(roots) == 1
    assert create[1] == OpCode.CREATE_VALIDATOR


async def scenario(layout: TestnetLayout) -> None:
    nodes = [Node(load_node_config(home)) for home in layout.homes]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.run(stop)) for node in nodes]
    try:
        await drive(layout, nodes)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    for task in tasks:
        assert task.exception() is None


def test_staking_ops_are_admitted_committed_everywhere_and_proven(tmp_path: Path) -> None:
    port = free_base_port(8)
    layout = create_testnet(tmp_path / "net", 4, accounts=2, base_port=port, proof_lag=2)
    Node(load_node_config(layout.homes[0])).close()  # the first node creates the proving key
    asyncio.run(scenario(layout))
