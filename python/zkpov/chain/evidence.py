"""Slashing on evidence: burn ``slashing_rate`` of the offender's stake, its delegators' stake
and the unbonding entries that left it at or after the offence's epoch (that stake was bonded
when the offence was committed), and eject it (it leaves the set and unbonds at the next epoch
boundary). Every holder's reward is settled first, at the stake it earned it with.

Evidence is verified here again, from the signed messages alone, against the validator set of the
epoch it names; invalid or repeated evidence changes nothing.
"""

from __future__ import annotations

import dataclasses

from zkpov.chain.containers import ChainState, RegistryIndex, ValidatorStatus
from zkpov.chain.distribution import process_validator_settlement
from zkpov.config import ConsensusConfig
from zkpov.spec.evidence import Evidence, InvalidEvidence, get_evidence_epoch, verify_evidence
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Stake

__all__ = ["compute_slash_amount", "process_evidence", "process_slashing"]


def compute_slash_amount(stake: int, config: ConsensusConfig) -> int:
    """``floor(stake * slashing_rate)``."""
    return int(stake * config.slashing_rate)


def process_slashing(
    state: ChainState, config: ConsensusConfig, index: RegistryIndex, offence_epoch: Epoch
) -> int:
    """Slash validator ``index`` once, for an offence in ``offence_epoch``; return the stake
    burned."""
    validator = state.validators[index]
    if validator.status is ValidatorStatus.SLASHED:
        return 0
    process_validator_settlement(state, index)
    burned = compute_slash_amount(validator.self_stake, config)
    validator.self_stake = Stake(validator.self_stake - burned)
    for key in [d for d in state.delegations if d.validator == index]:
        cut = compute_slash_amount(state.delegations[key], config)
        state.delegations[key] = Stake(state.delegations[key] - cut)
        validator.delegated = Stake(validator.delegated - cut)
        burned += cut
    burned += _slash_unbonding(state, config, index, offence_epoch)
    validator.status = ValidatorStatus.SLASHED
    validator.slashed_amount = Stake(validator.slashed_amount + burned)
    state.burned += burned
    return burned


def _slash_unbonding(
    state: ChainState, config: ConsensusConfig, index: RegistryIndex, offence_epoch: Epoch
) -> int:
    """Cuts the entries that began leaving ``index`` at or after ``offence_epoch``."""
    burned, kept = 0, []
    for entry in state.unbonding:
        cut = 0
        if entry.validator == index and entry.start_epoch >= offence_epoch:
            cut = compute_slash_amount(entry.amount, config)
        burned += cut
        kept.append(dataclasses.replace(entry, amount=Stake(entry.amount - cut)))
    state.unbonding = kept
    return burned


def process_evidence(
    state: ChainState, config: ConsensusConfig, vset: ValidatorSet, evidence: Evidence
) -> int:
    """Verify ``evidence`` against ``vset`` and slash the offender; return the stake burned."""
    try:
        offender = verify_evidence(evidence, vset)
    except InvalidEvidence:
        return 0
    return process_slashing(state, config, state.active[offender], get_evidence_epoch(evidence))
