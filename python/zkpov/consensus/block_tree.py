"""Blocks a validator knows, their certificates, the committed root and the 2-chain commit rule.

The tree holds the root's uncommitted descendants, the root, and a bounded tail of committed
blocks below it (``limits.COMMITTED_TAIL_BLOCKS``, for block sync and reputation windows), all
indexed by height so that a commit prunes without scanning the whole tree.
"""

from __future__ import annotations

from zkpov.consensus import limits
from zkpov.spec.messages import Block, QuorumCert
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
        self.blocks: dict[BlockId, Block] = {}
        self.by_height: dict[Height, set[BlockId]] = {}
        self.root = root
        self.root_qc = root_qc
        self.hqc = root_qc
        self.committed_ids: set[BlockId] = set()
        self._add(root)
        self.committed_ids.add(root.id)

    def has(self, block_id: BlockId) -> bool:
        return block_id in self.blocks

    def get(self, block_id: BlockId) -> Block | None:
        return self.blocks.get(block_id)

    def is_extendable(self, block_id: BlockId) -> bool:
        """A block new blocks may extend: the root or one of its uncommitted descendants."""
        block = self.blocks.get(block_id)
        return block is not None and (block_id == self.root.id or block.height > self.root.height)

    def insert(self, block: Block) -> None:
        """Add ``block``; its parent must be extendable (``MissingBlock`` otherwise)."""
        if not self.is_extendable(block.parent_id):
            raise MissingBlock(block.parent_id)
        self._add(block)

    def _add(self, block: Block) -> None:
        self.blocks[block.id] = block
        self.by_height.setdefault(block.height, set()).add(block.id)

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
        """Drop forks at or below the root and committed blocks below the tail."""
        tail_end = height - limits.COMMITTED_TAIL_BLOCKS
        for level in sorted(h for h in self.by_height if h <= height):
            for block_id in list(self.by_height[level]):
                if level < tail_end or block_id not in self.committed_ids:
                    self._remove(level, block_id)

    def _remove(self, level: Height, block_id: BlockId) -> None:
        del self.blocks[block_id]
        self.committed_ids.discard(block_id)
        ids = self.by_height[level]
        ids.discard(block_id)
        if not ids:
            del self.by_height[level]

    def get_ancestors(self, block_id: BlockId, count: int) -> list[Block]:
        """``block_id`` and up to ``count - 1`` ancestors, newest first (for sync requests)."""
        result: list[Block] = []
        current = self.blocks.get(block_id)
        while current is not None and len(result) < count:
            result.append(current)
            current = self.blocks.get(current.parent_id)
        return result
