"""copy_chain_state: deepcopy's result without deepcopy's cost, and no change to a copy reaches
the original (the voters' per-block ledger and the proposer's trial ledger rely on it)."""

from __future__ import annotations

import copy
import dataclasses

from zkpov.chain.containers import ChainState, Delegation, Unbonding, copy_chain_state
from zkpov.chain.staking import process_delegate, process_epoch_transition, process_undelegate
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.types import BLSPubkey, Epoch, Stake

CONFIG = ConsensusConfig(unbonding_epochs=1)
IMMUTABLE = (int, bytes, tuple, str)


def rich_state() -> ChainState:
    pks = [BLSPubkey(bytes([i]) * 48) for i in range(3)]
    state = compute_genesis_state(pks, [100, 200, 300], [b"a", b"b", b"c"], bytes(32))
    state.balances[b"d"] = 50
    process_delegate(state, b"d", 1, Stake(30))
    process_undelegate(state, CONFIG, b"d", 1, Stake(10))
    state.reward_entries[Delegation(b"d", 2)] = 7
    state.unbonding.append(Unbonding(b"e", Stake(3), Epoch(9), 0, Epoch(0)))
    return state


def test_the_copy_equals_deepcopys_and_shares_only_immutable_values() -> None:
    state = rich_state()
    copied = copy_chain_state(state)
    assert copied == copy.deepcopy(state)
    for field in dataclasses.fields(ChainState):
        mine, theirs = getattr(copied, field.name), getattr(state, field.name)
        assert mine is not theirs or isinstance(mine, IMMUTABLE), field.name
    assert all(a is not b for a, b in zip(copied.validators, state.validators, strict=True))


def test_no_change_to_the_copy_reaches_the_original() -> None:
    state = rich_state()
    before = copy.deepcopy(state)
    copied = copy_chain_state(state)
    copied.balances[b"d"] = 1_000
    process_delegate(copied, b"d", 0, Stake(500))
    process_undelegate(copied, CONFIG, b"d", 1, Stake(20))
    copied.validators[2].commission_bps = 9_999
    copied.reward_entries[Delegation(b"d", 2)] = 8
    process_epoch_transition(copied, CONFIG)
    assert state == before and copied != before
