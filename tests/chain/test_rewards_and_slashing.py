"""Rewards (proposer, QC signers, commission) and slashing (delegators pro rata, ejection)."""

from __future__ import annotations

from fractions import Fraction

from zkpov.chain.containers import Delegation, ValidatorStatus
from zkpov.chain.evidence import compute_slash_amount, process_slashing
from zkpov.chain.rewards import compute_block_reward, compute_shares, process_block_rewards
from zkpov.chain.staking import get_total_stake, process_delegate, process_epoch_transition
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.constants import SECONDS_PER_YEAR
from zkpov.types import BLSPubkey, Stake

CONFIG = ConsensusConfig(reward_rate=Fraction(1, 10), block_time=1.0, slashing_rate=Fraction(1, 4))
STAKE = 10**12


def state_with_delegation():  # type: ignore[no-untyped-def]
    state = compute_genesis_state(
        [BLSPubkey(bytes([i]) * 48) for i in range(3)],
        [STAKE] * 3,
        [b"o0", b"o1", b"o2"],
        bytes(32),
    )
    state.balances[b"dave"] = STAKE
    state.initial_supply += STAKE
    process_delegate(state, b"dave", 1, Stake(STAKE))
    state.validators[1].commission_bps = 1000
    return state


def test_block_reward_is_the_yearly_rate_per_block() -> None:
    assert compute_block_reward(SECONDS_PER_YEAR * 10, CONFIG) == 1  # 10% a year, 1 s blocks
    assert compute_block_reward(3 * STAKE, CONFIG) == 3 * STAKE // 10 // SECONDS_PER_YEAR


def test_shares_are_pro_rata_and_floored() -> None:
    assert compute_shares(10, [1, 1, 1]) == [3, 3, 3]
    assert compute_shares(10, [0, 0]) == [0, 0]


def test_proposer_and_signers_are_paid_with_commission() -> None:
    state = state_with_delegation()
    minted = process_block_rewards(state, CONFIG, proposer=0, signers=[1, 2])
    reward = compute_block_reward(sum(state.active_stakes), CONFIG)
    assert 0 < minted <= reward and reward - minted < 10  # only flooring dust is not minted
    signer_pot = reward - reward // 8
    validator1 = signer_pot * 2 // 3  # 2x stake (own + delegated)
    commission = validator1 // 10
    assert state.balances[b"dave"] == STAKE - STAKE + (validator1 - commission) // 2
    assert state.balances[b"o1"] == commission + (validator1 - commission) // 2
    assert state.balances[b"o0"] >= reward // 8
    assert is_supply_conserved(state)


def test_slashing_burns_the_rate_of_own_and_delegated_stake_and_ejects() -> None:
    state = state_with_delegation()
    total = get_total_stake(state)
    burned = process_slashing(state, CONFIG, 1)
    assert burned == compute_slash_amount(STAKE, CONFIG) * 2 == STAKE // 2
    assert state.validators[1].self_stake == STAKE * 3 // 4
    assert state.delegations[Delegation(b"dave", 1)] == STAKE * 3 // 4
    assert state.validators[1].status is ValidatorStatus.SLASHED
    assert process_slashing(state, CONFIG, 1) == 0  # once only
    assert get_total_stake(state) == total - burned and is_supply_conserved(state)
    process_epoch_transition(state, CONFIG)
    assert state.active == (0, 2)
