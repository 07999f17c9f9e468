"""Evidence of misbehaviour, checkable by anyone from the signed messages alone.

- ``DoubleProposal``: two signed block headers of one round by the same proposer.
- ``DoubleVote``: two signed votes of one round by the same voter for different blocks.
- ``InvalidBlockProposal``: a signed header whose post-state root cannot follow its parent's: the
  payload is empty (no transfers, no proof), so the state root must equal the parent's, and the
  parent header is identified by hash through ``parent_id``.

Types, their verification (:func:`verify_evidence`) and the constructors the consensus core uses
(:func:`get_signed_header`, :func:`make_invalid_block_evidence`); the wire form is in
:mod:`zkpov.spec.codec.evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.errors import ConsensusError
from zkpov.spec.messages import EMPTY_DIGEST, Block, BlockHeader, Proposal, Vote
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, ValidatorIndex

__all__ = [
    "Claim",
    "DoubleProposal",
    "DoubleVote",
    "Evidence",
    "InvalidBlockProposal",
    "InvalidEvidence",
    "get_evidence_claims",
    "get_evidence_epoch",
    "get_evidence_kind",
    "get_signed_header",
    "make_invalid_block_evidence",
    "verify_evidence",
]


class InvalidEvidence(ConsensusError):
    """Evidence that does not prove what it claims."""


@dataclass(frozen=True)
class SignedHeader:
    header: BlockHeader
    signature: bytes


@dataclass(frozen=True)
class DoubleProposal:
    first: SignedHeader
    second: SignedHeader


@dataclass(frozen=True)
class DoubleVote:
    first: Vote
    second: Vote


@dataclass(frozen=True)
class InvalidBlockProposal:
    block: SignedHeader
    parent: BlockHeader


Evidence = DoubleProposal | DoubleVote | InvalidBlockProposal
_KIND_NAMES = {DoubleProposal: "double_proposal", DoubleVote: "double_vote"}


def get_evidence_kind(evidence: Evidence) -> str:
    return _KIND_NAMES.get(type(evidence), "invalid_block")


def get_evidence_epoch(evidence: Evidence) -> Epoch:
    """The epoch of the offence."""
    if isinstance(evidence, DoubleVote):
        return evidence.first.vote_data.epoch
    if isinstance(evidence, DoubleProposal):
        return evidence.first.header.epoch
    return evidence.block.header.epoch


def get_offender(evidence: Evidence) -> ValidatorIndex:
    if isinstance(evidence, DoubleVote):
        return evidence.first.voter
    if isinstance(evidence, DoubleProposal):
        return evidence.first.header.proposer
    return evidence.block.header.proposer


Claim = tuple[ValidatorIndex, bytes, bytes]  # (signer, signing root, signature) to verify


def verify_evidence(evidence: Evidence, vset: ValidatorSet) -> ValidatorIndex:
    """The offender if ``evidence`` holds against ``vset``; ``InvalidEvidence`` otherwise."""
    for signer, root, signature in get_evidence_claims(evidence, vset):
        if not vset.keyring.verify(signer, root, signature):
            raise InvalidEvidence("evidence signature does not verify")
    return get_offender(evidence)


def get_evidence_claims(evidence: Evidence, vset: ValidatorSet) -> list[Claim]:
    """Every check of ``evidence`` but its signatures (``InvalidEvidence``), then the signatures
    it rests on, for the caller to verify (one by one, or in one batch)."""
    if isinstance(evidence, DoubleVote):
        return _check_double_vote(evidence, vset)
    if isinstance(evidence, DoubleProposal):
        return _check_double_proposal(evidence, vset)
    return _check_invalid_block(evidence, vset)


def _check_signed_header(signed: SignedHeader, vset: ValidatorSet) -> Claim:
    header = signed.header
    if header.epoch != vset.epoch or not vset.is_member(header.proposer):
        raise InvalidEvidence("header is not from this epoch's validator set")
    return header.proposer, header.signing_root, signed.signature


def _check_double_proposal(evidence: DoubleProposal, vset: ValidatorSet) -> list[Claim]:
    a, b = evidence.first.header, evidence.second.header
    if a.proposer != b.proposer or a.round != b.round or a.id == b.id:
        raise InvalidEvidence("double proposal needs two different headers of one round")
    return [_check_signed_header(evidence.first, vset), _check_signed_header(evidence.second, vset)]


def _check_double_vote(evidence: DoubleVote, vset: ValidatorSet) -> list[Claim]:
    a, b = evidence.first, evidence.second
    same_slot = a.voter == b.voter and a.round == b.round and a.vote_data.epoch == b.vote_data.epoch
    if not same_slot or a.vote_data.block_id == b.vote_data.block_id:
        raise InvalidEvidence("double vote needs two votes of one round for different blocks")
    for vote in (a, b):
        if vote.vote_data.epoch != vset.epoch or not vset.is_member(vote.voter):
            raise InvalidEvidence("vote is not from this epoch's validator set")
    return [(v.voter, v.vote_data.signing_root, v.signature) for v in (a, b)]


def _check_invalid_block(evidence: InvalidBlockProposal, vset: ValidatorSet) -> list[Claim]:
    header, parent = evidence.block.header, evidence.parent
    if header.parent_id != parent.id:
        raise InvalidEvidence("parent header does not hash to the block's parent id")
    if header.payload_digest != EMPTY_DIGEST or header.proof_digest != EMPTY_DIGEST:
        raise InvalidEvidence("only empty blocks are judged from headers alone")
    if header.state_root == parent.state_root:
        raise InvalidEvidence("the empty block keeps its parent's state root: it is valid")
    return [_check_signed_header(evidence.block, vset)]


def get_signed_header(proposal: Proposal) -> SignedHeader:
    """What double-proposal detection keeps of a verified proposal (no payload)."""
    return SignedHeader(proposal.block.header, proposal.signature)


def make_invalid_block_evidence(proposal: Proposal, parent: Block) -> InvalidBlockProposal | None:
    """Evidence if the invalidity is checkable from headers alone (empty block, new root)."""
    header = proposal.block.header
    is_empty = header.payload_digest == EMPTY_DIGEST and header.proof_digest == EMPTY_DIGEST
    if not is_empty or header.state_root == parent.state_root or header.parent_id != parent.id:
        return None
    return InvalidBlockProposal(SignedHeader(header, proposal.signature), parent.header)
