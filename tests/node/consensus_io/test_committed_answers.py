"""A peer epochs behind asks for blocks no core holds: the driver answers from the committed
LMDB store, and with large blocks the answer stays within the byte bound the asker's decoder
accepts (the store path, beside the core path of tests/consensus/test_sync.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.consensus.epochs.epoch_net import make_epoch_net
from tests.node.test_runtime import free_base_port
from zkpov.consensus.actions import Commit
from zkpov.consensus.sync import SYNC_ANSWER_BYTES
from zkpov.constants import MAX_MESSAGE_BYTES, MAX_SYNC_BLOCKS
from zkpov.errors import DecodeError
from zkpov.node.consensus_io.committed_answers import get_committed_answer
from zkpov.node.consensus_io.driver import ConsensusDriver, DriverHooks
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.bootstrap import build_chain_start, build_genesis_state
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.codec.epochs import decode_consensus, encode_consensus
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.messages import Block, BlockRequest, BlockResponse
from zkpov.storage.block_store import StoreConfig
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.types import Height, Round, ValidatorIndex

BLOCKS = 12
PROOF_BYTES = 600 * 1024  # 12 of them: 7 MiB, past the 4 MiB message cap
ASKER = ValidatorIndex(2)


class Wire:
    """The outbox: what leaves the driver, as bytes."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, bytes, bool]] = []

    def send_to(self, to: ValidatorIndex, payload: bytes, bulk: bool = False) -> None:
        self.sent.append((int(to), payload, bulk))

    def broadcast(self, payload: bytes) -> None:
        return None


def commit_large_blocks(tmp_path: Path) -> tuple[CommittedChain, list[Block]]:
    """A one-validator chain on LMDB with ``BLOCKS`` committed blocks carrying large proofs."""
    layout = create_testnet(tmp_path / "net", 1, accounts=2, base_port=free_base_port(2))
    start = build_chain_start(layout.genesis)
    store = LmdbBlockStore(tmp_path / "db", StoreConfig())
    chain = CommittedChain(
        store, start, build_genesis_state(layout.genesis), epochs=layout.genesis.epochs
    )
    blocks: list[Block] = []
    parent = start.block
    for _ in range(BLOCKS):
        parent = dataclasses.replace(
            parent, round=Round(parent.round + 1), height=Height(parent.height + 1),
            parent_id=parent.id, payload=encode_payload([]), proof=bytes(PROOF_BYTES),
            randao_reveal=bytes(96),
        )  # fmt: skip
        chain.on_commit(Commit((parent,), start.qc), start.qc)
        blocks.append(parent)
    return chain, blocks


def make_driver(tmp_path: Path, chain: CommittedChain, wire: Wire) -> ConsensusDriver:
    """A driver over an epoch manager whose cores hold none of the stored blocks (a validator
    two epochs on), serving from the store as the node does."""
    net = make_epoch_net(4)
    net.boot(1)
    hooks = DriverHooks(serve_blocks=lambda request: get_committed_answer(chain, request))
    return ConsensusDriver(net.managers[1], wire, FileSafetyStore(tmp_path / "safety"), hooks)


def test_a_store_answer_of_large_blocks_fits_the_askers_frame(tmp_path: Path) -> None:
    chain, blocks = commit_large_blocks(tmp_path)
    wire = Wire()
    driver = make_driver(tmp_path, chain, wire)
    request = encode_consensus(BlockRequest(blocks[-1].id, MAX_SYNC_BLOCKS))
    driver.process(lambda: driver.on_input(ASKER, request))
    [(to, payload, bulk)] = wire.sent
    assert to == ASKER and bulk
    assert len(payload) <= MAX_MESSAGE_BYTES
    answer = decode_consensus(payload)
    assert isinstance(answer, BlockResponse)
    assert 1 < len(answer.blocks) < BLOCKS
    assert [b.id for b in answer.blocks] == [b.id for b in reversed(blocks)][: len(answer.blocks)]
    assert sum(len(b.proof) for b in answer.blocks[1:]) <= SYNC_ANSWER_BYTES
    chain.store.close()


def test_without_the_bound_the_store_answer_is_refused_by_the_asker(tmp_path: Path) -> None:
    chain, blocks = commit_large_blocks(tmp_path)
    unbounded = chain.get_ancestors(blocks[-1].id, MAX_SYNC_BLOCKS)
    assert len(unbounded) == BLOCKS
    with pytest.raises(DecodeError):
        decode_consensus(encode_consensus(BlockResponse(tuple(unbounded))))
    chain.store.close()
