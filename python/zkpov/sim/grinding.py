"""``leader_grinder``: a coalition that chooses which votes its QCs carry (simulation only).

When a member leads round r, it re-aggregates its QC for r - 1 from a quorum subset of the votes
it collected: while the leader of r + 1 its own core computes for the block is an honest signer
whose vote is not needed for the quorum, it drops that voter. If that makes a member the leader,
it re-signs the block with the new QC, proposes it instead, and votes for it. The leader rule of
the core decides whether this pays: with a rule that reads the QC's signers it does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.encoding import compute_bitfield, get_bitfield_indices
from zkpov.consensus.messages import Block, Proposal, QuorumCert, Vote, VoteData
from zkpov.errors import ZkpovError
from zkpov.sim.attack import Attacker, Output, resign
from zkpov.types import ValidatorIndex

__all__ = ["grind_block", "rewrite_grinder"]


def rewrite_grinder(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
    """Swap the member's proposal (and its vote on it) for the ground block, if one pays."""
    proposal = _find_proposal(actions)
    core = attacker.core
    ground = None if proposal is None or core is None else grind_block(attacker, proposal.block)
    if proposal is None or core is None or ground is None:
        return list(actions)
    replacement = resign(ground, attacker, proposal.tc)
    _adopt(core, ground)
    result: list[Output] = []
    for action in actions:
        if isinstance(action, Broadcast) and action.message is proposal:
            result.append(Broadcast(replacement))
        elif not _is_vote_on(action, proposal.block):
            result.append(action)
    return result + _vote(attacker, core, ground)


def grind_block(attacker: Attacker, block: Block) -> Block | None:
    """``block`` with a QC subset that makes a member lead the next round; None if none does
    (or the votes behind its QC are not at hand)."""
    core = attacker.core
    votes = _get_qc_votes(core, block.qc) if core is not None else {}
    if core is None or not votes:
        return None
    coalition, signers = attacker.get_coalition(), set(votes)
    for _ in range(len(votes)):
        candidate = _with_signers(attacker, block, votes, signers)
        leader = core.get_next_leader(candidate)
        if leader is None:
            return None
        if leader in coalition:
            return None if signers == set(votes) else candidate
        rest = signers - {leader}
        if leader not in signers or attacker.vset.get_power(rest) < attacker.vset.quorum_power:
            return None
        signers = rest
    return None


def _find_proposal(actions: Sequence[Action]) -> Proposal | None:
    for action in actions:
        if isinstance(action, Broadcast) and isinstance(action.message, Proposal):
            return action.message
    return None


def _is_vote_on(action: Action, block: Block) -> bool:
    message = action.message if isinstance(action, SendTo) else None
    return isinstance(message, Vote) and message.vote_data.block_id == block.id


def _get_qc_votes(core: ConsensusCore, qc: QuorumCert) -> dict[ValidatorIndex, Vote]:
    """The collected votes behind ``qc`` (its signers only); empty if the core has none."""
    collector = getattr(core, "votes", {}).get(qc.round)
    pending = getattr(collector, "pending", {}).get(qc.vote_data, {})
    signers = set(get_bitfield_indices(qc.signers, len(qc.signers) * 8))
    return {voter: vote for voter, vote in pending.items() if voter in signers}


def _with_signers(
    attacker: Attacker,
    block: Block,
    votes: dict[ValidatorIndex, Vote],
    signers: set[ValidatorIndex],
) -> Block:
    indices = sorted(signers)
    signature = attacker.scheme.aggregate([votes[i].signature for i in indices])
    qc = QuorumCert(block.qc.vote_data, compute_bitfield(indices, len(attacker.vset)), signature)
    return dataclasses.replace(block, qc=qc)


def _adopt(core: ConsensusCore, block: Block) -> None:
    """Put the ground block in the member's own tree, so its chain goes on from it."""
    parent = core.tree.get(block.parent_id)
    if parent is None:
        return
    try:
        core.checker.check_block(block, parent)
    except ZkpovError:
        return
    core.tree.insert(block)


def _vote(attacker: Attacker, core: ConsensusCore, block: Block) -> list[Output]:
    data = VoteData(block.epoch, block.round, block.id, block.qc.round, block.qc.block_id)
    vote = Vote(data, attacker.node.index, attacker.scheme.sign(attacker.sk, data.signing_root))
    leader = core.get_next_leader(block)
    return [] if leader is None else [SendTo(leader, vote)]
