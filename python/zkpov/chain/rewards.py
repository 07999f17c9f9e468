"""Block rewards: ``reward_rate`` per year of the active stake, paid per committed block.

A block mints ``floor(total_stake * reward_rate * block_time / SECONDS_PER_YEAR)``. One eighth goes
to the proposer, the rest to the signers of the block's QC pro rata to their stake. Each
validator's share is split again: ``commission_bps`` of it to the validator's owner at once, the
rest to its owner and delegators pro rata to what each bonded, lazily
(:mod:`zkpov.chain.distribution`: one update per validator, none per delegator). Amounts are
floored; only what is paid (to balances and to the validators' pools) is minted, so the supply
stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from zkpov.chain.containers import ChainState, RegistryIndex
from zkpov.chain.distribution import process_reward
from zkpov.chain.staking import get_validator_stake
from zkpov.config import ConsensusConfig
from zkpov.constants import COMMISSION_DENOMINATOR, SECONDS_PER_YEAR

__all__ = [
    "PROPOSER_REWARD_FRACTION",
    "compute_block_reward",
    "compute_shares",
    "process_block_rewards",
]

PROPOSER_REWARD_FRACTION = Fraction(1, 8)


def compute_block_reward(total_stake: int, config: ConsensusConfig) -> int:
    """Tokens minted for one committed block."""
    per_block = config.reward_rate * Fraction(str(config.block_time)) / SECONDS_PER_YEAR
    return int(total_stake * per_block)


def compute_shares(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` split pro rata to ``weights``, floored."""
    total = sum(weights)
    return [amount * w // total for w in weights] if total > 0 else [0] * len(weights)


def _pay_validator(state: ChainState, index: RegistryIndex, amount: int) -> int:
    """Commission to the owner's balance, the rest to the holders' pool; returns what was paid
    (nothing if the validator has no stake left to pay)."""
    validator = state.validators[index]
    stake = int(get_validator_stake(state, index))
    if amount <= 0 or stake <= 0:
        return 0
    commission = amount * validator.commission_bps // COMMISSION_DENOMINATOR
    state.balances[validator.owner] = state.balances.get(validator.owner, 0) + commission
    process_reward(state, index, amount - commission, stake)
    return amount


def process_block_rewards(
    state: ChainState,
    config: ConsensusConfig,
    proposer: RegistryIndex,
    signers: Sequence[RegistryIndex],
) -> int:
    """Pay the proposer and the QC signers for one block; return the amount minted."""
    reward = compute_block_reward(sum(state.active_stakes), config)
    proposer_share = int(reward * PROPOSER_REWARD_FRACTION)
    minted = _pay_validator(state, proposer, proposer_share)
    stakes = [int(get_validator_stake(state, i)) for i in signers]
    for index, share in zip(signers, compute_shares(reward - proposer_share, stakes), strict=True):
        minted += _pay_validator(state, index, share)
    state.minted += minted
    return minted
