"""zkpov.crypto.snark's witness path: a proof from ``extract_witness`` bytes alone (what a remote
prover gets) verifies and has the full-state path's public inputs; tampered bytes are refused
with a typed error."""

from __future__ import annotations

import pytest

from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.crypto import schnorr, snark
from zkpov.errors import DecodeError, ProofError

CONFIG = snark.CircuitConfig(batch_size=2, tree_depth=8)
TAG = 12345
ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()
ROOT_AT = 4 + 1 + 1 + 32  # the pre-state root's offset in the witness bytes
FIRST_BALANCE_AT = 4 + 1 + 1 + 64 + 2 + 8 + 1 + 32  # the first account's balance


@pytest.fixture(scope="module")
def keys() -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    return snark.insecure_setup(CONFIG, b"witness-test")


def genesis() -> AccountState:
    state = AccountState(CONFIG.tree_depth, chain_tag=TAG)
    state.credit(1, ALICE.public_key, 100)
    state.credit(9, BOB.public_key, 5)
    return state


def batch() -> list[Transfer]:
    pay = sign_transfer
    return [
        pay(ALICE.secret_key, 1, 9, BOB.public_key, 10, 1, chain_tag=TAG),
        pay(ALICE.secret_key, 1, 33, BOB.public_key, 20, 2, chain_tag=TAG),
    ]


def encoded(transfers: list[Transfer]) -> list[bytes]:
    return [t.to_bytes() for t in transfers]


def test_a_proof_from_the_witness_verifies_with_the_full_state_inputs(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    witness = snark.extract_witness(genesis(), batch())
    proof, inputs = snark.prove_with_witness(keys[0], witness, encoded(batch()))
    _, full_inputs = snark.prove(keys[0], genesis(), batch())
    assert inputs == full_inputs
    assert snark.verify(keys[1], inputs, proof)
    assert len(witness) < 2_000  # three accounts and their paths, not the state


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda w: flip(w, ROOT_AT + 31), "does not lead to the pre-state root"),
        (lambda w: flip(w, FIRST_BALANCE_AT + 7), "does not lead to the pre-state root"),
        (lambda w: w[:-1], "truncated"),
        (lambda w: w + b"\0", "trailing"),
        (lambda w: b"ZKPX" + w[4:], "magic"),
        (lambda w: w[:4] + b"\x09" + w[5:], "version 9"),
        (lambda w: w[:5] + b"\x07" + w[6:], "depth"),
        (lambda w: b"\xff" * (9 << 20), "at most"),
    ],
)
def test_a_tampered_witness_is_refused(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey], mutate: object, why: str
) -> None:
    witness = snark.extract_witness(genesis(), batch())
    assert callable(mutate)
    with pytest.raises(DecodeError, match=why):
        snark.prove_with_witness(keys[0], mutate(witness), encoded(batch()))


def test_a_witness_must_hold_exactly_the_touched_accounts(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    short = snark.extract_witness(genesis(), batch()[:1])
    with pytest.raises(DecodeError, match="exactly the accounts"):
        snark.prove_with_witness(keys[0], short, encoded(batch()))


def test_a_witness_for_another_chain_tag_fails_the_signature_rule(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    state = genesis()
    state.chain_tag = TAG + 1
    witness = snark.extract_witness(state, batch())
    with pytest.raises(ProofError, match="signature"):
        snark.prove_with_witness(keys[0], witness, encoded(batch()))
