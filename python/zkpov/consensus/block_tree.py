"""Blocks a validator knows, their certificates, the committed root and the 2-chain commit rule."""

from __future__ import annotations

from zkpov.consensus.messages import Block, QuorumCert
from zkpov.types import BlockId, Height

__all__ = ["BlockTree", "MissingBlock"]


class MissingBlock(Exception):
    """A block needed to walk the chain is not known yet (sync it)."""

    def __init__(self, block_id: BlockId) -> None:
        super().__init__(block_id.hex())
        self.block_id = block_id


class BlockTree:
    """Known blocks rooted at the last committed block (``root``, certified by ``root_qc``)."""

    def __init__(self, root: Block, root_qc: QuorumCert) -> None:
        self.blocks: dict[BlockId, Block] = {root.id: root}
        self.root = root
        self.root_qc = root_qc
        self.hqc = root_qc
        self.committed_ids: set[BlockId] = {root.id}

    def has(self, block_id: BlockId) -> bool:
        return block_id in self.blocks

    def get(self, block_id: BlockId) -> Block | None:
        return self.blocks.get(block_id)

    def insert(self, block: Block) -> None:
        """Add ``block``; its parent must be known (``MissingBlock`` otherwise)."""
        if block.parent_id not in self.blocks:
            raise MissingBlock(block.parent_id)
        self.blocks[block.id] = block

    def observe_qc(self, qc: QuorumCert) -> bool:
        """Track the highest QC; True if ``qc`` is the new highest."""
        if qc.round > self.hqc.round:
            self.hqc = qc
            return True
        return False

    def get_commit_target(self, qc: QuorumCert) -> BlockId | None:
        """The block ``qc`` commits under the 2-chain rule, if it is above the root."""
        data = qc.vote_data
        if data.round != data.parent_round + 1 or data.parent_round <= self.root.round:
            return None
        return data.parent_id

    def get_path_from_root(self, block_id: BlockId) -> list[Block]:
        """Blocks after the root up to ``block_id``, oldest first (``MissingBlock`` if a gap)."""
        path: list[Block] = []
        current = block_id
        while current != self.root.id:
            block = self.blocks.get(current)
            if block is None:
                raise MissingBlock(current)
            if block.height <= self.root.height:
                raise ValueError("block does not descend from the committed root")
            path.append(block)
            current = block.parent_id
        path.reverse()
        return path

    def process_commit(self, path: list[Block], qc: QuorumCert) -> None:
        """Move the root to the last block of ``path`` (certified by ``qc``'s parent QC)."""
        new_root = path[-1]
        self.committed_ids.update(block.id for block in path)
        self.root = new_root
        self.root_qc = self.blocks[qc.block_id].qc
        self._prune(new_root.height)

    def _prune(self, height: Height) -> None:
        stale = [
            bid
            for bid, block in self.blocks.items()
            if block.height <= height and bid not in self.committed_ids
        ]
        for block_id in stale:
            del self.blocks[block_id]

    def get_ancestors(self, block_id: BlockId, count: int) -> list[Block]:
        """``block_id`` and up to ``count - 1`` ancestors, newest first (for sync requests)."""
        result: list[Block] = []
        current = self.blocks.get(block_id)
        while current is not None and len(result) < count:
            result.append(current)
            current = self.blocks.get(current.parent_id)
        return result
