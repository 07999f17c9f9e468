"""zkpov.chain.state: accounts, transfers and the all-or-nothing native apply."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.state import (
    TRANSFER_BYTES,
    Account,
    AccountState,
    InvalidTransfer,
    Transfer,
    compute_account_index,
    compute_batch_commitment,
    compute_chain_tag,
    sign_transfer,
)
from zkpov.crypto import poseidon, schnorr
from zkpov.crypto.curve_points import SCALAR_MODULUS
from zkpov.errors import DecodeError, ProposalError

ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()


def funded(depth: int = 8) -> AccountState:
    state = AccountState(depth)
    state.credit(1, ALICE.public_key, 100)
    return state


def pay(amount: int, nonce: int, to: int = 2, key: bytes = BOB.public_key) -> Transfer:
    return sign_transfer(ALICE.secret_key, 1, to, key, amount, nonce)


def test_transfer_creates_recipient_and_updates_root() -> None:
    state = funded()
    pre = state.root
    post = state.apply_transfers([pay(30, 1)])
    assert post == state.root != pre
    assert state.get_account(1) == Account(ALICE.public_key, 70, 1)
    assert state.get_account(2) == Account(BOB.public_key, 30, 0)
    assert len(state) == 2


@pytest.mark.parametrize(
    ("transfer", "why"),
    [
        (pay(91, 2), "transfer 1: amount 91 plus fee 0 exceeds balance 90"),
        (pay(1, 3), "nonce"),
        (pay(1, 1), "nonce"),
        (sign_transfer(BOB.secret_key, 1, 2, BOB.public_key, 1, 2), "signature"),
        (sign_transfer(ALICE.secret_key, 9, 2, BOB.public_key, 1, 1), "does not exist"),
        (pay(1, 2, to=1 << 8), "does not fit"),
    ],
)
def test_invalid_transfers_leave_the_state_unchanged(transfer: Transfer, why: str) -> None:
    state = funded()
    pre = state.root
    with pytest.raises(InvalidTransfer, match=why):
        state.apply_transfers([pay(10, 1, to=3), transfer])
    assert state.root == pre
    assert state.get_account(1) == Account(ALICE.public_key, 100, 0)
    assert state.get_account(3) is None
    assert issubclass(InvalidTransfer, ProposalError)


def test_recipient_key_must_match_and_balances_cannot_overflow() -> None:
    state = funded()
    state.credit(2, BOB.public_key, 2**64 - 50)
    with pytest.raises(InvalidTransfer, match="different key"):
        state.apply_transfers([pay(1, 1, to=2, key=ALICE.public_key)])
    with pytest.raises(InvalidTransfer, match="2\\^64"):
        state.apply_transfers([pay(51, 1)])
    state.apply_transfers([pay(49, 1)])
    assert state.get_account(2) == Account(BOB.public_key, 2**64 - 1, 0)


def test_copy_is_independent() -> None:
    state = funded()
    twin = state.copy()
    state.apply_transfers([pay(5, 1)])
    assert twin.get_account(1) == Account(ALICE.public_key, 100, 0)
    assert twin.root != state.root


def test_membership_and_non_membership_proofs() -> None:
    state = funded()
    member = state.get_proof(1)
    assert member.is_membership and member.verify(state.root)
    assert member.leaf == Account(ALICE.public_key, 100, 0).leaf()
    empty = state.get_proof(77)
    assert not empty.is_membership and empty.verify(state.root)
    assert len(member.siblings) == 4
    forged = type(empty)(empty.depth, empty.index, member.leaf, empty.siblings)
    assert not forged.verify(state.root)
    assert not member.verify(state.root + 1)


def test_leaf_and_message_encodings() -> None:
    t = pay(30, 1)
    x, y = schnorr.get_public_key_coordinates(BOB.public_key)
    # sender + recipient * 2**64, key, amount + fee * 2**64, nonce, chain tag
    assert t.message() == poseidon.hash_n([1 + 2 * 2**64, x, y, 30, 1, 0])
    with_fee = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 30, 1, fee=4, chain_tag=9)
    assert with_fee.message(9) == poseidon.hash_n([1 + 2 * 2**64, x, y, 30 + 4 * 2**64, 1, 9])
    assert compute_batch_commitment([]) == 0
    one = compute_batch_commitment([t])
    assert one != poseidon.hash2(0, t.message())  # version 3 folded the message alone
    # The commitment folds hash2(acc, digest) with one digest per transfer.
    two = compute_batch_commitment([t, t])
    assert two != one and two != compute_batch_commitment([t, with_fee])
    assert schnorr.verify(ALICE.public_key, t.message(), t.signature)


def test_the_chain_tag_is_a_field_element_of_the_genesis_hash() -> None:
    tag = compute_chain_tag(b"\x01" * 32)
    assert tag == compute_chain_tag(b"\x01" * 32) and 0 < tag < SCALAR_MODULUS
    assert tag != compute_chain_tag(b"\x02" * 32)


def test_a_transfer_signed_for_another_chain_is_refused() -> None:
    here, there = compute_chain_tag(b"chain A"), compute_chain_tag(b"chain B")
    state = AccountState(8, chain_tag=there)
    state.credit(1, ALICE.public_key, 100)
    t = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 30, 1, chain_tag=here)
    root = state.root
    with pytest.raises(InvalidTransfer, match="signature does not verify"):
        state.apply_transfers([t])
    assert state.root == root
    assert compute_batch_commitment([t], here) != compute_batch_commitment([t], there)
    mine = state.copy()
    mine.chain_tag = here
    assert mine.copy().apply_transfers([t]) != root


def test_commitment_binds_the_signature_bytes() -> None:
    t = pay(30, 1)
    data = bytearray(t.to_bytes())
    data[-32] ^= 1  # s's lowest bit: same message, still canonical, no longer a valid signature
    forged = Transfer.from_bytes(bytes(data))
    assert forged.message() == t.message()
    assert not schnorr.verify(ALICE.public_key, forged.message(), forged.signature)
    assert compute_batch_commitment([forged]) != compute_batch_commitment([t])


def test_transfer_bytes_round_trip() -> None:
    t = pay(30, 1)
    data = t.to_bytes()
    assert len(data) == TRANSFER_BYTES
    assert Transfer.from_bytes(data) == t
    with pytest.raises(DecodeError):
        Transfer.from_bytes(data[:-1])
    with pytest.raises(DecodeError):
        Transfer(1, 2, BOB.public_key, 2**64, 1, t.signature)


def test_account_index_fits_the_depth() -> None:
    idx = compute_account_index(ALICE.public_key, depth=8)
    assert 0 <= idx < 256
    assert idx == compute_account_index(ALICE.public_key, depth=8)


VALID = pay(30, 1).to_bytes()


def flip(data: tuple[int, int]) -> bytes:
    out = bytearray(VALID)
    out[data[0] % len(out)] ^= 1 << data[1]
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.binary(min_size=TRANSFER_BYTES, max_size=TRANSFER_BYTES),
        st.tuples(st.integers(0, 127), st.integers(0, 7)).map(flip),
    )
)
def test_transfer_decoder_fuzz(data: bytes) -> None:
    try:
        decoded = Transfer.from_bytes(data)
    except DecodeError as err:
        assert str(err)
        return
    assert decoded.to_bytes() == data
    state = funded()
    try:
        state.apply_transfers([decoded])
    except InvalidTransfer:
        assert state.get_account(1) == Account(ALICE.public_key, 100, 0)
