"""The committed chain on disk: blocks, the certificate of the root, the committed log, the tx
index, the committed accounts (:mod:`zkpov.node.state.account_store`) and the staking ledger
(:mod:`zkpov.node.state.economics`).

Each ``Commit`` is written in one atomic batch (blocks, log, index, changed accounts, staking
ledger, root) before anything reports it final, so a crash either keeps a commit whole or loses
it whole; the store refuses to rewrite a committed height, so finality is never reverted. A
commit whose first block is not the child of the last committed block (a gap or a fork) is
refused before anything changes (:class:`CommitOrderError`). On restart the node resumes from
the stored root block and its QC, rebuilds the account tree from the stored accounts (checking
its root against the root block's) and reloads the staking ledger; it keeps the blocks that
pruning left in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from zkpov.chain.operations import get_touched_accounts, parse_operation
from zkpov.chain.payload_ops import get_account_owner
from zkpov.chain.state import AccountState, Transfer
from zkpov.consensus.actions import Commit
from zkpov.consensus.factory import ChainStart
from zkpov.consensus.recovery import RecoveryData
from zkpov.errors import ConsensusError, DecodeError
from zkpov.node.state.account_store import load_accounts, put_accounts
from zkpov.node.state.economics import BlockEconomics, ChainLedger
from zkpov.node.state.mempool import compute_tx_hash
from zkpov.spec.codec.messages import decode_message, encode_message
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block, BlockResponse, QuorumCert
from zkpov.spec.payload import compute_root_bytes
from zkpov.storage.block_store import BlockStore, StorageError, WriteBatch
from zkpov.types import BlockId, Height

__all__ = ["CommitOrderError", "CommittedChain"]

ROOT_BLOCK_KEY = b"consensus/root-block"
ROOT_QC_KEY = b"consensus/root-qc"
HQC_KEY = b"consensus/highest-qc"
PENDING_KEY = b"consensus/pending-blocks"


class CommitOrderError(ConsensusError):
    """A commit that does not extend the committed chain block by block (a gap or a fork)."""


def _check_chain(parent: Block, blocks: Iterable[Block]) -> None:
    """``CommitOrderError`` unless each block is the child of the one before, from ``parent``."""
    for block in blocks:
        if block.parent_id != parent.id or block.height != parent.height + 1:
            raise CommitOrderError(
                f"block {block.id.hex()[:16]} at height {block.height} does not extend block"
                f" {parent.id.hex()[:16]} at height {parent.height}, the last committed"
            )
        parent = block


def _apply(state: AccountState, block: Block) -> list[bytes]:
    """The account side of ``block``'s operations (the native apply decodes the points)."""
    txs = decode_payload(block.payload)
    ops = [parse_operation(tx) for tx in txs]
    transfers = [op for op in ops if isinstance(op, Transfer)]
    if len(transfers) == len(ops):  # batched signature checks
        state.apply_transfers(transfers)
    else:
        state.apply_operations(ops)
    return txs


def _no_post_state(block: Block, pre_root: int) -> AccountState | None:
    return None


# The state a block left when it was checked on a state of that root, or None (apply it again)
GetPostState = Callable[[Block, int], AccountState | None]


def _advance(state: AccountState, block: Block, checked: AccountState | None) -> AccountState:
    """The state after ``block``: a copy of ``checked`` (the one its check produced on this same
    state), else ``block`` applied to a copy of ``state`` (which is never changed)."""
    if checked is not None:
        return checked.copy()
    state = state.copy()
    _apply(state, block)
    return state


def _decode(data: bytes | None, kind: type, what: str) -> object:
    if data is None:
        raise DecodeError(f"the store lacks the {what}")
    value = decode_message(data)
    if not isinstance(value, kind):
        raise DecodeError(f"the stored {what} is not a {kind.__name__}")
    return value


@dataclass
class CommittedChain:
    store: BlockStore
    start: ChainStart
    state: AccountState  # the genesis accounts when constructed; the committed accounts after
    blocks: list[Block] = field(default_factory=list)  # committed, from base + 1 upward
    base: int = 0  # heights up to ``base`` were pruned (their bodies are gone), except ``floor``
    floor: Block | None = None  # the block at ``base`` (genesis while nothing is pruned)
    # the 2-chain QC that committed the root, for light clients; kept in memory only, so None
    # after a restart until the next commit
    commit_qc: QuorumCert | None = None
    ledger: ChainLedger = field(init=False)  # the staking ledger at the committed height
    economics: list[BlockEconomics] = field(default_factory=list)  # of the last commit
    reapplied: int = 0  # committed blocks applied again (no checked state lent), since start
    epochs: bool = False  # the genesis turns epochs on: the ledger runs its epoch transitions
    staged: list[tuple[bytes, bytes]] = field(default_factory=list)  # for the next commit

    def __post_init__(self) -> None:
        if self.store.get_committed_height() is None:
            batch = WriteBatch().put_block(self.start.block.id, encode_message(self.start.block))
            indices = [index for index, _ in self.state.get_accounts()]
            self.store.write(
                put_accounts(batch.commit(0, self.start.block.id), self.state, indices)
            )
        self._load()

    @property
    def height(self) -> Height:
        return Height(self.base + len(self.blocks))

    def get_block(self, height: int) -> Block | None:
        if height == 0:
            return self.start.block
        if height == self.base:
            return self.floor
        offset = height - self.base - 1
        return self.blocks[offset] if 0 <= offset < len(self.blocks) else None

    def stage_state(self, key: bytes, value: bytes) -> None:
        """Writes ``key`` in the next commit's batch, atomically with it (then forgotten, also
        if that commit fails): an epoch ending beside the commit of its R."""
        self.staged.append((key, value))

    def get_ancestors(self, block_id: BlockId, count: int) -> list[Block]:
        """The committed block ``block_id`` and up to ``count - 1`` ancestors, newest first,
        from the store (what a peer catching up across epochs asks for); [] if unknown."""
        blocks: list[Block] = []
        raw = self.store.get_block(block_id)
        while raw is not None and len(blocks) < count:
            block = cast(Block, _decode(raw, Block, "stored block"))
            blocks.append(block)
            if block.height <= max(self.base, 1):
                break
            raw = self.store.get_block(block.parent_id)
        return blocks

    def get_retained_chain(self) -> list[Block]:
        """The lowest retained block (genesis or the pruning floor), then every later one."""
        return [self.floor or self.start.block, *self.blocks]

    def get_root(self) -> tuple[Block, QuorumCert]:
        """The last committed block and the QC that certifies it (genesis at first boot)."""
        raw_qc = self.store.get_state(ROOT_QC_KEY)
        if raw_qc is None:
            return self.start.block, self.start.qc
        block = _decode(self.store.get_state(ROOT_BLOCK_KEY), Block, "root block")
        qc = _decode(raw_qc, QuorumCert, "root QC")
        return block, qc  # type: ignore[return-value]

    def _load(self) -> None:
        tip = self.store.get_committed_height() or 0
        self.base = self.store.get_base_height() or 0
        self.floor = self._read_block(self.base) if self.base else self.start.block
        self.blocks = [self._read_block(h) for h in range(self.base + 1, tip + 1)]
        self.state = load_accounts(self.store, self.state.depth, self.state.chain_tag)
        self.ledger = ChainLedger.load(self.store, self.start.vset, tip, self.epochs)
        root = self.get_root()[0]
        if compute_root_bytes(self.state.root) != root.state_root:
            raise StorageError(
                f"the stored accounts do not give the state root of committed height {tip}:"
                " the store is damaged; restore it or resync from peers"
            )

    def _read_block(self, height: int) -> Block:
        block_id = self.store.get_committed_id(height)
        raw = None if block_id is None else self.store.get_block(block_id)
        return _decode(raw, Block, f"block at height {height}")  # type: ignore[return-value]

    def on_commit(
        self,
        commit: Commit,
        root_qc: QuorumCert,
        keep: Callable[[Block], bool] = lambda b: False,
        get_post_state: GetPostState = _no_post_state,
    ) -> tuple[list[bytes], dict[int, AccountState]]:
        """Applies ``commit`` to a copy of the accounts and persists it atomically, then adopts
        it. Returns the committed transfers and, for the blocks ``keep`` selects, the account
        state before each (for proving). ``get_post_state`` lends the states the blocks' checks
        computed (apply once). ``CommitOrderError`` (nothing changed) unless the blocks extend
        the last committed block."""
        staged, self.staged = self.staged, []  # this commit's, whether it is written or not
        tip = self.get_block(self.height)
        if tip is None or not commit.blocks:
            raise CommitOrderError("an empty commit, or no last committed block to extend")
        _check_chain(tip, commit.blocks)
        state, txs, pre_states = self.state, list[bytes](), dict[int, AccountState]()
        for block in commit.blocks:
            if keep(block):
                pre_states[block.height] = state.copy()
            checked = get_post_state(block, state.root)
            self.reapplied += checked is None
            state = _advance(state, block, checked)
            txs += decode_payload(block.payload)
        update = self.ledger.compute_update(commit.blocks, get_account_owner(state))
        batch = self._make_batch(commit, root_qc, state, txs)
        for key, value in staged:
            batch.put_state(key, value)
        self.store.write(self.ledger.put(batch, update))
        self.state = state
        self.ledger.adopt(update)
        self.economics = update.blocks
        self.blocks.extend(commit.blocks)
        self.commit_qc = commit.commit_qc
        return txs, pre_states

    def _make_batch(
        self, commit: Commit, root_qc: QuorumCert, state: AccountState, txs: list[bytes]
    ) -> WriteBatch:
        batch = WriteBatch()
        for block in commit.blocks:
            batch.put_block(block.id, encode_message(block)).commit(block.height, block.id)
            for tx in decode_payload(block.payload):
                batch.index_tx(compute_tx_hash(tx), block.height)
        last = commit.blocks[-1]
        batch.put_certificate(last.id, encode_message(root_qc))
        batch.put_state(ROOT_BLOCK_KEY, encode_message(last))
        batch.put_state(ROOT_QC_KEY, encode_message(root_qc))
        touched = [i for tx in txs for i in get_touched_accounts(parse_operation(tx))]
        return put_accounts(batch, state, touched)

    def compute_states_before(
        self, heights: Iterable[int], genesis_state: AccountState
    ) -> dict[int, AccountState]:
        """The account state before each committed height in ``heights``, replayed from
        ``genesis_state`` (after a restart, for batches that still need a proof). Empty once
        pruning has removed early blocks: other validators prove those batches then."""
        if self.base:
            return {}
        wanted = {h for h in heights if 1 <= h <= len(self.blocks)}
        states: dict[int, AccountState] = {}
        state = genesis_state
        for block in self.blocks[: max(wanted, default=0)]:
            if block.height in wanted:
                states[block.height] = state.copy()
            _apply(state, block)
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
