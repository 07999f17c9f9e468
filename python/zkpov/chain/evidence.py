"""Slashing on evidence: burn ``slashing_rate`` of the offender's stake and its delegators' stake,
pro rata, and eject it (it leaves the set and unbonds at the next epoch boundary).

Evidence is verified here again, from the signed messages alone, against the validator set of the
epoch it names; invalid or repeated evidence changes nothing.
"""

from __future__ import annotations

from zkpov.chain.containers import ChainState, RegistryIndex, ValidatorStatus
from zkpov.config import ConsensusConfig
from zkpov.spec.evidence import Evidence, InvalidEvidence, verify_evidence
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Stake

__all__ = ["compute_slash_amount", "process_evidence", "process_slashing"]


def compute_slash_amount(stake: int, config: ConsensusConfig) -> int:
    """``floor(stake * slashing_rate)``."""
    return int(stake * config.slashing_rate)


def process_slashing(state: ChainState, config: ConsensusConfig, index: RegistryIndex) -> int:
    """Slash validator ``index`` once; return the stake burned."""
    validator = state.validators[index]
    if validator.status is ValidatorStatus.SLASHED:
        return 0
    burned = compute_slash_amount(validator.self_stake, config)
    validator.self_stake = Stake(validator.self_stake - burned)
    for key in [d for d in state.delegations if d.validator == index]:
        cut = compute_slash_amount(state.delegations[key], config)
        state.delegations[key] = Stake(state.delegations[key] - cut)
        burned += cut
    validator.status = ValidatorStatus.SLASHED
    validator.slashed_amount = Stake(validator.slashed_amount + burned)
    state.burned += burned
    return burned


def process_evidence(
    state: ChainState, config: ConsensusConfig, vset: ValidatorSet, evidence: Evidence
) -> int:
    """Verify ``evidence`` against ``vset`` and slash the offender; return the stake burned."""
    try:
        offender = verify_evidence(evidence, vset)
    except InvalidEvidence:
        return 0
    return process_slashing(state, config, state.active[offender])
