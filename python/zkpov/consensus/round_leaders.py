"""The leaders a core expects: of a proposal, of the votes on a block, of the round it enters.

Each one asks the leader election along a chain of the node's block tree (``leader.py`` states
the rule), so it is the leader every honest node computes for the same block. A chain with an
ancestor the node cannot reach (pruned, or a fork below the committed root) has no leader (None).
"""

from __future__ import annotations

from zkpov.consensus.block_tree import BlockTree, MissingBlock
from zkpov.consensus.leader import LeaderElection
from zkpov.spec.messages import Block
from zkpov.types import Round, ValidatorIndex

__all__ = ["get_entry_leader", "get_proposal_leader", "get_vote_recipient"]


def get_proposal_leader(
    leaders: LeaderElection, tree: BlockTree, block: Block
) -> ValidatorIndex | None:
    """Who must have proposed ``block`` (its parent must be in ``tree``)."""
    return _ask(leaders, tree, block.round, tree.blocks[block.parent_id])


def get_vote_recipient(
    leaders: LeaderElection, tree: BlockTree, block: Block
) -> ValidatorIndex | None:
    """Leader of the round after ``block`` for a block extending it (where votes on it go)."""
    return _ask(leaders, tree, Round(block.round + 1), block)


def get_entry_leader(
    leaders: LeaderElection, tree: BlockTree, round_: Round
) -> ValidatorIndex | None:
    """Leader of ``round_`` for a block extending our highest certified block, whether we
    entered ``round_`` through a QC or a TC (None: that block is missing)."""
    parent = tree.get(tree.hqc.block_id)
    return None if parent is None else _ask(leaders, tree, round_, parent)


def _ask(
    leaders: LeaderElection, tree: BlockTree, round_: Round, tip: Block
) -> ValidatorIndex | None:
    try:
        return leaders.get_leader(round_, tip, tree.get)
    except MissingBlock:
        return None
