"""Byzantine behaviours, as rewrites of an honest core's outgoing actions.

- ``equivocating_leader``: as leader, signs a second block for the round and sends the two
  proposals to every node in opposite orders for the two halves of the network;
- ``double_voter``: with each vote, also signs a vote for a fabricated block of the same round;
- ``withholder``: sends nothing (its core still runs, so it can resume being honest);
- ``invalid_block_proposer``: as leader, proposes an empty block that changes the state root;
- ``twins``: no rewrite: setup builds a second instance with the same key and validator index,
  and both run the honest core;
- ``vote_forger``, ``bad_signature_voter``, ``future_round_flooder``, ``tc_forger``,
  ``stale_parent_proposer``: see :mod:`zkpov.sim.forgery`; ``leader_grinder``: see
  :mod:`zkpov.sim.grinding`; ``future_timestamp_proposer``, ``stale_timestamp_proposer``,
  ``wrong_set_proposer``, ``wrong_staking_root_proposer``: see :mod:`zkpov.sim.header_forgery`;
  ``forged_evidence_proposer``, ``evidence_replayer``: see :mod:`zkpov.sim.evidence_forgery`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence

from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.equivocation import build_double_vote, build_twin_proposal
from zkpov.sim.attack import (
    Attacker,
    Delayed,
    Equivocation,
    Later,
    Output,
    Rewrite,
    per_action,
    resign,
)
from zkpov.sim.evidence_forgery import REWRITES as EVIDENCE_REWRITES
from zkpov.sim.forgery import REWRITES as FORGERY_REWRITES
from zkpov.sim.grinding import observe_vote, rewrite_grinder
from zkpov.sim.header_forgery import REWRITES as HEADER_REWRITES
from zkpov.sim.node import SimNode
from zkpov.spec.messages import Proposal, Vote
from zkpov.types import Root

__all__ = ["Attacker", "Delayed", "Equivocation", "Later", "observe_message", "rewrite_actions"]


def _equivocate(action: Action, attacker: Attacker) -> list[Output]:
    proposal = action.message if isinstance(action, Broadcast) else None
    if not isinstance(proposal, Proposal):
        return [action]
    return [Equivocation(proposal, build_twin_proposal(proposal, attacker.scheme, attacker.sk))]


def _invalid_block(action: Action, attacker: Attacker) -> list[Output]:
    proposal = action.message if isinstance(action, Broadcast) else None
    if not isinstance(proposal, Proposal):
        return [action]
    forged_root = Root(hashlib.sha256(b"mint" + proposal.block.state_root).digest())
    block = dataclasses.replace(proposal.block, state_root=forged_root)
    return [Broadcast(resign(block, attacker, proposal.tc))]


def _double_vote(action: Action, attacker: Attacker) -> list[Output]:
    vote = action.message if isinstance(action, SendTo) else None
    if not isinstance(action, SendTo) or not isinstance(vote, Vote):
        return [action]
    return [action, SendTo(action.to, build_double_vote(vote, attacker.scheme, attacker.sk))]


def _withhold(action: Action, attacker: Attacker) -> list[Output]:
    return [] if isinstance(action, Broadcast | SendTo) else [action]


REWRITES: dict[str, Rewrite] = {
    "equivocating_leader": per_action(_equivocate),
    "double_voter": per_action(_double_vote),
    "withholder": per_action(_withhold),
    "invalid_block_proposer": per_action(_invalid_block),
    **FORGERY_REWRITES,
    **HEADER_REWRITES,
    **EVIDENCE_REWRITES,
    "leader_grinder": rewrite_grinder,
}


def observe_message(node: SimNode, message: object, attacker: Attacker) -> None:
    """What a Byzantine node receives, for behaviours that remember it."""
    if node.behaviour == "leader_grinder" and isinstance(message, Vote):
        observe_vote(attacker, message)


def rewrite_actions(
    actions: Sequence[Action], attacker: Attacker, custom: Mapping[str, Rewrite] | None = None
) -> list[Output]:
    """The actions a node with the attacker's behaviour (built in, or one of ``custom``)
    really performs."""
    behaviour = attacker.node.behaviour
    rewrite = REWRITES.get(behaviour) or (custom or {}).get(behaviour)
    return list(actions) if rewrite is None else rewrite(actions, attacker)
