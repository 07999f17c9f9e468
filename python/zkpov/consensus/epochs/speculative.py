"""Chain states of uncommitted blocks: what the economics would be if each block committed.

A voter must compute the next set before voting on a reconfiguration block whose ancestors may
not be committed yet, so every block the core accepts keeps the chain state after it (the
parent's state, copied, then :func:`zkpov.chain.transition.process_block`). Where a node's
ledger also moves with the payload (staking ops: bonds, joins, withdraws), ``payload_ledger``
gives the ledger after the block's payload on the parent's full state, and the economics run
on that, so the next set counts a validator that joined, or a delegation, as the committed
ledger will. The table holds only
blocks the core inserted (itself bounded per leader and round) and is pruned to the committed
root's descendants at every commit. Suffix blocks share their parent's state: nothing in them
counts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from zkpov.chain.containers import ChainState, copy_chain_state
from zkpov.chain.transition import process_block
from zkpov.consensus.epochs.boundary import EpochWindow
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Height

__all__ = ["PayloadLedger", "SpeculativeChain"]

# (block, parent) -> the ledger after the block's payload on the parent's state, before the
# block's economics (``InvalidBlock`` if the payload is invalid or the parent unknown)
PayloadLedger = Callable[[Block, Block], ChainState]


class SpeculativeChain:
    """Chain states after the root and each accepted uncommitted block of one epoch."""

    def __init__(
        self,
        root: Block,
        root_state: ChainState,
        vset: ValidatorSet,
        window: EpochWindow,
        payload_ledger: PayloadLedger | None = None,
    ) -> None:
        self.vset, self.window, self.payload_ledger = vset, window, payload_ledger
        self.states: dict[BlockId, tuple[Height, ChainState]] = {root.id: (root.height, root_state)}

    def get(self, block_id: BlockId) -> ChainState | None:
        entry = self.states.get(block_id)
        return None if entry is None else entry[1]

    def compute_after(self, block: Block, parent: Block) -> ChainState:
        """The state if ``block`` committed on ``parent`` (``InvalidBlock`` if the parent's
        state is unknown); never mutates a stored state."""
        base = self.get(parent.id)
        if base is None:
            raise InvalidBlock("parent chain state unknown: sync the parent first")
        if self.window.is_suffix(block):
            return base
        if self.payload_ledger is None:
            state = copy.deepcopy(base)
        else:
            state = copy_chain_state(self.payload_ledger(block, parent))
        process_block(state, self.vset.config, self.vset, block)
        expected = self.vset.epoch + int(self.window.is_reconfiguration(block))
        if state.epoch != expected:  # the chain's epoch length is not the window's
            raise InvalidBlock(f"block at height {block.height} moves the chain to another epoch")
        return state

    def remember(self, block: Block, state: ChainState) -> None:
        self.states[block.id] = (block.height, state)

    def prune(self, committed: Block) -> None:
        """Keep the committed block and its possible descendants."""
        for block_id in [i for i, (h, _) in self.states.items() if h <= committed.height]:
            if block_id != committed.id:
                del self.states[block_id]

    def __len__(self) -> int:
        return len(self.states)
