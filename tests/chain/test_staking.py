"""Validator registry and delegation: pre-state, input, post-state (pyspec style)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from zkpov.chain.containers import ChainState, Delegation, Unbonding, ValidatorStatus
from zkpov.chain.staking import (
    get_total_stake,
    get_validator_stake,
    process_delegate,
    process_epoch_transition,
    process_exit,
    process_join,
    process_undelegate,
)
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.errors import ValidatorError
from zkpov.types import BLSPubkey, Epoch, Stake

CONFIG = ConsensusConfig(
    min_stake=100, max_validators=3, unbonding_epochs=2, slashing_rate=Fraction(1, 10)
)


def pk(i: int) -> BLSPubkey:
    return BLSPubkey(bytes([i]) * 48)


def pop_ok(pubkey: bytes, proof: bytes) -> bool:
    return proof == b"pop" + pubkey[:1]


def genesis() -> ChainState:
    state = compute_genesis_state([pk(0), pk(1)], [500, 400], [b"o0", b"o1"], bytes(32))
    state.balances = {b"alice": 1000, b"bob": 1000}
    state.initial_supply += 2000
    return state


def join(state: ChainState, i: int, stake: int, owner: bytes = b"alice") -> int:
    return process_join(state, CONFIG, owner, pk(i), b"pop" + bytes([i]), Stake(stake), 500, pop_ok)


def test_join_takes_effect_at_the_epoch_boundary() -> None:
    state = genesis()
    index = join(state, 2, 300)
    assert state.validators[index].status is ValidatorStatus.PENDING and state.active == (0, 1)
    assert state.balances[b"alice"] == 700
    process_epoch_transition(state, CONFIG)
    assert state.active == (0, 1, 2) and state.active_stakes == (500, 400, 300)
    assert state.epoch == 1 and state.validators[index].status is ValidatorStatus.ACTIVE


@pytest.mark.parametrize(
    ("stake", "proof", "why"),
    [
        (50, b"pop\x02", "min_stake"),
        (200, b"bad", "proof of possession"),
        (5000, b"pop\x02", "balance"),
    ],
)
def test_bad_joins_are_refused_and_change_nothing(stake: int, proof: bytes, why: str) -> None:
    state = genesis()
    before = dataclasses.replace(
        state, validators=list(state.validators), balances=dict(state.balances)
    )
    with pytest.raises(ValidatorError, match=why):
        process_join(state, CONFIG, b"alice", pk(2), proof, Stake(stake), 0, pop_ok)
    assert state.validators == before.validators and state.balances == before.balances


def test_only_the_top_max_validators_by_stake_are_active() -> None:
    state = genesis()
    join(state, 2, 300)
    join(state, 3, 450, owner=b"bob")
    process_epoch_transition(state, CONFIG)
    assert state.active == (0, 1, 3)  # 500, 400, 450 beat 300
    assert state.validators[2].status is ValidatorStatus.PENDING


def test_delegation_adds_voting_power_from_the_next_epoch() -> None:
    state = genesis()
    process_delegate(state, b"bob", 1, Stake(200))
    assert get_validator_stake(state, 1) == 600 and state.active_stakes == (500, 400)
    process_epoch_transition(state, CONFIG)
    assert state.active_stakes == (500, 600)


def test_undelegation_unbonds_for_unbonding_epochs() -> None:
    state = genesis()
    process_delegate(state, b"bob", 1, Stake(200))
    process_undelegate(state, CONFIG, b"bob", 1, Stake(150))
    assert state.delegations[Delegation(b"bob", 1)] == 50
    assert state.unbonding == [Unbonding(b"bob", Stake(150), Epoch(2), 1, Epoch(0))]
    process_epoch_transition(state, CONFIG)
    assert state.balances[b"bob"] == 800
    process_epoch_transition(state, CONFIG)
    assert state.balances[b"bob"] == 950 and state.unbonding == []
    with pytest.raises(ValidatorError, match="more than"):
        process_undelegate(state, CONFIG, b"bob", 1, Stake(51))


def test_exit_leaves_the_set_and_unbonds_stake_and_delegations() -> None:
    state = genesis()
    process_delegate(state, b"bob", 0, Stake(100))
    process_exit(state, b"o0", 0)
    with pytest.raises(ValidatorError, match="already leaving"):
        process_exit(state, b"o0", 0)
    process_epoch_transition(state, CONFIG)
    assert state.active == (1,) and state.validators[0].status is ValidatorStatus.EXITED
    assert sorted(u.amount for u in state.unbonding) == [100, 500]
    with pytest.raises(ValidatorError, match="does not take delegations"):
        process_delegate(state, b"bob", 0, Stake(1))


def test_only_the_owner_can_exit() -> None:
    with pytest.raises(ValidatorError, match="owner"):
        process_exit(genesis(), b"mallory", 0)


def test_supply_is_conserved_through_staking_operations() -> None:
    state = genesis()
    total = get_total_stake(state)
    join(state, 2, 300)
    process_delegate(state, b"bob", 2, Stake(100))
    process_undelegate(state, CONFIG, b"bob", 2, Stake(40))
    process_exit(state, b"o1", 1)
    for _ in range(3):
        process_epoch_transition(state, CONFIG)
        assert get_total_stake(state) == total
