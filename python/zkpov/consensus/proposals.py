"""Checking and building proposals; evidence against bad proposers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zkpov.chain.seed import compute_randao_signing_root
from zkpov.consensus.evidence import DoubleProposal, InvalidBlockProposal, SignedHeader
from zkpov.consensus.messages import EMPTY_DIGEST, Block, Proposal, QuorumCert
from zkpov.consensus.quorum import verify_qc, verify_tc
from zkpov.consensus.validators import ValidatorSet
from zkpov.errors import ProposalError
from zkpov.types import Height, Root, Round

if TYPE_CHECKING:
    from zkpov.consensus.core import ConsensusCore

__all__ = [
    "BlockBody",
    "InvalidProposal",
    "check_proposal",
    "make_block",
    "make_double_proposal",
    "record_invalid_block",
]


@dataclass(frozen=True)
class BlockBody:
    """What a proposer's payload source fills in: the transfers (``payload``) and the validity
    proofs the block carries (``proof``; see :mod:`zkpov.consensus.proof_carry`)."""

    payload: bytes = b""
    proof: bytes = b""


class InvalidProposal(ProposalError):
    """A proposal that is malformed or not signed by its proposer."""


def check_proposal(proposal: Proposal, vset: ValidatorSet, trusted: QuorumCert) -> None:
    """Signature, structure, RANDAO reveal and certificates of a proposal (``ProposalError``)."""
    block = proposal.block
    if block.epoch != vset.epoch or not vset.is_member(block.proposer):
        raise InvalidProposal(f"proposal from {block.proposer} is not from epoch {vset.epoch}")
    if block.parent_id != block.qc.block_id or block.round <= block.qc.round:
        raise InvalidProposal(f"block at round {block.round} does not extend its QC")
    keyring = vset.keyring
    if not keyring.verify(block.proposer, block.header.signing_root, proposal.signature):
        raise InvalidProposal(f"proposal at round {block.round} has a bad signature")
    randao_root = compute_randao_signing_root(block.epoch)
    if not keyring.verify(block.proposer, randao_root, block.randao_reveal):
        raise InvalidProposal(f"proposal at round {block.round} has a bad RANDAO reveal")
    verify_qc(block.qc, vset, trusted)
    if proposal.tc is not None:
        verify_tc(proposal.tc, vset, trusted)


def make_block(
    core: ConsensusCore,
    round_: Round,
    parent: Block,
    root: Root,
    body: BlockBody,
    evidence: tuple[bytes, ...],
) -> Block:
    """The block a leader proposes in ``round_`` on top of ``parent`` (certified by the hqc)."""
    return Block(
        epoch=core.vset.epoch,
        round=round_,
        height=Height(parent.height + 1),
        parent_id=parent.id,
        proposer=core.index,
        state_root=root,
        qc=core.tree.hqc,
        payload=body.payload,
        evidence=evidence,
        proof=body.proof,
        randao_reveal=core.randao_reveal,
    )


def make_double_proposal(first: Proposal, second: Proposal) -> DoubleProposal:
    """Evidence from two verified proposals of one round by one proposer."""
    return DoubleProposal(
        SignedHeader(first.block.header, first.signature),
        SignedHeader(second.block.header, second.signature),
    )


def record_invalid_block(proposal: Proposal, parent: Block) -> InvalidBlockProposal | None:
    """Evidence if the invalidity is checkable from headers alone (empty block, new root)."""
    header = proposal.block.header
    is_empty = header.payload_digest == EMPTY_DIGEST and header.proof_digest == EMPTY_DIGEST
    if not is_empty or header.state_root == parent.state_root or header.parent_id != parent.id:
        return None
    return InvalidBlockProposal(SignedHeader(header, proposal.signature), parent.header)
