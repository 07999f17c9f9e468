"""The stored staking ledger: exact round trip, and hostile bytes give only ``DecodeError``."""

from __future__ import annotations

import contextlib

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.containers import ChainState, Delegation, Unbonding, ValidatorStatus
from zkpov.chain.ledger_codec import decode_chain_state, encode_chain_state
from zkpov.chain.transition import compute_genesis_state
from zkpov.errors import DecodeError
from zkpov.types import BLSPubkey, Epoch, Stake


def make_state() -> ChainState:
    state = compute_genesis_state(
        [BLSPubkey(bytes([i]) * 48) for i in range(3)], [10, 20, 30], [b"a", b"b", b"c"],
        bytes(32),
    )  # fmt: skip
    state.delegations[Delegation(b"d", 1)] = Stake(5)
    state.validators[1].delegated = Stake(5)
    state.unbonding.append(Unbonding(b"e", Stake(7), Epoch(3)))
    state.unbonding.append(Unbonding(b"f", Stake(8), Epoch(4), 1, Epoch(2)))
    state.reward_entries[Delegation(b"d", 1)] = 3 << 70  # ratios outgrow 64 bits
    state.validators[1].reward_ratio, state.validators[1].outstanding = 5 << 80, 11
    state.balances = {b"z": 1, b"a": 2}
    state.validators[2].status = ValidatorStatus.SLASHED
    state.minted, state.burned, state.height = 9, 3, 12
    return state


def test_the_ledger_round_trips_exactly() -> None:
    state = make_state()
    assert decode_chain_state(encode_chain_state(state)) == state


def test_a_ledger_whose_delegation_totals_do_not_add_up_is_refused() -> None:
    body = msgpack.unpackb(encode_chain_state(make_state()))
    body[3] = [[b"d", 1, 6]]  # the delegation grew, its validator's total did not
    with pytest.raises(DecodeError, match="do not add up"):
        decode_chain_state(msgpack.packb(body))


def test_a_ledger_naming_an_unregistered_validator_is_refused() -> None:
    body = msgpack.unpackb(encode_chain_state(make_state()))
    body[3] = [[b"d", 7, 5]]  # a delegation to validator 7 of 3
    with pytest.raises(DecodeError, match="does not register"):
        decode_chain_state(msgpack.packb(body))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=399))
def test_damaged_ledgers_raise_decode_error_only(junk: bytes, cut: int) -> None:
    good = encode_chain_state(make_state())
    for data in (junk, good[:cut], good[:cut] + junk):
        with contextlib.suppress(DecodeError):
            decode_chain_state(data)
