"""The typed client against a real one-validator node (LMDB, slashing DB, real BLS; proofs off
to keep it short): status, blocks, validators, an account with its Merkle proof verified here,
a transfer sent with its nonce from the node and waited for until committed, a replay refused,
and the event stream, blocking and ``async``."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node.rpc.test_live_node import LiveNode
from tests.node.test_runtime import free_base_port
from zkpov.chain.state import Account, AccountProof, compute_account_index, verify_account_proof
from zkpov.client import AsyncZkpovClient, ZkpovClient, models
from zkpov.errors import RpcStatusError, TransferFailedError
from zkpov.node.ops import setup
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, SecretKeyFile, read_key_file


@dataclasses.dataclass(frozen=True)
class Chain:
    node: LiveNode
    layout: setup.TestnetLayout

    def key(self, i: int) -> SecretKeyFile:
        return read_key_file(self.layout.account_key_files[i], KeyKind.ACCOUNT)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    root: Path = tmp_path_factory.mktemp("client")
    layout = setup.create_testnet(root / "net", 1, accounts=2, base_port=free_base_port(2))
    config = load_node_config(layout.homes[0])
    write_node_config(dataclasses.replace(config, proofs_enabled=False))
    with LiveNode(layout.homes[0]) as live:
        yield Chain(live, layout)


@pytest.fixture
def client(chain: Chain) -> Iterator[ZkpovClient]:
    with ZkpovClient(chain.node.url) as node:
        yield node


def test_status_block_and_validators_are_the_nodes(chain: Chain, client: ZkpovClient) -> None:
    status = client.status()
    assert status.node_info.chain_id == chain.node.node.genesis.chain_id
    assert status.validator_info is not None
    assert status.validator_info.pubkey == bytes(chain.node.node.validator.public)
    height = status.sync_info.latest_block_height
    block = client.block(height)
    assert block.header.height == height and block.block_id == block.header.block_id
    assert client.block().header.height >= height
    validators = client.validators(height)
    assert validators.total == 1 and validators.validators[0].voting_power > 0
    assert client.finalized().height >= height
    with pytest.raises(RpcStatusError, match="no validity proof") as missing:
        client.proof()  # proofs are off here
    assert missing.value.status == 404


def test_account_with_proof_verifies_against_its_state_root(
    chain: Chain, client: ZkpovClient
) -> None:
    depth = chain.layout.genesis.circuit_tree_depth
    key = chain.key(1).public
    found = client.account(public_key=key, proof=True)
    assert found.public_key == key and found.index == compute_account_index(key, depth)
    assert found.proof is not None
    rows = tuple((_felt(a), _felt(b), _felt(c)) for a, b, c in found.proof.siblings)
    leaf = Account(key, found.balance, found.nonce).leaf()
    assert _felt(found.proof.leaf) == leaf
    proof = AccountProof(found.proof.depth, found.index, leaf, rows)
    assert verify_account_proof(_felt(found.state_root), proof)
    assert not verify_account_proof(_felt(found.state_root), dataclasses.replace(proof, leaf=1))


def _felt(data: bytes) -> int:
    return int.from_bytes(data, "big")


def test_send_transfer_fills_the_nonce_and_waits_for_the_commit(
    chain: Chain, client: ZkpovClient
) -> None:
    sender, recipient = chain.key(0), chain.key(1).public
    before = client.account(public_key=recipient).balance
    receipt = client.send_transfer(sender, recipient, 5, wait="commit", timeout=60)
    assert receipt.result.accepted and receipt.height is not None
    found = client.tx(receipt.result.hash)
    assert found.status == "committed" and found.height == receipt.height
    assert found.tx in client.block(receipt.height).txs
    assert client.account(public_key=recipient).balance == before + 5
    assert client.account(public_key=sender.public).pending_nonce == 2
    with pytest.raises(TransferFailedError, match="refused"):
        client.send_transfer(sender, recipient, 5, nonce=1)  # a replay


def test_events_yield_new_blocks_and_commits(chain: Chain) -> None:
    async def collect() -> set[str]:
        kinds: set[str] = set()
        async with AsyncZkpovClient(chain.node.url) as client, asyncio.timeout(60):
            async for event in client.events(["new_block", "finalized"]):
                assert isinstance(event, models.Event) and event.height > 0
                kinds.add(event.type)
                if kinds == {"new_block", "finalized"}:
                    return kinds
        return kinds

    assert asyncio.run(collect()) == {"new_block", "finalized"}


def test_the_blocking_event_iterator_closes_its_stream(chain: Chain) -> None:
    with ZkpovClient(chain.node.url) as client:
        events = client.events(["finalized"])
        first = next(events)
        events.close()  # ends the subscription; the client still answers afterwards
        assert first.type == "finalized"
        assert client.status().sync_info.latest_block_height >= first.height


def test_closing_the_client_ends_an_unfinished_event_stream(chain: Chain) -> None:
    client = ZkpovClient(chain.node.url)
    events = client.events(["finalized"])
    assert next(events).type == "finalized"
    client.close()  # the stream is still open here
    events.close()  # and closing the iterator afterwards is harmless
    with pytest.raises(RuntimeError, match="the client is closed"):
        client.status()
