"""What a node serves: the checkpoint at its proven-final height over its committed chain, and
chunks of that checkpoint's accounts and staking ledger; nothing without a prover."""

from __future__ import annotations

from tests.support.memory_block_store import MemoryBlockStore
from tests.support.signed_chain import make_chain
from zkpov.chain.ledger_codec import decode_chain_state
from zkpov.chain.state import AccountState
from zkpov.consensus.actions import Commit
from zkpov.consensus.factory import ChainStart
from zkpov.crypto import schnorr
from zkpov.node.fast_sync.server import FastSyncServer
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.payload import compute_root_bytes


def make_committed(state: AccountState) -> CommittedChain:
    signed = make_chain(6, compute_root_bytes(state.root))
    start = ChainStart(signed.vset, signed.blocks[0], signed.qcs[0])
    chain = CommittedChain(MemoryBlockStore(), start, state)
    chain.on_commit(Commit(tuple(signed.blocks[1:]), signed.qcs[6]), signed.qcs[6])
    return chain


def test_the_checkpoint_and_its_accounts_are_served() -> None:
    state = AccountState(8)
    state.credit(7, schnorr.generate_keypair().public_key, 3)
    chain = make_committed(state)
    server = FastSyncServer(chain, lambda: (5, {}))
    checkpoint = server.get_checkpoint()
    assert checkpoint is not None and checkpoint.height == 5
    chunk = server.get_chunk(5, 4, 0)
    assert chunk is not None and chunk.accounts is not None
    assert [index for index, _ in chunk.accounts] == [7]
    assert server.get_chunk(4, 4, 0) is None  # no checkpoint served at 4


def test_the_checkpoints_ledger_is_served_as_it_was_after_the_checkpoint_block() -> None:
    chain = make_committed(AccountState(8))  # one commit of blocks 1..6
    server = FastSyncServer(chain, lambda: (5, {}))
    assert server.get_ledger_chunk(5, 0) is None  # not served before its checkpoint
    assert server.get_checkpoint() is not None
    chunk = server.get_ledger_chunk(5, 0)
    assert chunk is not None and (chunk.index, chunk.count) == (0, 1)
    assert chunk.data == dict(chain.ledger.encodings)[5]
    assert decode_chain_state(chunk.data).height == 5 != chain.ledger.state.height
    assert server.get_ledger_chunk(5, 1) is None and server.get_ledger_chunk(4, 0) is None


def test_nothing_is_served_without_a_prover() -> None:
    server = FastSyncServer(make_committed(AccountState(8)), lambda: None)
    assert server.get_checkpoint() is None and server.get_chunk(5, 4, 0) is None
