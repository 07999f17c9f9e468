"""The leaders a core expects: of a proposal, of the votes on a block, of the round it enters.

Each one asks the leader election along a chain of the node's block tree (``leader.py`` states
the rule), so it is the leader every honest node computes for the same block. A chain with an
ancestor the node cannot reach (a fork below the committed root) has no leader (None).
"""

from __future__ import annotations

from zkpov.consensus.block_tree import BlockTree, MissingBlock
from zkpov.consensus.leader import (
    Anchor,
    LeaderElection,
    get_proposal_anchor,
    get_recovery_anchor,
    get_successor_anchor,
)
from zkpov.consensus.messages import Block, Proposal, TimeoutCert
from zkpov.types import Round, ValidatorIndex

__all__ = ["get_entry_leader", "get_proposal_leader", "get_vote_recipient"]


def get_proposal_leader(
    leaders: LeaderElection, tree: BlockTree, proposal: Proposal
) -> ValidatorIndex | None:
    """Who must have proposed ``proposal`` (its parent must be in ``tree``); None if nobody:
    a recovery block without TC(r - 1), or an unreachable ancestry."""
    block = proposal.block
    parent = tree.blocks[block.parent_id]
    anchor = get_proposal_anchor(block, proposal.tc, parent)
    return None if anchor is None else _ask(leaders, tree, block.round, parent, anchor)


def get_vote_recipient(
    leaders: LeaderElection, tree: BlockTree, block: Block
) -> ValidatorIndex | None:
    """Leader of the round after ``block`` for a block extending it (where votes on it go)."""
    return _ask(leaders, tree, Round(block.round + 1), block, get_successor_anchor(block))


def get_entry_leader(
    leaders: LeaderElection, tree: BlockTree, htc: TimeoutCert | None, round_: Round
) -> ValidatorIndex | None:
    """Leader of ``round_`` entered through our highest QC or TC, for a block extending our
    highest certified block (None: that block is missing, or no certificate for ``round_ - 1``)."""
    parent = tree.get(tree.hqc.block_id)
    if parent is None:
        return None
    if tree.hqc.round + 1 == round_:
        return _ask(leaders, tree, round_, parent, get_successor_anchor(parent))
    if htc is not None and htc.round + 1 == round_:
        return _ask(leaders, tree, round_, parent, get_recovery_anchor(htc))
    return None


def _ask(
    leaders: LeaderElection, tree: BlockTree, round_: Round, tip: Block, anchor: Anchor
) -> ValidatorIndex | None:
    try:
        return leaders.get_leader(round_, tip, anchor, tree.get)
    except MissingBlock:
        return None
