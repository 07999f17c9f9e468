"""A checked proposal's block enters the tree, and the core votes on it.

The block must be insertable (``acceptance.is_insertable_proposal``) and pass the validity
checker; an invalid block becomes evidence against its proposer instead. The vote is signed
by ``SafetyRules`` (persisted before it leaves) and goes to the next round's leader, computed
along the voted block's chain; a block we already hold (restored at restart, or synced) gets
its vote when its round is current and we have not voted in it yet.
"""

from __future__ import annotations

from typing import Protocol

from zkpov.consensus.acceptance import is_insertable_proposal
from zkpov.consensus.actions import Action, PersistSafety, SendTo
from zkpov.consensus.block_tree import BlockTree
from zkpov.consensus.evidence_pool import EvidencePool
from zkpov.consensus.leader import LeaderElection
from zkpov.consensus.pacemaker import Pacemaker
from zkpov.consensus.safety import SafetyRules, UnsafeVote
from zkpov.consensus.tc_gate import get_justifying_tc
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.evidence import make_invalid_block_evidence
from zkpov.spec.messages import Block, Proposal, TimeoutCert
from zkpov.spec.payload import InvalidBlock
from zkpov.types import ValidatorIndex

__all__ = ["VoterHost", "process_block"]


class VoterHost(Protocol):
    """What the voting path reads and changes of the core (``ConsensusCore`` is one)."""

    tree: BlockTree
    leaders: LeaderElection
    checker: ValidityChecker
    evidence: EvidencePool
    safety: SafetyRules
    pacemaker: Pacemaker
    htc: TimeoutCert | None

    def get_next_leader(self, block: Block) -> ValidatorIndex | None: ...

    def on_blocks_inserted(self, blocks: list[Block]) -> list[Action]: ...


def process_block(host: VoterHost, proposal: Proposal) -> list[Action]:
    """Insert the block of a checked proposal on an extendable parent, then vote if due."""
    block = proposal.block
    if host.tree.has(block.id):
        return _vote_if_due(host, proposal)
    if not is_insertable_proposal(host.tree, host.leaders, block):
        return []
    parent = host.tree.blocks[block.parent_id]
    try:
        host.checker.check_block(block, parent)
    except InvalidBlock:
        return host.evidence.record(make_invalid_block_evidence(proposal, parent))
    host.tree.insert(block)
    actions = host.on_blocks_inserted([block])
    if block.round == host.pacemaker.round:
        actions += _vote(host, proposal)
    return actions


def _vote_if_due(host: VoterHost, proposal: Proposal) -> list[Action]:
    """A block we hold (restored at restart, or synced) but have not voted on yet."""
    last = host.safety.data.last_vote
    is_due = proposal.block.round == host.pacemaker.round
    if is_due and (last is None or last.round < host.pacemaker.round):
        return _vote(host, proposal)
    return []


def _vote(host: VoterHost, proposal: Proposal) -> list[Action]:
    block = proposal.block
    tc = proposal.tc or get_justifying_tc(host.htc, block.round)
    try:
        vote, is_new = host.safety.sign_vote(block, tc)
    except UnsafeVote:
        return []
    actions: list[Action] = [PersistSafety(host.safety.data)] if is_new else []
    next_leader = host.get_next_leader(block)
    return actions if next_leader is None else [*actions, SendTo(next_leader, vote)]
