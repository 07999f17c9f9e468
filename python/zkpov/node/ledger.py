"""The committed chain on disk: blocks, the certificate of the root, the committed log, the tx
index, and the committed account state rebuilt from them.

Each ``Commit`` is written in one atomic batch before anything reports it final, so a crash
either keeps a commit whole or loses it whole; the store refuses to rewrite a committed height,
so finality is never reverted. On restart the node resumes from the stored root block and its QC
and rebuilds the account state by re-applying the committed transfers (state snapshots on the
store's state namespace are a later optimisation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from zkpov.chain.state import AccountState, Transfer
from zkpov.consensus.actions import Commit
from zkpov.consensus.codec import decode_message, encode_message
from zkpov.consensus.messages import Block, BlockResponse, QuorumCert
from zkpov.consensus.recovery import RecoveryData
from zkpov.consensus.validity import decode_payload
from zkpov.errors import DecodeError
from zkpov.node.bootstrap import ChainStart
from zkpov.node.mempool import compute_tx_hash
from zkpov.storage.block_store import BlockStore, WriteBatch
from zkpov.types import Height

__all__ = ["Ledger"]

ROOT_BLOCK_KEY = b"consensus/root-block"
ROOT_QC_KEY = b"consensus/root-qc"
HQC_KEY = b"consensus/highest-qc"
PENDING_KEY = b"consensus/pending-blocks"


def _decode(data: bytes | None, kind: type, what: str) -> object:
    if data is None:
        raise DecodeError(f"the store lacks the {what}")
    value = decode_message(data)
    if not isinstance(value, kind):
        raise DecodeError(f"the stored {what} is not a {kind.__name__}")
    return value


@dataclass
class Ledger:
    store: BlockStore
    start: ChainStart
    state: AccountState
    blocks: list[Block] = field(default_factory=list)  # committed, height 1 upward

    def __post_init__(self) -> None:
        if self.store.get_committed_height() is None:
            self.store.write(
                WriteBatch()
                .put_block(self.start.block.id, encode_message(self.start.block))
                .commit(0, self.start.block.id)
            )
        self._replay()

    @property
    def height(self) -> Height:
        return Height(len(self.blocks))

    def get_block(self, height: int) -> Block | None:
        if height == 0:
            return self.start.block
        return self.blocks[height - 1] if 0 < height <= len(self.blocks) else None

    def get_root(self) -> tuple[Block, QuorumCert]:
        """The last committed block and the QC that certifies it (genesis at first boot)."""
        raw_qc = self.store.get_state(ROOT_QC_KEY)
        if raw_qc is None:
            return self.start.block, self.start.qc
        block = _decode(self.store.get_state(ROOT_BLOCK_KEY), Block, "root block")
        qc = _decode(raw_qc, QuorumCert, "root QC")
        return block, qc  # type: ignore[return-value]

    def _replay(self) -> None:
        tip = self.store.get_committed_height() or 0
        for height in range(1, tip + 1):
            block_id = self.store.get_committed_id(height)
            raw = None if block_id is None else self.store.get_block(block_id)
            block = _decode(raw, Block, f"block at height {height}")
            self._apply(block)  # type: ignore[arg-type]

    def _apply(self, block: Block) -> list[bytes]:
        txs = decode_payload(block.payload)
        self.state.apply_transfers([Transfer.from_bytes(tx) for tx in txs])
        self.blocks.append(block)
        return txs

    def on_commit(
        self, commit: Commit, root_qc: QuorumCert, keep: Callable[[Block], bool] = lambda b: False
    ) -> tuple[list[bytes], dict[int, AccountState]]:
        """Persists ``commit`` atomically, then applies it. Returns the committed transfers and,
        for the blocks ``keep`` selects, the account state before each (for proving)."""
        batch = WriteBatch()
        for block in commit.blocks:
            batch.put_block(block.id, encode_message(block)).commit(block.height, block.id)
            for tx in decode_payload(block.payload):
                batch.index_tx(compute_tx_hash(tx), block.height)
        last = commit.blocks[-1]
        batch.put_certificate(last.id, encode_message(root_qc))
        batch.put_state(ROOT_BLOCK_KEY, encode_message(last)).put_state(
            ROOT_QC_KEY, encode_message(root_qc)
        )
        self.store.write(batch)
        txs: list[bytes] = []
        pre_states: dict[int, AccountState] = {}
        for block in commit.blocks:
            if keep(block):
                pre_states[block.height] = self.state.copy()
            txs += self._apply(block)
        return txs, pre_states

    def compute_states_before(
        self, heights: Iterable[int], genesis_state: AccountState
    ) -> dict[int, AccountState]:
        """The account state before each committed height in ``heights``, replayed from
        ``genesis_state`` (after a restart, for batches that still need a proof)."""
        wanted = {h for h in heights if 1 <= h <= len(self.blocks)}
        states: dict[int, AccountState] = {}
        state = genesis_state
        for block in self.blocks[: max(wanted, default=0)]:
            if block.height in wanted:
                states[block.height] = state.copy()
            txs = decode_payload(block.payload)
            state.apply_transfers([Transfer.from_bytes(tx) for tx in txs])
        return states

    def save_pending(self, blocks: tuple[Block, ...], hqc: QuorumCert) -> None:
        """Remembers the certified chain above the root and the highest QC (liveness after a
        restart: without them a node whose safety data is ahead of its root cannot time out)."""
        batch = WriteBatch().put_state(HQC_KEY, encode_message(hqc))
        self.store.write(batch.put_state(PENDING_KEY, encode_message(BlockResponse(blocks))))

    def get_recovery_data(self) -> RecoveryData:
        """What :meth:`save_pending` stored (empty before the first save)."""
        raw_hqc = self.store.get_state(HQC_KEY)
        if raw_hqc is None:
            return RecoveryData()
        hqc = _decode(raw_hqc, QuorumCert, "highest QC")
        pending = _decode(self.store.get_state(PENDING_KEY), BlockResponse, "pending blocks")
        return RecoveryData(pending.blocks, hqc)  # type: ignore[attr-defined, arg-type]
