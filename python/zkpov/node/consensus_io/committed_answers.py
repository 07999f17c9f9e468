"""Block-sync answers from the committed store, for a peer behind by more than the epoch our
retired core still holds (the driver asks ``DriverHooks.serve_blocks`` when no core answered).
Within the sync caps on count and bytes, as the core's answers (``take_answer_blocks``): with
large blocks 64 of them would exceed the frame the asker decodes, and it could never catch up."""

from __future__ import annotations

from zkpov.consensus.sync import take_answer_blocks
from zkpov.constants import MAX_SYNC_BLOCKS
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.messages import BlockRequest, BlockResponse

__all__ = ["get_committed_answer"]


def get_committed_answer(chain: CommittedChain, request: BlockRequest) -> BlockResponse | None:
    """The requested committed block and its ancestors, newest first (None if unknown)."""
    count = max(1, min(request.count, MAX_SYNC_BLOCKS))
    blocks = take_answer_blocks(chain.get_ancestors(request.block_id, count))
    return BlockResponse(tuple(blocks)) if blocks else None
