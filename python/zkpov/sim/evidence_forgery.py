"""Byzantine proposers that abuse the evidence inside blocks (test-only attack modes):

- ``forged_evidence_proposer``: from round 2 on, each of its proposals carries a double vote of
  the previous round framing an honest validator (0, or 1 if it is 0 itself), signed with its
  own key (:func:`~zkpov.consensus.equivocation.forge_double_vote`), and is re-signed;
- ``evidence_replayer``: double votes like ``double_voter`` (so evidence against it gets
  committed), and each of its proposals carries evidence its committed log already holds.

Every voter's evidence check (:mod:`zkpov.consensus.evidence_check`) refuses both blocks, so the
round times out; the ``evidence`` invariants (:mod:`zkpov.sim.evidence_invariants`) catch any
such block that reaches the agreed log.
"""

from __future__ import annotations

import dataclasses

from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.equivocation import build_double_vote, forge_double_vote
from zkpov.consensus.evidence_pool import MAX_EVIDENCE_PER_PROPOSAL
from zkpov.sim.attack import Attacker, Output, Rewrite, per_action, resign
from zkpov.spec.messages import Block, Proposal, Vote
from zkpov.types import Round, ValidatorIndex

__all__ = ["REWRITES"]


def _get_own_proposal(action: Action, attacker: Attacker) -> Proposal | None:
    message = action.message if isinstance(action, Broadcast) else None
    if isinstance(message, Proposal) and message.block.proposer == attacker.node.index:
        return message
    return None


def _frame(action: Action, attacker: Attacker) -> list[Output]:
    proposal = _get_own_proposal(action, attacker)
    if proposal is None or proposal.block.round < 2:  # round 1: no earlier round to frame
        return [action]
    block = proposal.block
    victim = ValidatorIndex(1 if attacker.node.index == 0 else 0)
    forged = forge_double_vote(victim, Round(block.round - 1), block, attacker.scheme, attacker.sk)
    framing = dataclasses.replace(block, evidence=(forged,))
    return [Broadcast(resign(framing, attacker, proposal.tc))]


def get_committed_evidence(committed: list[Block], own: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Evidence items of the latest committed blocks, newest first, not in ``own``, as many as
    fit in a block beside ``own``."""
    room = MAX_EVIDENCE_PER_PROPOSAL - len(own)
    found: list[bytes] = []
    for block in reversed(committed[-64:]):
        found += [item for item in block.evidence if item not in own and item not in found]
    return tuple(found[:room])


def _replay(action: Action, attacker: Attacker) -> list[Output]:
    vote = action.message if isinstance(action, SendTo) else None
    if isinstance(action, SendTo) and isinstance(vote, Vote):
        return [action, SendTo(action.to, build_double_vote(vote, attacker.scheme, attacker.sk))]
    proposal = _get_own_proposal(action, attacker)
    if proposal is None:
        return [action]
    block = proposal.block
    replayed = get_committed_evidence(attacker.node.committed, block.evidence)
    if not replayed:
        return [action]
    block = dataclasses.replace(block, evidence=block.evidence + replayed)
    return [Broadcast(resign(block, attacker, proposal.tc))]


REWRITES: dict[str, Rewrite] = {
    "forged_evidence_proposer": per_action(_frame),
    "evidence_replayer": per_action(_replay),
}
