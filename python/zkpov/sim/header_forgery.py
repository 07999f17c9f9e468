"""Byzantine leaders that lie in the header fields light clients read (test-only attack modes):

- ``future_timestamp_proposer``: its blocks are timestamped ``FUTURE_SKEW_MS`` ahead of its
  clock, beyond the drift voters allow (``MAX_TIMESTAMP_DRIFT_MS``);
- ``stale_timestamp_proposer``: its blocks carry their parent's timestamp (not strictly after);
- ``wrong_set_proposer``: its blocks commit to another validator set (its stakes doubled);
- ``wrong_staking_root_proposer``: its blocks name another staking root (``FORGED_STAKING_ROOT``):
  refused by voters that keep the staking ledger (``SimConfig.staking_roots``).

Each re-signs its honest proposal with the one field changed, so everything else is valid:
honest validators refuse the proposal, and the round times out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from zkpov.consensus.actions import Action, Broadcast
from zkpov.constants import MAX_TIMESTAMP_DRIFT_MS
from zkpov.sim.attack import Attacker, Output, Rewrite, per_action, resign
from zkpov.spec.messages import Block, Proposal
from zkpov.spec.validators import compute_validator_set_commitment

__all__ = ["FORGED_STAKING_ROOT", "FUTURE_SKEW_MS", "REWRITES"]

FUTURE_SKEW_MS = 12 * MAX_TIMESTAMP_DRIFT_MS
FORGED_STAKING_ROOT = b"\xee" * 32


def _future(block: Block, attacker: Attacker) -> Block:
    return dataclasses.replace(block, timestamp_ms=block.timestamp_ms + FUTURE_SKEW_MS)


def _stale(block: Block, attacker: Attacker) -> Block:
    parent = attacker.core.tree.get(block.parent_id) if attacker.core else None
    stamp = block.timestamp_ms - 1 if parent is None else parent.timestamp_ms
    return dataclasses.replace(block, timestamp_ms=stamp)


def _wrong_set(block: Block, attacker: Attacker) -> Block:
    vset = attacker.vset
    doubled = [2 * stake for stake in vset.stakes]
    commitment = compute_validator_set_commitment(vset.epoch, vset.pubkeys, doubled)
    return dataclasses.replace(block, validator_set_commitment=commitment)


def _wrong_staking_root(block: Block, attacker: Attacker) -> Block:
    return dataclasses.replace(block, staking_root=FORGED_STAKING_ROOT)


def _rewriting(forge: Callable[[Block, Attacker], Block]) -> Rewrite:
    def rewrite(action: Action, attacker: Attacker) -> list[Output]:
        proposal = action.message if isinstance(action, Broadcast) else None
        if not isinstance(proposal, Proposal):
            return [action]
        block = forge(proposal.block, attacker)
        return [Broadcast(resign(block, attacker, proposal.tc))]

    return per_action(rewrite)


REWRITES: dict[str, Rewrite] = {
    "future_timestamp_proposer": _rewriting(_future),
    "stale_timestamp_proposer": _rewriting(_stale),
    "wrong_set_proposer": _rewriting(_wrong_set),
    "wrong_staking_root_proposer": _rewriting(_wrong_staking_root),
}
