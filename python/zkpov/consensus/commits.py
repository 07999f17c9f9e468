"""Commit handling for the core: the best commit QC seen, and the commit it enables.

A QC for a block directly after its parent commits that parent and its ancestors
(``BlockTree.get_commit_target``). The tracker keeps the commit QC with the highest
``parent_round`` and commits once the path from the root is known; until then it asks block
sync for the missing block, from the QC's signers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from zkpov.consensus.actions import Action, Commit
from zkpov.consensus.block_tree import BlockTree, MissingBlock
from zkpov.consensus.sync import BlockSync, compute_holders
from zkpov.spec.messages import Block, QuorumCert

__all__ = ["CommitFollower", "CommitTracker"]


class CommitFollower(Protocol):
    """State told of each committed block, oldest first (leaders, validity, evidence)."""

    def on_commit(self, block: Block) -> None: ...


class CommitTracker:
    """The best commit QC of one core, and the commits it makes on the core's tree."""

    def __init__(self, tree: BlockTree, sync: BlockSync, validators: int) -> None:
        self.tree, self.sync, self.validators = tree, sync, validators
        self.best_qc: QuorumCert | None = None

    def observe(self, qc: QuorumCert) -> bool:
        """Record ``qc`` in the tree; True when it commits something (then try to commit)."""
        self.tree.observe_qc(qc)
        if self.tree.get_commit_target(qc) is None:
            return False
        best = self.best_qc
        if best is None or qc.vote_data.parent_round > best.vote_data.parent_round:
            self.best_qc = qc
        return True

    def try_commit(self, now: float, followers: Sequence[CommitFollower]) -> list[Action]:
        """Commit up to the best QC's target, or request the block that the path lacks."""
        qc = self.best_qc
        target = None if qc is None else self.tree.get_commit_target(qc)
        if qc is None or target is None:
            return []
        try:
            if not self.tree.has(qc.block_id):
                raise MissingBlock(qc.block_id)
            path = self.tree.get_path_from_root(target)
        except MissingBlock as missing:
            holders = compute_holders(qc, self.validators)
            return self.sync.request_block(missing.block_id, holders, None, now)
        self.tree.process_commit(path, qc)
        for block in path:
            for follower in followers:
                follower.on_commit(block)
        return [Commit(tuple(path), qc)]
