"""Blocks and their certificates as the RPC serves them: headers, QCs, commits, proofs."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models.fields import Hash

__all__ = ["Block", "Commit", "Finalized", "Header", "Proof", "QuorumCert"]


@dataclass(frozen=True)
class Header:
    block_id: Hash
    epoch: int
    round: int
    height: int
    parent_id: Hash
    proposer: int
    state_root: Hash
    qc_digest: Hash
    payload_digest: Hash
    evidence_digest: Hash
    proof_digest: Hash
    randao_reveal: bytes
    timestamp_ms: int
    validator_set_commitment: Hash
    next_validator_set_commitment: bytes
    staking_root: bytes


@dataclass(frozen=True)
class QuorumCert:
    """``signers``: a bitfield of validator indices, little-endian bits."""

    epoch: int
    round: int
    block_id: Hash
    parent_round: int
    parent_id: Hash
    signature: bytes
    signers: bytes


@dataclass(frozen=True)
class Block:
    block_id: Hash
    header: Header
    qc: QuorumCert
    txs: tuple[bytes, ...]
    evidence: tuple[bytes, ...]
    proof: bytes


@dataclass(frozen=True)
class Commit:
    height: int
    block_id: Hash
    header: Header
    certificate: QuorumCert
    commit_certificate: QuorumCert | None


@dataclass(frozen=True)
class Finalized:
    height: int
    block_id: Hash
    header: Header
    commit_certificate: QuorumCert
    validator_set_commitment: Hash
    proven_final_height: int | None


@dataclass(frozen=True)
class Proof:
    height: int
    proven_in: int
    circuit_id: str
    proof: bytes
    public_inputs: tuple[Hash, ...]
