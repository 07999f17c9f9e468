"""The committed chain on LMDB: accounts persist with each commit, a restart rebuilds them
without replay and checks the root, pruning keeps restarts working, and a damaged store is
refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.node.test_runtime import free_base_port
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.state import AccountState, Transfer, compute_account_index, sign_transfer
from zkpov.consensus.actions import Commit
from zkpov.consensus.factory import ChainStart
from zkpov.consensus.validity import NativeReexecution
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.state.account_store import ACCOUNT_PREFIX
from zkpov.node.state.bootstrap import build_chain_start, build_genesis_state
from zkpov.node.state.committed_chain import CommitOrderError, CommittedChain
from zkpov.spec.codec.payload import decode_payload, encode_payload
from zkpov.spec.messages import Block
from zkpov.spec.payload import compute_root_bytes
from zkpov.storage.block_store import StorageError, StoreConfig, WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.types import Height, Round


@dataclasses.dataclass
class Builder:
    layout: TestnetLayout
    start: ChainStart
    depth: int

    def open(self, path: Path, keep_last: int | None = None) -> CommittedChain:
        store = LmdbBlockStore(path, StoreConfig(keep_last=keep_last))
        genesis = self.layout.genesis
        return CommittedChain(
            store, self.start, build_genesis_state(genesis), epochs=genesis.epochs
        )

    def transfer(self, nonce: int) -> bytes:
        sender = read_key_file(self.layout.account_key_files[0], KeyKind.ACCOUNT)
        target = read_key_file(self.layout.account_key_files[1], KeyKind.ACCOUNT)
        s, t = (compute_account_index(k.public, self.depth) for k in (sender, target))
        tag = get_chain_tag(self.layout.genesis)
        return sign_transfer(sender.secret, s, t, target.public, 3, nonce, 1, tag).to_bytes()

    def commit(self, chain: CommittedChain, txs: list[bytes]) -> Block:
        block = self.make_child(chain, txs)
        chain.on_commit(Commit((block,), self.start.qc), self.start.qc)
        return block

    def make_child(
        self, chain: CommittedChain, txs: list[bytes], parent: Block | None = None
    ) -> Block:
        """A block on ``parent`` (the last committed one by default), not committed."""
        parent = parent or chain.get_block(chain.height)
        assert parent is not None
        state: AccountState = chain.state.copy()
        payload = encode_payload(txs)
        state.apply_transfers([Transfer.from_bytes(tx) for tx in txs])
        return dataclasses.replace(
            parent, round=Round(parent.round + 1), height=Height(parent.height + 1),
            parent_id=parent.id, payload=payload, state_root=compute_root_bytes(state.root),
            randao_reveal=bytes(96),
        )  # fmt: skip


@pytest.fixture
def builder(tmp_path: Path) -> Builder:
    layout = create_testnet(tmp_path / "net", 1, accounts=2, base_port=free_base_port(2))
    return Builder(layout, build_chain_start(layout.genesis), layout.genesis.circuit_tree_depth)


def test_a_restart_rebuilds_the_accounts_from_the_store(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    for nonce in (1, 2, 3):
        builder.commit(chain, [builder.transfer(nonce)])
    root, accounts = chain.state.root, chain.state.get_accounts()
    chain.store.close()
    again = builder.open(tmp_path / "db")
    assert again.state.root == root and again.state.get_accounts() == accounts
    assert [b.id for b in again.blocks] == [b.id for b in chain.blocks]
    assert again.height == 3


def test_pruned_blocks_do_not_stop_a_restart(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db", keep_last=2)
    nonces = iter(range(1, 7))
    blocks = [
        builder.commit(chain, [builder.transfer(next(nonces))] if n % 2 else []) for n in range(6)
    ]
    chain.store.close()
    again = builder.open(tmp_path / "db", keep_last=2)
    assert again.height == 6 and again.base >= 4
    assert again.get_block(6) == blocks[-1] and again.get_block(1) is None
    assert again.state.root == chain.state.root
    assert again.get_retained_chain()[0].height == again.base


def test_a_damaged_account_entry_is_refused(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    builder.commit(chain, [builder.transfer(1)])
    key, value = chain.store.iter_state(ACCOUNT_PREFIX)[0]
    damaged = value[:-1] + bytes([value[-1] ^ 1])  # the nonce's last bit
    chain.store.write(WriteBatch().put_state(key, damaged))
    chain.store.close()
    with pytest.raises(StorageError, match="do not give the state root"):
        builder.open(tmp_path / "db")


def get_snapshot(chain: CommittedChain) -> tuple[object, ...]:
    store = chain.store
    return (
        chain.height, [b.id for b in chain.blocks], chain.state.root,
        store.get_committed_height(), chain.get_root(),
    )  # fmt: skip


def test_a_commit_after_a_gap_is_refused_and_changes_nothing(
    builder: Builder, tmp_path: Path
) -> None:
    chain = builder.open(tmp_path / "db")
    builder.commit(chain, [builder.transfer(1)])
    skipped = builder.make_child(chain, [builder.transfer(2)])  # height 2, never committed
    later = builder.make_child(chain, [], parent=skipped)  # height 3
    before = get_snapshot(chain)
    with pytest.raises(CommitOrderError, match="height 3 does not extend"):
        chain.on_commit(Commit((later,), builder.start.qc), builder.start.qc)
    assert get_snapshot(chain) == before
    assert chain.store.get_committed_id(3) is None
    builder.commit(chain, [builder.transfer(2)])  # the builder still extends normally
    assert chain.height == 2


def test_a_fork_of_the_last_committed_block_is_refused(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    first = builder.commit(chain, [builder.transfer(1)])
    rival = dataclasses.replace(first, payload=b"", randao_reveal=b"\x01" * 96)  # height 1 again
    fork = builder.make_child(chain, [], parent=rival)  # height 2, on the rival
    before = get_snapshot(chain)
    for blocks in [(fork,), (rival,), (builder.make_child(chain, []), fork)]:
        with pytest.raises(CommitOrderError):
            chain.on_commit(Commit(blocks, builder.start.qc), builder.start.qc)
        assert get_snapshot(chain) == before
    chain.store.close()
    assert get_snapshot(builder.open(tmp_path / "db")) == before


def test_an_empty_commit_is_refused(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    with pytest.raises(CommitOrderError):
        chain.on_commit(Commit((), builder.start.qc), builder.start.qc)


def _checked_by(chain: CommittedChain, blocks: list[Block]) -> NativeReexecution:
    """A validity checker rooted at ``chain``'s tip that has checked ``blocks`` (each on the one
    before, the first on the tip)."""
    tip = chain.get_block(chain.height)
    assert tip is not None
    native = NativeReexecution(tip.id, chain.state.copy(), Transfer.from_bytes_unchecked)
    for block in blocks:
        parent = tip if block.parent_id == tip.id else blocks[blocks.index(block) - 1]
        native.check_block(block, parent)
    return native


def test_a_commit_reuses_the_checked_state_and_ends_where_applying_does(
    builder: Builder, tmp_path: Path
) -> None:
    lent_chain, applied_chain = builder.open(tmp_path / "a"), builder.open(tmp_path / "b")
    first = builder.make_child(lent_chain, [builder.transfer(1)])
    second = _make_grandchild(builder, lent_chain, first, [builder.transfer(2)])
    native = _checked_by(lent_chain, [first, second])
    asked: list[tuple[int, bool]] = []

    def lend(block: Block, pre_root: int) -> AccountState | None:
        state = native.get_post_state(block, pre_root)
        asked.append((block.height, state is not None))
        return state

    commit = Commit((first, second), builder.start.qc)
    lent_chain.on_commit(commit, builder.start.qc, get_post_state=lend)
    applied_chain.on_commit(commit, builder.start.qc)
    assert asked == [(1, True), (2, True)]  # both hits: nothing applied again
    assert (lent_chain.reapplied, applied_chain.reapplied) == (0, 2)
    assert lent_chain.state.root == applied_chain.state.root
    assert compute_root_bytes(lent_chain.state.root) == second.state_root
    assert lent_chain.state is not native.states[second.id]  # a copy: the checker's stays put
    assert lent_chain.state.get_accounts() == applied_chain.state.get_accounts()


def _make_grandchild(
    builder: Builder, chain: CommittedChain, parent: Block, txs: list[bytes]
) -> Block:
    """A child of ``parent`` (itself a child of ``chain``'s tip), with its true state root."""
    state = chain.state.copy()
    for payload in (parent.payload, encode_payload(txs)):
        state.apply_transfers([Transfer.from_bytes(tx) for tx in decode_payload(payload)])
    block = builder.make_child(chain, [], parent=parent)
    return dataclasses.replace(block, payload=encode_payload(txs),
                               state_root=compute_root_bytes(state.root))  # fmt: skip


def test_a_state_lent_for_another_pre_state_is_not_used(builder: Builder, tmp_path: Path) -> None:
    chain = builder.open(tmp_path / "db")
    block = builder.make_child(chain, [builder.transfer(1)])
    other = AccountState(chain.state.depth, chain.state.chain_tag)  # a wrong, empty state
    calls: list[int] = []

    def lend_if_root_matches(asked: Block, pre_root: int) -> AccountState | None:
        calls.append(pre_root)
        return other if pre_root == other.root else None  # a checker keyed by pre-state

    chain.on_commit(Commit((block,), builder.start.qc), builder.start.qc,
                    get_post_state=lend_if_root_matches)  # fmt: skip
    assert calls and compute_root_bytes(chain.state.root) == block.state_root


def test_a_staged_entry_is_written_with_the_next_commit_only(
    builder: Builder, tmp_path: Path
) -> None:
    """What is staged goes into the next commit's batch (an epoch ending beside its R); a
    commit that fails writes nothing and forgets it."""
    chain = builder.open(tmp_path / "db")
    chain.stage_state(b"epochs/ending/x", b"first")
    stale = builder.make_child(chain, [])
    with pytest.raises(CommitOrderError):  # does not extend the tip: refused before writing
        chain.on_commit(
            Commit((dataclasses.replace(stale, height=Height(5)),), builder.start.qc),
            builder.start.qc,
        )
    assert chain.store.get_state(b"epochs/ending/x") is None and chain.staged == []
    chain.stage_state(b"epochs/ending/y", b"second")
    builder.commit(chain, [])
    chain.store.close()
    again = builder.open(tmp_path / "db")
    assert again.store.get_state(b"epochs/ending/y") == b"second"
    assert again.store.get_state(b"epochs/ending/x") is None
