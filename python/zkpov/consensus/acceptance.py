"""Which proposals and rounds the core takes in: pure checks on its block tree and round.

:func:`is_stale` and :func:`is_in_window` run before any signature is checked (a stale or
far-future message costs nothing); :func:`is_insertable_proposal` decides whether a checked
proposal's block may enter the tree.
"""

from __future__ import annotations

from zkpov.consensus import limits
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.round_leaders import get_proposal_leader
from zkpov.spec.messages import Block
from zkpov.types import Round

__all__ = ["is_in_window", "is_insertable_proposal", "is_stale"]


def is_stale(tree: BlockTree, block: Block) -> bool:
    """Nothing to learn: at or below the root, or extending a block that cannot commit."""
    root = tree.root
    if block.height <= root.height or block.qc.round < root.round:
        return True
    return tree.has(block.parent_id) and not tree.is_extendable(block.parent_id)


def is_in_window(round_: Round, current: Round) -> bool:
    """Not beyond ``limits.FUTURE_ROUND_WINDOW`` rounds ahead of our ``current`` round."""
    return round_ <= current + limits.FUTURE_ROUND_WINDOW


def is_insertable_proposal(tree: BlockTree, leaders: LeaderElection, block: Block) -> bool:
    """On an extendable parent, by the round's leader, and not past the cap on one leader's
    blocks in one round (an equivocating leader cannot fill our memory)."""
    parent = tree.get(block.parent_id)
    if parent is None or not tree.is_extendable(parent.id):
        return False
    if block.height != parent.height + 1 or block.qc.round != parent.round:
        return False
    if block.timestamp_ms <= parent.timestamp_ms:
        return False
    if get_proposal_leader(leaders, tree, block) != block.proposer:
        return False
    same_height = (tree.blocks[i] for i in tree.by_height.get(block.height, ()))
    twins = sum(b.round == block.round and b.proposer == block.proposer for b in same_height)
    return twins < limits.MAX_BLOCKS_PER_LEADER_ROUND
