"""Block sync: fetch missing ancestors of certified blocks from a peer.

Fork choice when syncing: we fetch the branch of the highest certified block we learn of; its
blocks are linked by hash to a certified id, and each must verify (its QC and its validity check)
before it is inserted, so a branch with an invalid block is never adopted.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from zkpov.consensus.actions import Action, SendTo
from zkpov.consensus.encoding import get_bitfield_indices
from zkpov.consensus.messages import Block, BlockRequest, BlockResponse, Proposal, QuorumCert
from zkpov.consensus.quorum import InvalidCertificate, verify_qc
from zkpov.consensus.validators import ValidatorSet
from zkpov.consensus.validity import InvalidBlock
from zkpov.constants import MAX_SYNC_BLOCKS
from zkpov.types import BlockId, ValidatorIndex

if TYPE_CHECKING:
    from zkpov.consensus.core import ConsensusCore

__all__ = ["BlockSync", "compute_sync_peer"]

_MAX_PENDING = 64


def compute_sync_peer(qc: QuorumCert, vset: ValidatorSet, own: ValidatorIndex) -> ValidatorIndex:
    """Someone who certified ``qc`` (so holds its block), other than ourselves."""
    signers = [i for i in get_bitfield_indices(qc.signers, len(vset)) if i != own]
    return ValidatorIndex(signers[0] if signers else (own + 1) % len(vset))


class BlockSync:
    """Requests, parked proposals and orphan blocks of one core."""

    def __init__(self, core: ConsensusCore) -> None:
        self.core = core
        self.requested: dict[BlockId, float] = {}
        self.pending: dict[BlockId, list[Proposal]] = {}
        self.orphans: dict[BlockId, Block] = {}

    def request_block(
        self, block_id: BlockId, peer: ValidatorIndex, proposal: Proposal | None
    ) -> list[Action]:
        """Ask ``peer`` for ``block_id`` (and ancestors); park ``proposal`` until it arrives."""
        core = self.core
        if proposal is not None and len(self.pending) < _MAX_PENDING:
            self.pending.setdefault(block_id, []).append(proposal)
        last = self.requested.get(block_id)
        recent = last is not None and core.now - last < core.pacemaker.base_timeout
        if peer == core.index or recent:
            return []
        self.requested[block_id] = core.now
        return [SendTo(peer, BlockRequest(block_id, MAX_SYNC_BLOCKS))]

    def on_block_request(self, request: BlockRequest, sender: ValidatorIndex) -> list[Action]:
        """Answer with the block and its ancestors, newest first."""
        count = max(1, min(request.count, MAX_SYNC_BLOCKS))
        blocks = self.core.tree.get_ancestors(request.block_id, count)
        return [SendTo(sender, BlockResponse(tuple(blocks)))] if blocks else []

    def on_block_response(self, response: BlockResponse, sender: ValidatorIndex) -> list[Action]:
        """Insert the answered chain if it links to a requested id and every block checks."""
        chain = list(response.blocks)
        if not chain or not self._is_wanted(chain[0].id):
            return []
        if any(child.parent_id != parent.id for child, parent in itertools.pairwise(chain)):
            return []
        for block in chain:
            self.orphans.setdefault(block.parent_id, block)
        return self._insert_orphans(sender)

    def _is_wanted(self, block_id: BlockId) -> bool:
        return block_id in self.requested or any(
            block.parent_id == block_id for block in self.orphans.values()
        )

    def _insert_orphans(self, sender: ValidatorIndex) -> list[Action]:
        tree = self.core.tree
        inserted: list[Block] = []
        progress = True
        while progress:
            progress = False
            for parent_id in [p for p in self.orphans if tree.has(p)]:
                block = self.orphans.pop(parent_id)
                if self._is_insertable(block):
                    tree.insert(block)
                    inserted.append(block)
                    progress = True
        actions = self.core.on_blocks_inserted(inserted)
        return actions + self._request_missing_orphans(sender)

    def _is_insertable(self, block: Block) -> bool:
        core = self.core
        if core.tree.has(block.id) or block.height <= core.tree.root.height:
            return False
        try:
            verify_qc(block.qc, core.vset, core.tree.root_qc)
            core.checker.check_block(block, core.tree.blocks[block.parent_id])
        except (InvalidCertificate, InvalidBlock):
            return False
        return True

    def _request_missing_orphans(self, sender: ValidatorIndex) -> list[Action]:
        tree = self.core.tree
        actions: list[Action] = []
        for parent_id in list(self.orphans):
            oldest = self.orphans[parent_id]
            if oldest.height <= tree.root.height + 1 and not tree.has(parent_id):
                del self.orphans[parent_id]  # descends from a branch that cannot commit
                continue
            actions += self.request_block(parent_id, sender, None)
        return actions

    def take_pending(self, block_id: BlockId) -> list[Proposal]:
        """Proposals parked on ``block_id``, now that it arrived."""
        self.requested.pop(block_id, None)
        return self.pending.pop(block_id, [])
