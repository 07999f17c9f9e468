"""Rewards (proposer, QC signers, commission, F1 lazy accounting) and slashing (delegators pro
rata, unbonding entries that began after the offence, ejection)."""

from __future__ import annotations

from fractions import Fraction

from zkpov.chain.containers import Delegation, ValidatorStatus
from zkpov.chain.distribution import compute_pending_reward, process_settlement
from zkpov.chain.evidence import compute_slash_amount, process_slashing
from zkpov.chain.rewards import compute_block_reward, compute_shares, process_block_rewards
from zkpov.chain.staking import (
    get_total_stake,
    process_delegate,
    process_epoch_transition,
    process_undelegate,
)
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.constants import SECONDS_PER_YEAR
from zkpov.types import BLSPubkey, Epoch, Stake

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
    assert state.balances[b"o1"] == commission  # paid at once
    assert state.balances[b"dave"] == 0  # lazily: nothing touched the delegator yet
    assert is_supply_conserved(state)  # the pool counts
    share = (validator1 - commission) // 2
    for holder, before in ((b"dave", 0), (b"o1", commission)):
        paid = process_settlement(state, holder, 1)
        assert share - 1 <= paid <= share and state.balances[holder] == before + paid
    assert process_settlement(state, b"dave", 1) == 0  # settled once
    assert 0 <= state.validators[1].outstanding <= 2  # flooring dust stays in the pool
    assert is_supply_conserved(state)


def test_a_payout_touches_no_delegator_and_each_is_paid_for_its_own_stake_period() -> None:
    state = state_with_delegation()
    before = dict(state.reward_entries)
    process_block_rewards(state, CONFIG, proposer=1, signers=[1])
    assert state.reward_entries == before and state.balances[b"dave"] == 0
    earned = compute_pending_reward(state, b"dave", 1)
    state.balances[b"erin"] = STAKE
    state.initial_supply += STAKE
    process_delegate(state, b"erin", 1, Stake(STAKE))  # joins after that block
    assert compute_pending_reward(state, b"erin", 1) == 0
    process_block_rewards(state, CONFIG, proposer=1, signers=[1])
    later = compute_pending_reward(state, b"erin", 1)
    assert later > 0 and compute_pending_reward(state, b"dave", 1) - earned in (
        later - 1,
        later,
        later + 1,
    )
    process_undelegate(state, CONFIG, b"dave", 1, Stake(STAKE))  # settles first
    assert state.balances[b"dave"] >= earned + later - 1
    assert is_supply_conserved(state)


def test_slashing_burns_the_rate_of_own_and_delegated_stake_and_ejects() -> None:
    state = state_with_delegation()
    process_block_rewards(state, CONFIG, proposer=1, signers=[1, 2])
    total = get_total_stake(state)
    owed = compute_pending_reward(state, b"dave", 1)
    burned = process_slashing(state, CONFIG, 1, Epoch(0))
    assert burned == compute_slash_amount(STAKE, CONFIG) * 2 == STAKE // 2
    assert state.balances[b"dave"] == owed  # earned on the stake before the slash
    assert state.validators[1].self_stake == STAKE * 3 // 4
    assert state.delegations[Delegation(b"dave", 1)] == STAKE * 3 // 4
    assert state.validators[1].status is ValidatorStatus.SLASHED
    assert process_slashing(state, CONFIG, 1, Epoch(0)) == 0  # once only
    assert get_total_stake(state) == total - burned and is_supply_conserved(state)
    process_epoch_transition(state, CONFIG)
    assert state.active == (0, 2)


def test_unbonding_that_began_after_the_offence_is_slashed_earlier_unbonding_is_not() -> None:
    state = state_with_delegation()
    state.balances[b"erin"] = STAKE
    state.initial_supply += STAKE
    process_delegate(state, b"erin", 1, Stake(STAKE))
    process_undelegate(state, CONFIG, b"erin", 1, Stake(STAKE))  # left in epoch 0
    process_epoch_transition(state, CONFIG)
    process_undelegate(state, CONFIG, b"dave", 1, Stake(STAKE))  # left in epoch 1
    burned = process_slashing(state, CONFIG, 1, offence_epoch=Epoch(1))
    amounts = {u.owner: u.amount for u in state.unbonding}
    assert amounts == {b"erin": STAKE, b"dave": STAKE * 3 // 4}  # dave was bonded at the offence
    assert burned == STAKE // 4 + STAKE // 4 and is_supply_conserved(state)
