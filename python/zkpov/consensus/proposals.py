"""Checking and building proposals; evidence against bad proposers."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.consensus.quorum import verify_qc
from zkpov.constants import MAX_TIMESTAMP_DRIFT_MS
from zkpov.errors import ProposalError
from zkpov.spec.messages import (
    Block,
    Proposal,
    QuorumCert,
    compute_randao_signing_root,
)
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Height, Root, Round, ValidatorIndex

__all__ = [
    "BlockBody",
    "InvalidProposal",
    "ProposerContext",
    "check_parent_link",
    "check_proposal_shape",
    "check_proposal_signatures",
    "check_timestamp_drift",
    "get_block_timestamp",
    "make_block",
]


@dataclass(frozen=True)
class BlockBody:
    """What a proposer's payload source fills in: the transfers (``payload``) and the validity
    proofs the block carries (``proof``; see :mod:`zkpov.consensus.proof_carry`)."""

    payload: bytes = b""
    proof: bytes = b""


class InvalidProposal(ProposalError):
    """A proposal that is malformed or not signed by its proposer."""


def check_proposal_shape(
    proposal: Proposal, vset: ValidatorSet, *, has_epochs: bool = False
) -> None:
    """Cheap checks before anything is verified: epoch, proposer, QC link, field sizes. Without
    epochs (``has_epochs``: an epoch manager's checker judges the field) no block names a next
    validator set."""
    block = proposal.block
    if block.epoch != vset.epoch or not vset.is_member(block.proposer):
        raise InvalidProposal(f"proposal from {block.proposer} is not from epoch {vset.epoch}")
    if block.parent_id != block.qc.block_id or block.round <= block.qc.round:
        raise InvalidProposal(f"block at round {block.round} does not extend its QC")
    if block.height < 1 or block.qc.vote_data.epoch != block.epoch:
        raise InvalidProposal(f"block at round {block.round} has a malformed height or QC")
    if block.validator_set_commitment != vset.commitment:
        raise InvalidProposal(f"block at round {block.round} commits to another validator set")
    if block.next_validator_set_commitment and not has_epochs:
        raise InvalidProposal(f"block at round {block.round} names a next validator set")


def check_timestamp_drift(block: Block, wall_ms: int) -> None:
    """``block``'s time is at most ``MAX_TIMESTAMP_DRIFT_MS`` ahead of our wall clock."""
    if block.timestamp_ms > wall_ms + MAX_TIMESTAMP_DRIFT_MS:
        raise InvalidProposal(
            f"block at round {block.round} is {block.timestamp_ms - wall_ms} ms in the future"
        )


def check_parent_link(block: Block, parent: Block) -> None:
    """``block`` sits directly on ``parent``: one height above it, on the QC of its round."""
    if block.height != parent.height + 1 or block.qc.round != parent.round:
        raise InvalidProposal(f"block at round {block.round} does not sit on its parent")
    if block.timestamp_ms <= parent.timestamp_ms:
        raise InvalidProposal(f"block at round {block.round} is not later than its parent")


def get_block_timestamp(parent: Block, wall_ms: int) -> int:
    """A proposer's timestamp: its wall clock, but always after the parent's."""
    return max(wall_ms, parent.timestamp_ms + 1)


def check_proposal_signatures(proposal: Proposal, vset: ValidatorSet, trusted: QuorumCert) -> None:
    """Proposer signature, RANDAO reveal and QC (``ProposalError``); the TC is checked apart."""
    block = proposal.block
    keyring = vset.keyring
    if not keyring.verify(block.proposer, block.header.signing_root, proposal.signature):
        raise InvalidProposal(f"proposal at round {block.round} has a bad signature")
    randao_root = compute_randao_signing_root(block.epoch)
    if not keyring.verify(block.proposer, randao_root, block.randao_reveal):
        raise InvalidProposal(f"proposal at round {block.round} has a bad RANDAO reveal")
    verify_qc(block.qc, vset, trusted)


@dataclass(frozen=True)
class ProposerContext:
    """Who proposes, in which epoch and set, with which RANDAO reveal, on top of which
    certificate, at which wall-clock time (Unix ms)."""

    epoch: Epoch
    proposer: ValidatorIndex
    randao_reveal: bytes
    hqc: QuorumCert
    validator_set_commitment: bytes
    wall_ms: int


def make_block(
    context: ProposerContext,
    round_: Round,
    parent: Block,
    root: Root,
    body: BlockBody,
    evidence: tuple[bytes, ...],
) -> Block:
    """The block a leader proposes in ``round_`` on top of ``parent`` (certified by the hqc)."""
    return Block(
        epoch=context.epoch,
        round=round_,
        height=Height(parent.height + 1),
        parent_id=parent.id,
        proposer=context.proposer,
        state_root=root,
        qc=context.hqc,
        payload=body.payload,
        evidence=evidence,
        proof=body.proof,
        randao_reveal=context.randao_reveal,
        timestamp_ms=get_block_timestamp(parent, context.wall_ms),
        validator_set_commitment=context.validator_set_commitment,
    )
