"""Epoch-change proofs from a real run verify from the genesis set alone; every forgery of an
ending, its next set, its suffix or its commit QC is refused with a typed error."""

from __future__ import annotations

import dataclasses

import pytest

from tests.consensus.epochs.epoch_net import (
    EpochNet,
    make_rotated_net,
)
from zkpov.consensus.epochs import proof as proof_module
from zkpov.consensus.epochs.proof import (
    MAX_EPOCH_CHANGE_PROOF_LENGTH,
    EpochChangeProof,
    EpochEnding,
    TrustedEpoch,
    verify_epoch_change_proof,
)
from zkpov.errors import EpochChangeProofError
from zkpov.types import Height, Stake


@pytest.fixture(scope="module")
def run() -> EpochNet:
    return make_rotated_net()


def genesis_trust(net: EpochNet) -> TrustedEpoch:
    return TrustedEpoch(net.first.vset, Height(0))


def verify(net: EpochNet, endings: list[EpochEnding]) -> TrustedEpoch:
    return verify_epoch_change_proof(
        EpochChangeProof(tuple(endings)), genesis_trust(net), net.scheme
    )


def test_a_proof_of_every_ending_verifies_from_the_genesis_set(run: EpochNet) -> None:
    endings = run.managers[0].endings
    last = verify(run, endings)
    assert last.vset.epoch == len(endings)
    assert last.vset.commitment == endings[-1].block.next_validator_set_commitment
    assert last.start_height == endings[-1].block.height
    assert run.managers[2].get_epoch_change_proof(1).endings == tuple(endings[1:])  # type: ignore[union-attr]


def test_a_next_set_other_than_the_one_its_block_names_is_refused(run: EpochNet) -> None:
    endings = list(run.managers[0].endings)
    first = endings[0]
    heavier = dataclasses.replace(first.next_set, stakes=(Stake(10**9),) * 4)
    with pytest.raises(EpochChangeProofError, match="names another next set"):
        verify(run, [dataclasses.replace(first, next_set=heavier), *endings[1:]])


def test_a_commit_qc_of_another_block_or_forged_signers_is_refused(
    run: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = run.managers[0].endings[:2]
    foreign = dataclasses.replace(first, commit_qc=second.commit_qc)
    with pytest.raises(EpochChangeProofError, match="does not certify"):
        verify(run, [foreign])
    forged_qc = dataclasses.replace(first.commit_qc, signature=second.commit_qc.signature)
    forged = dataclasses.replace(first, commit_qc=forged_qc)
    with pytest.raises(EpochChangeProofError, match="commit QC of epoch 0"):
        verify(run, [forged])
    monkeypatch.setattr(proof_module, "verify_qc", lambda *args: None)
    assert verify(run, [forged]).vset.epoch == 1  # without the QC check the forgery passes


def test_an_ending_off_the_boundary_or_of_a_skipped_epoch_is_refused(run: EpochNet) -> None:
    endings = run.managers[0].endings
    with pytest.raises(EpochChangeProofError, match="epoch 0 ends at height"):
        verify(run, list(endings[1:]))
    parent = next(b for b in run.logs[0] if b.height == endings[0].block.height - 1)
    early = dataclasses.replace(endings[0], block=parent)
    with pytest.raises(EpochChangeProofError, match="epoch 0 ends at height"):
        verify(run, [early])


def test_a_suffix_that_does_not_link_the_ending_is_refused(run: EpochNet) -> None:
    first = run.managers[0].endings[0]
    stranger = run.logs[0][0]
    with pytest.raises(EpochChangeProofError, match="do not link"):
        verify(run, [dataclasses.replace(first, suffix=(stranger, *first.suffix))])


def test_lengths_are_capped_before_any_signature_is_checked(
    run: EpochNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run.managers[0].endings[0]
    checked: list[object] = []
    monkeypatch.setattr(proof_module, "verify_qc", lambda *args: checked.append(args))
    with pytest.raises(EpochChangeProofError, match="1 to 64 endings"):
        verify(run, [first] * (MAX_EPOCH_CHANGE_PROOF_LENGTH + 1))
    with pytest.raises(EpochChangeProofError, match="1 to 64 endings"):
        verify(run, [])
    long_suffix = dataclasses.replace(first, suffix=(first.block,) * 17)
    with pytest.raises(EpochChangeProofError, match="at most 16 suffix blocks"):
        verify(run, [long_suffix])
    assert checked == []
