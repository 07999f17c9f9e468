"""Validity by Groth16 proof verification: a real proof passes; anything it does not cover fails."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.chain.state import AccountState, Transfer, compute_batch_commitment, sign_transfer
from zkpov.consensus.messages import Block, QuorumCert, VoteData
from zkpov.consensus.proof_validity import ProofVerification
from zkpov.consensus.validity import InvalidBlock, compute_root_bytes, encode_payload
from zkpov.crypto import schnorr, snark
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

CONFIG = snark.CircuitConfig(batch_size=1, tree_depth=8)
ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()
ZERO = BlockId(bytes(32))


@pytest.fixture(scope="module")
def setup() -> tuple[ProofVerification, Block, Block]:
    pk, vk = snark.insecure_setup(CONFIG, b"consensus-proof-test")
    state = AccountState(CONFIG.tree_depth)
    state.credit(1, ALICE.public_key, 100)
    qc = QuorumCert(VoteData(Epoch(0), Round(0), ZERO, Round(0), ZERO), b"", b"")
    parent = Block(
        Epoch(0), Round(0), Height(0), ZERO, ValidatorIndex(0), compute_root_bytes(state.root), qc
    )
    transfer = sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 30, 1)
    proof, inputs = snark.prove(pk, state, [transfer])
    child_qc = QuorumCert(VoteData(Epoch(0), Round(0), parent.id, Round(0), ZERO), b"", b"")
    payload = encode_payload([transfer.to_bytes()])
    block = Block(
        Epoch(0), Round(1), Height(1), parent.id, ValidatorIndex(1),
        compute_root_bytes(inputs.post_root), child_qc, payload, proof=proof,
    )  # fmt: skip
    return ProofVerification(vk, Transfer.from_bytes, compute_batch_commitment), parent, block


def test_a_real_proof_makes_the_block_valid(setup: tuple[ProofVerification, Block, Block]) -> None:
    checker, parent, block = setup
    checker.check_block(block, parent)
    checker.check_block(
        dataclasses.replace(block, payload=b"", proof=b"", state_root=parent.state_root), parent
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"state_root": Root(b"\x01" * 32)}, "does not verify"),
        ({"payload": b"\x90"}, "does not verify"),
        ({"proof": b"\x00" * 192}, "proof does not decode"),
        ({"payload": b"\xc1"}, "payload does not decode"),
        ({"proof": b""}, "proof does not decode"),
    ],
)
def test_anything_the_proof_does_not_cover_is_invalid(
    setup: tuple[ProofVerification, Block, Block], change: dict[str, object], why: str
) -> None:
    checker, parent, block = setup
    with pytest.raises(InvalidBlock, match=why):
        checker.check_block(dataclasses.replace(block, **change), parent)  # type: ignore[arg-type]


def test_stateless_validators_propose_only_empty_blocks(
    setup: tuple[ProofVerification, Block, Block],
) -> None:
    checker, parent, block = setup
    assert checker.compute_post_root(parent, b"") == parent.state_root
    with pytest.raises(InvalidBlock, match="empty blocks"):
        checker.compute_post_root(parent, block.payload)
