"""Block sync: fetch missing ancestors of certified blocks from a peer.

Fork choice when syncing: we fetch the branch of the highest certified block we learn of; its
blocks are linked by hash to a certified id, and each must verify (its QC and its validity check)
before it is inserted, so a branch with an invalid block is never adopted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkpov.consensus.actions import Action, SendTo
from zkpov.consensus.messages import Block, BlockRequest, BlockResponse, Proposal
from zkpov.consensus.quorum import InvalidCertificate, verify_qc
from zkpov.consensus.validity import InvalidBlock
from zkpov.constants import MAX_SYNC_BLOCKS
from zkpov.types import BlockId, ValidatorIndex

if TYPE_CHECKING:
    from zkpov.consensus.core import ConsensusCore

__all__ = ["SyncMixin"]

_MAX_PENDING = 64


class SyncMixin:
    """Sync state and handlers of :class:`ConsensusCore`."""

    def __init__(self) -> None:
        self.requested: dict[BlockId, float] = {}
        self.pending: dict[BlockId, list[Proposal]] = {}
        self.orphans: dict[BlockId, Block] = {}

    def request_block(
        self: ConsensusCore, block_id: BlockId, peer: ValidatorIndex, proposal: Proposal | None
    ) -> list[Action]:
        """Ask ``peer`` for ``block_id`` (and ancestors); park ``proposal`` until it arrives."""
        if proposal is not None and len(self.pending) < _MAX_PENDING:
            self.pending.setdefault(block_id, []).append(proposal)
        last = self.requested.get(block_id)
        if peer == self.index or (
            last is not None and self.now - last < self.pacemaker.base_timeout
        ):
            return []
        self.requested[block_id] = self.now
        return [SendTo(peer, BlockRequest(block_id, MAX_SYNC_BLOCKS))]

    def on_block_request(
        self: ConsensusCore, request: BlockRequest, sender: ValidatorIndex
    ) -> list[Action]:
        """Answer with the block and its ancestors, newest first."""
        count = max(1, min(request.count, MAX_SYNC_BLOCKS))
        blocks = self.tree.get_ancestors(request.block_id, count)
        return [SendTo(sender, BlockResponse(tuple(blocks)))] if blocks else []

    def on_block_response(
        self: ConsensusCore,
        response: BlockResponse,
        sender: ValidatorIndex,
        now: float | None = None,
    ) -> list[Action]:
        """Insert the answered chain if it links to a requested id and every block checks."""
        self._set_time(now)
        chain = list(response.blocks)
        if (
            not chain
            or (chain[0].id not in self.requested
            and chain[0].id not in self.orphans_wanted())
        ):
            return []
        if any(
            child.parent_id != parent.id for child, parent in zip(chain, chain[1:], strict=False)
        ):
            return []
        for block in chain:
            self.orphans.setdefault(block.parent_id, block)
        return self._insert_orphans(sender)

    def orphans_wanted(self: ConsensusCore) -> set[BlockId]:
        return {block.parent_id for block in self.orphans.values()}

    def _insert_orphans(self: ConsensusCore, sender: ValidatorIndex) -> list[Action]:
        inserted: list[Block] = []
        progress = True
        while progress:
            progress = False
            for parent_id in [p for p in self.orphans if self.tree.has(p)]:
                block = self.orphans.pop(parent_id)
                if self._is_insertable(block):
                    self.tree.insert(block)
                    inserted.append(block)
                    progress = True
        actions = self._on_blocks_inserted(inserted)
        return actions + self._request_missing_orphans(sender)

    def _is_insertable(self: ConsensusCore, block: Block) -> bool:
        if self.tree.has(block.id) or block.height <= self.tree.root.height:
            return False
        try:
            verify_qc(block.qc, self.vset, self.tree.root_qc)
            self.checker.check_block(block, self.tree.blocks[block.parent_id])
        except (InvalidCertificate, InvalidBlock):
            return False
        return True

    def _request_missing_orphans(self: ConsensusCore, sender: ValidatorIndex) -> list[Action]:
        actions: list[Action] = []
        for parent_id in list(self.orphans):
            oldest = self.orphans[parent_id]
            if oldest.height <= self.tree.root.height + 1 and not self.tree.has(parent_id):
                del self.orphans[parent_id]  # descends from a branch that cannot commit
                continue
            actions += self.request_block(parent_id, sender, None)
        return actions

    def _on_blocks_inserted(self: ConsensusCore, blocks: list[Block]) -> list[Action]:
        """Certificates inside new blocks, parked proposals, and commits they enable."""
        actions: list[Action] = []
        for block in blocks:
            self.requested.pop(block.id, None)
            actions += self._process_qc(block.qc)
        for block in blocks:
            for proposal in self.pending.pop(block.id, []):
                actions += self._process_block(proposal)
        return actions + self._try_commit() + self._advance_round()
