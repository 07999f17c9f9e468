"""Epoch-change proofs: the chain of epoch-ending blocks with their commit QCs.

An :class:`EpochEnding` of epoch e holds the reconfiguration block R, the suffix blocks from R
to the block the commit QC commits (often none), that QC, and epoch e+1's set. It verifies
from epoch e's set alone: R sits at the epoch's reconfiguration height, carries e's set
commitment and names the next set's; the suffix hash-links R to the QC's parent; the QC is a
valid quorum of e that commits its parent (2-chain: ``round == parent_round + 1``). Each
verified ending makes its next set trusted, so a proof verifies from the genesis set alone.

The next set's keys and stakes are bound by R's header; its leader seed is not (the header's
commitment does not cover it), so a node must take the seed from its own chain state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.config import ConsensusConfig
from zkpov.consensus.epochs.boundary import EpochWindow
from zkpov.consensus.epochs.sets import EpochSet
from zkpov.consensus.quorum import verify_qc
from zkpov.errors import EpochChangeProofError, ValidatorError, ZkpovError
from zkpov.spec.epochs import (
    MAX_EPOCH_CHANGE_PROOF_LENGTH,
    MAX_SUFFIX_BLOCKS,
    EpochChangeProof,
    EpochChangeRequest,
    EpochEnding,
)
from zkpov.spec.messages import Block
from zkpov.spec.signing import SignatureScheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Height

__all__ = [
    "MAX_EPOCH_CHANGE_PROOF_LENGTH",
    "MAX_SUFFIX_BLOCKS",
    "EpochChangeProof",
    "EpochChangeRequest",
    "EpochEnding",
    "TrustedEpoch",
    "select_endings",
    "verify_epoch_change_proof",
    "verify_epoch_ending",
]


@dataclass(frozen=True)
class TrustedEpoch:
    """A set a verifier trusts and the height of its epoch's root (0 for genesis)."""

    vset: ValidatorSet
    start_height: Height


def select_endings(endings: Sequence[EpochEnding], from_epoch: int) -> EpochChangeProof | None:
    """A proof of the endings of ``from_epoch`` on (at most the cap; a peer asks again)."""
    chosen = [e for e in endings if e.block.epoch >= from_epoch]
    return EpochChangeProof(tuple(chosen[:MAX_EPOCH_CHANGE_PROOF_LENGTH])) if chosen else None


def verify_epoch_change_proof(
    proof: EpochChangeProof, trusted: TrustedEpoch, scheme: SignatureScheme
) -> TrustedEpoch:
    """The last epoch ``proof`` leads to from ``trusted``; ``EpochChangeProofError`` naming the
    first ending that fails (lengths are checked before any signature)."""
    endings = proof.endings
    if not endings or len(endings) > MAX_EPOCH_CHANGE_PROOF_LENGTH:
        raise EpochChangeProofError(
            f"an epoch-change proof holds 1 to {MAX_EPOCH_CHANGE_PROOF_LENGTH} endings"
        )
    if any(len(e.suffix) > MAX_SUFFIX_BLOCKS for e in endings):
        raise EpochChangeProofError(f"an ending holds at most {MAX_SUFFIX_BLOCKS} suffix blocks")
    for ending in endings:
        trusted = verify_epoch_ending(ending, trusted, scheme)
    return trusted


def verify_epoch_ending(
    ending: EpochEnding, trusted: TrustedEpoch, scheme: SignatureScheme
) -> TrustedEpoch:
    """One ending from the set of its epoch to the next one's."""
    vset, block = trusted.vset, ending.block
    window = EpochWindow(vset.epoch, trusted.start_height, vset.config.epoch_length)
    _check_ending_block(block, vset, window, ending.next_set)
    _check_suffix(block, ending.suffix)
    _check_commit_qc(ending, vset)
    next_vset = _build_next_vset(ending.next_set, scheme, vset.config)
    return TrustedEpoch(next_vset, block.height)


def _check_ending_block(
    block: Block, vset: ValidatorSet, window: EpochWindow, next_set: EpochSet
) -> None:
    if not window.is_reconfiguration(block):
        raise EpochChangeProofError(
            f"epoch {vset.epoch} ends at height {window.reconfiguration_height}, "
            f"not with a block of epoch {block.epoch} at height {block.height}"
        )
    if block.validator_set_commitment != vset.commitment:
        raise EpochChangeProofError(f"ending block is not signed by epoch {vset.epoch}'s set")
    if next_set.epoch != vset.epoch + 1:
        raise EpochChangeProofError(f"next set is for epoch {next_set.epoch}")
    if block.next_validator_set_commitment != next_set.commitment:
        raise EpochChangeProofError(f"epoch {vset.epoch}'s ending block names another next set")


def _check_suffix(block: Block, suffix: Sequence[Block]) -> None:
    previous = block
    for child in suffix:
        if child.parent_id != previous.id or child.epoch != block.epoch:
            raise EpochChangeProofError("suffix blocks do not link the ending block")
        if child.height != previous.height + 1:
            raise EpochChangeProofError("suffix block heights are not consecutive")
        previous = child


def _check_commit_qc(ending: EpochEnding, vset: ValidatorSet) -> None:
    committed = ending.suffix[-1] if ending.suffix else ending.block
    data = ending.commit_qc.vote_data
    if data.parent_id != committed.id or data.parent_round != committed.round:
        raise EpochChangeProofError("commit QC does not certify a child of the ending chain")
    if data.round != data.parent_round + 1:
        raise EpochChangeProofError("commit QC is not a 2-chain: it commits nothing")
    try:
        verify_qc(ending.commit_qc, vset)
    except ZkpovError as exc:
        raise EpochChangeProofError(f"commit QC of epoch {vset.epoch}: {exc}") from exc


def _build_next_vset(
    next_set: EpochSet, scheme: SignatureScheme, config: ConsensusConfig
) -> ValidatorSet:
    try:
        return next_set.build_vset(scheme, config)
    except ValidatorError as exc:
        raise EpochChangeProofError(f"next set of epoch {next_set.epoch}: {exc}") from exc
