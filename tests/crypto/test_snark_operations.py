"""A real Groth16 proof of a mixed batch (a transfer, a staking op and a payout) at a small
depth: it verifies against the natively computed inputs, and not against an altered payout."""

from __future__ import annotations

import pytest

from zkpov.chain.operations import (
    Operation,
    Payout,
    compute_operations_commitment,
    sign_create_validator,
    sign_delegate,
)
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import schnorr, snark
from zkpov.errors import ProofError

CONFIG = snark.CircuitConfig(batch_size=3, tree_depth=4)
TAG = 5
ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()


@pytest.fixture(scope="module")
def keys() -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    return snark.insecure_setup(CONFIG, b"ops-seed")


def genesis() -> AccountState:
    state = AccountState(CONFIG.tree_depth, chain_tag=TAG)
    state.credit(1, ALICE.public_key, 500)
    return state


def mixed() -> list[Operation]:
    create = sign_create_validator(
        ALICE.secret_key, 1, bytes(48), bytes(96), 100, 200, 2, fee=2, chain_tag=TAG
    )
    return [
        sign_transfer(ALICE.secret_key, 1, 9, BOB.public_key, 10, 1, fee=1, chain_tag=TAG),
        create,
        Payout(14, BOB.public_key, 40),
    ]


def test_a_mixed_batch_proves_and_verifies_and_binds_the_payouts(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    pk, vk = keys
    ops = mixed()
    proof, inputs = snark.prove(pk, genesis(), ops)
    state = genesis()
    assert inputs.pre_root == state.root
    assert inputs.post_root == state.apply_operations(ops)
    assert inputs.commitment == compute_operations_commitment(ops, TAG)
    assert snark.verify(vk, inputs, proof)
    altered = [*ops[:2], Payout(14, BOB.public_key, 41)]
    for payouts in (altered, ops[:2]):
        forged = snark.PublicInputs(
            inputs.pre_root, inputs.post_root, compute_operations_commitment(payouts, TAG)
        )
        assert not snark.verify(vk, forged, proof)


def test_an_invalid_op_is_a_proof_error_before_proving(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    replay = sign_delegate(ALICE.secret_key, 1, 0, 5, 7, chain_tag=TAG)  # nonce 7, not 1
    with pytest.raises(ProofError, match="nonce"):
        snark.prove(keys[0], genesis(), [replay])
    with pytest.raises(ProofError, match="do not fit"):
        snark.prove(keys[0], genesis(), [*mixed(), Payout(3, BOB.public_key, 1)])
