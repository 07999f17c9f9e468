"""Consensus messages: blocks, proposals, votes, timeouts and their certificates.

Each signed message has a signing root (``compute_signing_root``) over a fixed field list.
A vote signs its :class:`VoteData` (the block and its parent), so a QC alone tells the 2-chain
rule whether it certifies a block directly after its parent. A timeout signs
``(epoch, round, hqc_round)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from zkpov.constants import (
    DOMAIN_BLOCK_ID,
    DOMAIN_PROPOSAL,
    DOMAIN_RANDAO,
    DOMAIN_TIMEOUT,
    DOMAIN_VOTE,
)
from zkpov.spec.encoding import compute_hash, compute_signing_root
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = [
    "EMPTY_DIGEST",
    "Block",
    "BlockHeader",
    "BlockRequest",
    "BlockResponse",
    "Message",
    "Proposal",
    "QuorumCert",
    "Timeout",
    "TimeoutCert",
    "Vote",
    "VoteData",
    "compute_digest",
    "compute_evidence_digest",
    "compute_randao_signing_root",
    "compute_timeout_signing_root",
]


def compute_digest(data: bytes) -> bytes:
    """SHA-256 of ``data`` (payload, evidence and certificate digests in headers)."""
    return hashlib.sha256(data).digest()


EMPTY_DIGEST = compute_digest(b"")


def compute_evidence_digest(evidence: tuple[bytes, ...]) -> bytes:
    """A header's ``evidence_digest``: the hash of the block's evidence items, in order."""
    return compute_hash(b"EVIDENCE", evidence)


@dataclass(frozen=True)
class VoteData:
    """What a vote signs: the voted block and its parent (the block its QC certifies)."""

    epoch: Epoch
    round: Round
    block_id: BlockId
    parent_round: Round
    parent_id: BlockId

    @cached_property
    def signing_root(self) -> bytes:
        fields = (self.epoch, self.round, self.block_id, self.parent_round, self.parent_id)
        return compute_signing_root(DOMAIN_VOTE, fields)


@dataclass(frozen=True)
class QuorumCert:
    """Aggregate of votes on one VoteData by more than 2/3 of the stake (``signers`` bitfield)."""

    vote_data: VoteData
    signers: bytes
    signature: bytes

    @property
    def round(self) -> Round:
        return self.vote_data.round

    @property
    def block_id(self) -> BlockId:
        return self.vote_data.block_id

    @cached_property
    def digest(self) -> bytes:
        return compute_hash(b"QC", (self.vote_data.signing_root, self.signers, self.signature))


def compute_randao_signing_root(epoch: Epoch) -> bytes:
    """What a proposer signs as its RANDAO reveal for ``epoch``."""
    return compute_signing_root(DOMAIN_RANDAO, (epoch,))


def compute_timeout_signing_root(epoch: Epoch, round_: Round, hqc_round: Round) -> bytes:
    """The bytes a timeout signs: ``(epoch, round, hqc_round)``."""
    return compute_signing_root(DOMAIN_TIMEOUT, (epoch, round_, hqc_round))


@dataclass(frozen=True)
class TimeoutCert:
    """More than 2/3 of the stake timed out in ``round``; carries the highest QC they reported."""

    epoch: Epoch
    round: Round
    signers: tuple[ValidatorIndex, ...]
    hqc_rounds: tuple[Round, ...]
    signature: bytes
    highest_qc: QuorumCert

    @property
    def highest_hqc_round(self) -> Round:
        return Round(max(self.hqc_rounds))


@dataclass(frozen=True)
class BlockHeader:
    """The signed part of a block: bodies enter through digests. ``timestamp_ms`` is the
    proposer's wall clock (Unix ms); ``validator_set_commitment`` commits to the epoch's keys and
    stakes; ``next_validator_set_commitment`` is empty except in epoch-ending headers;
    ``staking_root`` commits to the staking ledger after the block (``chain.ledger_root``), empty
    where the chain keeps no ledger (genesis blocks, the engine's and simulator's checkers)."""

    epoch: Epoch
    round: Round
    height: Height
    parent_id: BlockId
    proposer: ValidatorIndex
    state_root: Root
    qc_digest: bytes
    payload_digest: bytes
    evidence_digest: bytes
    proof_digest: bytes
    randao_reveal: bytes
    timestamp_ms: int
    validator_set_commitment: bytes
    next_validator_set_commitment: bytes
    staking_root: bytes = b""

    @cached_property
    def id(self) -> BlockId:
        fields = (
            self.epoch, self.round, self.height, self.parent_id, self.proposer, self.state_root,
            self.qc_digest, self.payload_digest, self.evidence_digest, self.proof_digest,
            self.randao_reveal, self.timestamp_ms, self.validator_set_commitment,
            self.next_validator_set_commitment, self.staking_root,
        )  # fmt: skip
        return BlockId(compute_hash(DOMAIN_BLOCK_ID, fields))

    @cached_property
    def signing_root(self) -> bytes:
        return compute_signing_root(DOMAIN_PROPOSAL, (self.epoch, self.round, self.id))


@dataclass(frozen=True)
class Block:
    """A block: header fields plus the QC of its parent, the payload, evidence and proof."""

    epoch: Epoch
    round: Round
    height: Height
    parent_id: BlockId
    proposer: ValidatorIndex
    state_root: Root
    qc: QuorumCert
    payload: bytes = b""
    evidence: tuple[bytes, ...] = ()
    proof: bytes = b""
    randao_reveal: bytes = b""
    timestamp_ms: int = 0
    validator_set_commitment: bytes = bytes(32)
    next_validator_set_commitment: bytes = b""
    staking_root: bytes = b""

    @cached_property
    def header(self) -> BlockHeader:
        return BlockHeader(
            epoch=self.epoch, round=self.round, height=self.height, parent_id=self.parent_id,
            proposer=self.proposer, state_root=self.state_root, qc_digest=self.qc.digest,
            payload_digest=compute_digest(self.payload),
            evidence_digest=compute_evidence_digest(self.evidence),
            proof_digest=compute_digest(self.proof), randao_reveal=self.randao_reveal,
            timestamp_ms=self.timestamp_ms, validator_set_commitment=self.validator_set_commitment,
            next_validator_set_commitment=self.next_validator_set_commitment,
            staking_root=self.staking_root,
        )  # fmt: skip

    @property
    def id(self) -> BlockId:
        return self.header.id


@dataclass(frozen=True)
class Proposal:
    """A block signed by its round's leader, with the TC if the previous round timed out."""

    block: Block
    signature: bytes
    tc: TimeoutCert | None = None


@dataclass(frozen=True)
class Vote:
    """One validator's signature over a VoteData."""

    vote_data: VoteData
    voter: ValidatorIndex
    signature: bytes

    @property
    def round(self) -> Round:
        return self.vote_data.round


@dataclass(frozen=True)
class Timeout:
    """A validator gives up on ``round``; carries its highest QC (signed: its round) and, unsigned,
    its highest TC so that validators still in an older round can catch up (Aptos sync info)."""

    epoch: Epoch
    round: Round
    hqc: QuorumCert
    signer: ValidatorIndex
    signature: bytes
    tc: TimeoutCert | None = None

    @cached_property
    def signing_root(self) -> bytes:
        return compute_timeout_signing_root(self.epoch, self.round, self.hqc.round)


@dataclass(frozen=True)
class BlockRequest:
    """Ask a peer for ``block_id`` and up to ``count - 1`` of its ancestors."""

    block_id: BlockId
    count: int


@dataclass(frozen=True)
class BlockResponse:
    """Blocks answering a request, newest first."""

    blocks: tuple[Block, ...] = field(default=())


Message = Proposal | Vote | Timeout | BlockRequest | BlockResponse
