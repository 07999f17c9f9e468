"""``leader_grinder``: a coalition that chooses which votes its QCs carry (simulation only).

Members keep every vote they receive (``observe_vote``), not only the quorum their core
aggregated, and hold a proposal made on a bare quorum a moment for late votes. When a member
leads round r, it re-aggregates its QC for r - 1 from a quorum subset of the valid votes it holds
on that QC's VoteData: while the leader of r + 1 (as its own core computes it for the block) is
an honest signer whose vote the quorum does not need, it drops that voter. If that makes a member
the leader, it re-signs the block with the new QC, proposes it instead, and votes for it. Whether
this pays depends on the core's leader rule: it does when the rule reads the QC's signers. TCs
are not ground.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.core import ConsensusCore
from zkpov.errors import ZkpovError
from zkpov.sim.attack import Attacker, Later, Output, resign
from zkpov.spec.encoding import compute_bitfield, get_bitfield_indices
from zkpov.spec.messages import Block, Proposal, QuorumCert, Vote, VoteData
from zkpov.types import ValidatorIndex

__all__ = ["grind_block", "observe_vote", "rewrite_grinder"]

KEPT_ROUNDS = 4  # rounds of received votes a member keeps
GRIND_WAIT = 0.1  # seconds a member holds a proposal made on a bare quorum, for late votes


def observe_vote(attacker: Attacker, vote: Vote) -> None:
    """Keep a received vote (the last one per voter and VoteData) for later grinding."""
    kept: dict[VoteData, dict[ValidatorIndex, Vote]] = attacker.state.setdefault("votes", {})
    kept.setdefault(vote.vote_data, {})[vote.voter] = vote
    if len(kept) > 4 * KEPT_ROUNDS:
        newest = max(data.round for data in kept)
        for data in [d for d in kept if d.round + KEPT_ROUNDS < newest]:
            del kept[data]


def rewrite_grinder(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
    """Swap the member's proposal (and its vote on it) for the ground block, if one pays; wait
    for late votes first when the core proposed on a bare quorum and grinding could pay."""
    proposal = _find_proposal(actions)
    if proposal is None or not _is_worth_waiting(attacker, proposal.block):
        return _swap(actions, attacker, proposal)
    return [Later(GRIND_WAIT, lambda: _swap(actions, attacker, proposal))]


def _is_worth_waiting(attacker: Attacker, block: Block) -> bool:
    core = attacker.core
    if core is None or len(_get_votes(attacker, block.qc)) == len(attacker.vset):
        return False
    return core.get_next_leader(block) not in attacker.get_coalition()


def _swap(actions: Sequence[Action], attacker: Attacker, proposal: Proposal | None) -> list[Output]:
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
    votes = _get_votes(attacker, block.qc)
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


def _get_votes(attacker: Attacker, qc: QuorumCert) -> dict[ValidatorIndex, Vote]:
    """Valid votes on ``qc``'s VoteData: those received and, if it signed ``qc``, its own."""
    data = qc.vote_data
    kept = dict(attacker.state.get("votes", {}).get(data, {}))
    own = attacker.node.index
    if own in get_bitfield_indices(qc.signers, len(attacker.vset)):
        kept[own] = Vote(data, own, attacker.scheme.sign(attacker.sk, data.signing_root))
    keyring = attacker.vset.keyring
    return {
        voter: vote
        for voter, vote in kept.items()
        if attacker.vset.is_member(voter)
        and keyring.verify(voter, data.signing_root, vote.signature)
    }


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
