"""zkpov.chain.operations: staking ops and payouts, their encoding, signature and native apply."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.operations import (
    MAX_OPERATION_BYTES,
    OpCode,
    Operation,
    Payout,
    StakeOp,
    build_create_validator,
    compute_operations_commitment,
    decode_operation,
    parse_operation,
    sign_create_validator,
    sign_delegate,
    sign_edit_validator,
    sign_stake_op,
    sign_undelegate,
    sign_withdraw,
)
from zkpov.chain.state import (
    TRANSFER_BYTES,
    AccountState,
    InvalidTransfer,
    compute_batch_commitment,
    sign_transfer,
)
from zkpov.crypto import bls, schnorr
from zkpov.errors import DecodeError

ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()
TAG = 77
BLS_KEY, POP = bytes(range(48)), bytes(range(96))


def all_kinds() -> list[StakeOp]:
    sk = ALICE.secret_key
    return [
        sign_create_validator(sk, 1, BLS_KEY, POP, 500, 60, 1, fee=1, chain_tag=TAG),
        sign_delegate(sk, 1, 3, 20, 2, fee=1, chain_tag=TAG),
        sign_undelegate(sk, 1, 3, 5, 3, chain_tag=TAG),
        sign_withdraw(sk, 1, 4, chain_tag=TAG),
        sign_edit_validator(sk, 1, 3, 900, 5, chain_tag=TAG),
    ]


def funded() -> AccountState:
    state = AccountState(8, chain_tag=TAG)
    state.credit(1, ALICE.public_key, 100)
    return state


def test_every_kind_round_trips_and_none_has_a_transfer_length() -> None:
    ops: list[Operation] = [*all_kinds(), Payout(9, BOB.public_key, 4)]
    for op in ops:
        data = op.to_bytes()
        assert len(data) != TRANSFER_BYTES and len(data) <= MAX_OPERATION_BYTES
        assert decode_operation(data) == op
    transfer = sign_transfer(ALICE.secret_key, 1, 9, BOB.public_key, 3, 1)
    assert decode_operation(transfer.to_bytes()) == transfer
    create = all_kinds()[0]
    assert (create.bls_public_key, create.proof_of_possession) == (BLS_KEY, POP)
    assert (create.commission_bps, all_kinds()[2].unbond_amount) == (500, 5)


def test_a_mixed_batch_applies_in_order_and_debits_bond_plus_fee() -> None:
    state = funded()
    transfer = sign_transfer(ALICE.secret_key, 1, 9, BOB.public_key, 10, 6, chain_tag=TAG)
    ops: list[Operation] = [*all_kinds(), transfer, Payout(9, BOB.public_key, 4)]
    root = state.apply_operations(ops)
    assert root == state.root
    alice, bob = state.get_account(1), state.get_account(9)
    assert alice is not None and bob is not None
    assert (alice.balance, alice.nonce) == (100 - 61 - 21 - 10, 6)
    assert (bob.balance, bob.nonce) == (14, 0)


def test_transfers_commit_as_before_and_ops_commit_in_order() -> None:
    transfers = [sign_transfer(ALICE.secret_key, 1, 9, BOB.public_key, 3, n) for n in (1, 2)]
    assert compute_operations_commitment(transfers) == compute_batch_commitment(transfers)
    ops = all_kinds()
    forward = compute_operations_commitment(ops, TAG)
    assert forward != compute_operations_commitment(ops[::-1], TAG)
    assert forward != compute_operations_commitment(ops, TAG + 1)


@pytest.mark.parametrize("index", range(5))
def test_a_signature_fits_no_other_op_code_target_or_field(index: int) -> None:
    op = all_kinds()[index]
    data = bytearray(op.to_bytes())
    unsigned = len(data) - schnorr.SIGNATURE_BYTES
    for position in range(unsigned):
        changed = bytearray(data)
        changed[position] ^= 1
        try:
            forged = decode_operation(bytes(changed))
        except DecodeError:
            continue  # the edit made it malformed
        state = funded()
        if index:  # the ops after create_validator need their predecessors' nonces
            state.apply_operations(all_kinds()[:index])
        with pytest.raises(InvalidTransfer, match=r"signature|nonce|exceeds|does not"):
            state.apply_operations([forged])


def test_a_delegate_signature_reused_as_an_undelegate_is_refused() -> None:
    delegate = sign_delegate(ALICE.secret_key, 1, 3, 0 + 20, 1, chain_tag=TAG)
    reused = StakeOp(OpCode.UNDELEGATE, 1, 3, 0, 0, 1, (20).to_bytes(8, "big"), delegate.signature)
    state = funded()
    with pytest.raises(InvalidTransfer, match="signature"):
        state.apply_operations([reused])
    assert state.root == funded().root


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (lambda: sign_delegate(ALICE.secret_key, 1, 3, 0, 1), "positive amount"),
        (lambda: sign_undelegate(ALICE.secret_key, 1, 3, 0, 1), "undelegate amount"),
        (lambda: sign_edit_validator(ALICE.secret_key, 1, 3, 10_001, 1), "commission"),
        (lambda: sign_stake_op(ALICE.secret_key, OpCode.WITHDRAW, 1, 0, 5, 1), "amount 0"),
        (lambda: sign_stake_op(ALICE.secret_key, OpCode.DELEGATE, 1, 0, 5, 1, b"x"), "bytes"),
        (lambda: sign_delegate(ALICE.secret_key, 1, 2**32, 5, 1), "target"),
        (lambda: Payout(1, BOB.public_key, 2**64), "amount"),
        (lambda: StakeOp(OpCode.PAYOUT, 1, 0, 0, 0, 1, b"", bytes(64)), "not a staking op"),
    ],
)
def test_malformed_ops_are_typed_decode_errors(build: object, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        build()  # type: ignore[operator]


def test_overspending_bond_and_overflowing_payout_change_nothing() -> None:
    state = funded()
    before = state.root
    too_much = sign_delegate(ALICE.secret_key, 1, 3, 100, 1, fee=1, chain_tag=TAG)
    with pytest.raises(InvalidTransfer, match="exceeds balance"):
        state.apply_operations([too_much])
    with pytest.raises(InvalidTransfer, match="exceed 2\\^64"):
        state.apply_operations([Payout(1, ALICE.public_key, 2**64 - 50)])
    with pytest.raises(InvalidTransfer, match="different key"):
        state.apply_operations([Payout(1, BOB.public_key, 1)])
    assert state.root == before


VALID = [op.to_bytes() for op in all_kinds()] + [Payout(9, BOB.public_key, 4).to_bytes()]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=MAX_OPERATION_BYTES + 8),
        st.tuples(st.sampled_from(VALID), st.integers(0, 300), st.integers(0, 255)).map(
            lambda t: t[0][: t[1]] + bytes([t[2]]) + t[0][t[1] + 1 :]
        ),
    )
)
def test_decode_fuzz_is_an_operation_or_a_decode_error(data: bytes) -> None:
    try:
        op = decode_operation(data)
    except DecodeError:
        return
    assert op.to_bytes() == data


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=MAX_OPERATION_BYTES + 8),
        st.tuples(st.sampled_from(VALID), st.integers(0, 300), st.integers(0, 255)).map(
            lambda t: t[0][: t[1]] + bytes([t[2]]) + t[0][t[1] + 1 :]
        ),
        st.tuples(st.sampled_from(VALID), st.integers(0, 250)).map(lambda t: t[0][: t[1]]),
    )
)
def test_parse_accepts_all_that_decode_accepts_with_the_same_fields(data: bytes) -> None:
    """The mempool's cheap parse may let through what the full decode refuses (points,
    amounts), never the other way round, and it reads the same fields."""
    try:
        op = decode_operation(data)
    except DecodeError:
        with contextlib.suppress(DecodeError):
            parse_operation(data)
        return
    assert parse_operation(data) == op


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "136 bytes or 2 to"),
        (bytes(MAX_OPERATION_BYTES + 1), "136 bytes or 2 to"),
        (bytes([2]) + VALID[1][1:], "version 2"),
        (VALID[1][:1] + bytes([9]) + VALID[1][2:], "op code 9"),
        (VALID[1][:-1], "op delegate is 102 bytes long, not 101"),
        (VALID[2] + b"x", "op undelegate is 110 bytes long, not 111"),
        (VALID[-1][:-1], "a payout is 50 bytes"),
    ],
)
def test_parse_refuses_wrong_shapes_with_a_reason(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        parse_operation(data)


def test_build_create_validator_signs_for_a_new_bls_key_with_its_pop() -> None:
    secret = bls.generate_secret_key()
    op = build_create_validator(ALICE.secret_key, 1, secret, 300, 60, 1, fee=2, chain_tag=TAG)
    assert op.bls_public_key == bls.sk_to_pk(secret) and op.commission_bps == 300
    assert bls.pop_verify(op.bls_public_key, op.proof_of_possession)
    assert schnorr.verify(ALICE.public_key, op.message(TAG), op.signature)
    assert decode_operation(op.to_bytes()) == op
