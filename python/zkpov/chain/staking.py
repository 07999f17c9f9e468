"""Validator registry: join, exit, delegate, undelegate, unbonding, and the epoch's active set.

Changes of voting power take effect at epoch boundaries: ``process_epoch_transition`` releases
matured unbonding, removes exited and slashed validators, and picks the new active set: validators
with at least ``min_stake`` of total stake, the top ``max_validators`` by stake (ties by index).
"""

from __future__ import annotations

from collections.abc import Callable

from zkpov.chain.containers import (
    ChainState,
    Delegation,
    Owner,
    RegistryIndex,
    Unbonding,
    Validator,
    ValidatorStatus,
)
from zkpov.chain.distribution import process_settlement, process_validator_settlement
from zkpov.chain.seed import compute_seed_from_mix
from zkpov.config import ConsensusConfig
from zkpov.constants import COMMISSION_DENOMINATOR
from zkpov.errors import ValidatorError
from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = [
    "get_total_stake",
    "get_validator_stake",
    "process_delegate",
    "process_epoch_transition",
    "process_exit",
    "process_join",
    "process_undelegate",
]

_LEAVING = (ValidatorStatus.EXITED, ValidatorStatus.SLASHED, ValidatorStatus.EXITING)


def get_validator_stake(state: ChainState, index: RegistryIndex) -> Stake:
    """Self stake plus delegations to ``index`` (kept as a running total: O(1))."""
    validator = state.validators[index]
    return Stake(validator.self_stake + validator.delegated)


def get_total_stake(state: ChainState) -> int:
    """All tokens: bonded, delegated, unbonding, liquid and unsettled rewards (the conserved
    quantity)."""
    bonded = sum(v.self_stake for v in state.validators)
    return (
        bonded
        + sum(state.delegations.values())
        + sum(u.amount for u in state.unbonding)
        + sum(state.balances.values())
        + sum(v.outstanding for v in state.validators)  # rewards not yet settled
    )


def _debit(state: ChainState, owner: Owner, amount: int) -> None:
    if amount <= 0:
        raise ValidatorError("amounts must be positive")
    if state.balances.get(owner, 0) < amount:
        raise ValidatorError("insufficient balance")
    state.balances[owner] -= amount


def process_join(
    state: ChainState,
    config: ConsensusConfig,
    owner: Owner,
    pubkey: BLSPubkey,
    proof_of_possession: bytes,
    stake: Stake,
    commission_bps: int,
    pop_verify: Callable[[bytes, bytes], bool],
) -> RegistryIndex:
    """Register a validator (active from the next epoch); the PoP is checked once, here."""
    if stake < config.min_stake:
        raise ValidatorError(f"stake {stake} below min_stake {config.min_stake}")
    if not 0 <= commission_bps <= COMMISSION_DENOMINATOR:
        raise ValidatorError("commission must be between 0 and 10000 basis points")
    if any(v.pubkey == pubkey for v in state.validators):
        raise ValidatorError("public key already registered")
    if not pop_verify(pubkey, proof_of_possession):
        raise ValidatorError("proof of possession does not verify")
    _debit(state, owner, stake)
    state.validators.append(Validator(pubkey, owner, stake, commission_bps))
    index = len(state.validators) - 1
    process_settlement(state, owner, index)  # its reward entry starts at the ratio now
    return index


def process_exit(state: ChainState, owner: Owner, index: RegistryIndex) -> None:
    """Ask to leave; the validator leaves the set and starts unbonding at the next boundary."""
    validator = _get_owned(state, owner, index)
    if validator.status in _LEAVING:
        raise ValidatorError(f"validator {index} is already leaving")
    validator.status = ValidatorStatus.EXITING


def _get_owned(state: ChainState, owner: Owner, index: RegistryIndex) -> Validator:
    if not 0 <= index < len(state.validators):
        raise ValidatorError(f"no validator {index}")
    validator = state.validators[index]
    if validator.owner != owner:
        raise ValidatorError("only the owner may do that")
    return validator


def process_delegate(
    state: ChainState, delegator: Owner, index: RegistryIndex, amount: Stake
) -> None:
    """Bond ``amount`` of the delegator's balance to validator ``index``."""
    if not 0 <= index < len(state.validators) or state.validators[index].status in _LEAVING:
        raise ValidatorError(f"validator {index} does not take delegations")
    _debit(state, delegator, amount)
    process_settlement(state, delegator, index)
    key = Delegation(delegator, index)
    state.delegations[key] = Stake(state.delegations.get(key, 0) + amount)
    state.validators[index].delegated = Stake(state.validators[index].delegated + amount)


def process_undelegate(
    state: ChainState,
    config: ConsensusConfig,
    delegator: Owner,
    index: RegistryIndex,
    amount: Stake,
) -> None:
    """Start unbonding ``amount``; it returns to the balance after ``unbonding_epochs``."""
    key = Delegation(delegator, index)
    if amount <= 0 or state.delegations.get(key, 0) < amount:
        raise ValidatorError("cannot undelegate more than is delegated")
    process_settlement(state, delegator, index)
    state.delegations[key] = Stake(state.delegations[key] - amount)
    state.validators[index].delegated = Stake(state.validators[index].delegated - amount)
    if not state.delegations[key]:
        del state.delegations[key]
    _queue_unbonding(state, config, delegator, amount, index)


def _queue_unbonding(
    state: ChainState, config: ConsensusConfig, owner: Owner, amount: int, index: RegistryIndex
) -> None:
    """Unbonding from validator ``index``, started now: slashable for offences up to now."""
    if amount > 0:
        release = Epoch(state.epoch + config.unbonding_epochs)
        state.unbonding.append(Unbonding(owner, Stake(amount), release, index, state.epoch))


def process_epoch_transition(state: ChainState, config: ConsensusConfig) -> None:
    """Epoch boundary: unbonding, departures, the new active set and the new seed."""
    next_epoch = Epoch(state.epoch + 1)
    state.seed = compute_seed_from_mix(state.seed, next_epoch, state.randao_mix)
    state.randao_mix = bytes(32)
    state.epoch = next_epoch
    state.blocks_in_epoch = 0
    _process_unbonding(state)
    _process_departures(state, config)
    _process_active_set(state, config)


def _process_unbonding(state: ChainState) -> None:
    matured = [u for u in state.unbonding if u.release_epoch <= state.epoch]
    state.unbonding = [u for u in state.unbonding if u.release_epoch > state.epoch]
    for item in matured:
        state.balances[item.owner] = state.balances.get(item.owner, 0) + item.amount


def _process_departures(state: ChainState, config: ConsensusConfig) -> None:
    for index, validator in enumerate(state.validators):
        if validator.status not in (ValidatorStatus.EXITING, ValidatorStatus.SLASHED):
            continue
        process_validator_settlement(state, index)
        _queue_unbonding(state, config, validator.owner, validator.self_stake, index)
        validator.self_stake = Stake(0)
        for key in [d for d in state.delegations if d.validator == index]:
            _queue_unbonding(state, config, key.delegator, state.delegations.pop(key), index)
        validator.delegated = Stake(0)
        if validator.status is ValidatorStatus.EXITING:
            validator.status = ValidatorStatus.EXITED


def _process_active_set(state: ChainState, config: ConsensusConfig) -> None:
    eligible = [
        (get_validator_stake(state, i), i)
        for i, v in enumerate(state.validators)
        if v.status in (ValidatorStatus.PENDING, ValidatorStatus.ACTIVE)
    ]
    eligible = [(s, i) for s, i in eligible if s >= config.min_stake]
    chosen = sorted(eligible, key=lambda item: (-item[0], item[1]))[: config.max_validators]
    chosen_set = {i for _, i in chosen}
    for index, validator in enumerate(state.validators):
        if validator.status in (ValidatorStatus.PENDING, ValidatorStatus.ACTIVE):
            validator.status = (
                ValidatorStatus.ACTIVE if index in chosen_set else ValidatorStatus.PENDING
            )
    ordered = sorted(chosen_set)
    state.active = tuple(ordered)
    state.active_stakes = tuple(get_validator_stake(state, i) for i in ordered)
