"""Lazy reward accounting, F1-style (Ojha, "F1 Fee Distribution", Cosmos SDK ``x/distribution``).

Paying a validator's stakeholders touches only the validator: its pool (``outstanding``) grows
by the amount and its cumulative reward per unit of stake (``reward_ratio``, scaled by
``RATIO_SCALE``) by ``floor(amount * RATIO_SCALE / stake)``. A holder (the owner for its self
stake, or a delegator) remembers the ratio when its stake last changed (``reward_entries``);
what it has earned since is ``stake * (ratio now - ratio then) / RATIO_SCALE``, floored, paid
from the pool into its balance by :func:`process_settlement` whenever its stake is about to
change (delegate, undelegate, slashing, leaving the set) or on request.

Every floor rounds against the holders, so the pool never pays out more than it received; the
dust stays in the pool and counts in the supply. A holder's stake must not change without a
settlement first: slashing and departures settle every holder of the validator (rare events,
so they may touch every delegator; block rewards never do).
"""

from __future__ import annotations

from zkpov.chain.containers import ChainState, Delegation, Owner, RegistryIndex

__all__ = [
    "RATIO_SCALE",
    "compute_pending_reward",
    "get_holder_stake",
    "get_holders",
    "process_reward",
    "process_settlement",
    "process_validator_settlement",
]

RATIO_SCALE = 1 << 64


def get_holder_stake(state: ChainState, holder: Owner, index: RegistryIndex) -> int:
    """What ``holder`` has bonded to validator ``index``: its delegation, plus the self stake
    if it owns the validator."""
    validator = state.validators[index]
    own = int(validator.self_stake) if validator.owner == holder else 0
    return own + int(state.delegations.get(Delegation(holder, index), 0))


def get_holders(state: ChainState, index: RegistryIndex) -> list[Owner]:
    """The owner, then every delegator of ``index`` (each once)."""
    owner = state.validators[index].owner
    delegators = [d.delegator for d in state.delegations if d.validator == index]
    return [owner, *(d for d in delegators if d != owner)]


def process_reward(state: ChainState, index: RegistryIndex, amount: int, stake: int) -> None:
    """``amount`` (already minted) for the holders of ``index``, whose total stake is ``stake``."""
    if amount <= 0 or stake <= 0:
        return
    validator = state.validators[index]
    validator.outstanding += amount
    validator.reward_ratio += amount * RATIO_SCALE // stake


def compute_pending_reward(state: ChainState, holder: Owner, index: RegistryIndex) -> int:
    """What ``holder`` has earned on ``index`` since its last settlement."""
    entry = state.reward_entries.get(Delegation(holder, index), 0)
    growth = state.validators[index].reward_ratio - entry
    return get_holder_stake(state, holder, index) * growth // RATIO_SCALE


def process_settlement(state: ChainState, holder: Owner, index: RegistryIndex) -> int:
    """Pays ``holder``'s pending reward on ``index`` into its balance; returns it. Call before
    its stake on ``index`` changes."""
    validator = state.validators[index]
    paid = min(compute_pending_reward(state, holder, index), validator.outstanding)
    validator.outstanding -= paid
    if paid:
        state.balances[holder] = state.balances.get(holder, 0) + paid
    state.reward_entries[Delegation(holder, index)] = validator.reward_ratio
    return paid


def process_validator_settlement(state: ChainState, index: RegistryIndex) -> None:
    """Settles every holder of ``index`` (before a change to all their stakes)."""
    for holder in get_holders(state, index):
        process_settlement(state, holder, index)
