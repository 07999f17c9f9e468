"""The light client's checks on what a node serves: a header committed by a QC of the trusted
set, an account opened against a verified state root, validity proofs chaining state roots.

Cheap checks run first (epochs, the 2-chain shape, the signer bitfield, the stake); the one
aggregate BLS pairing check runs last.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from zkpov.chain.state import AccountProof, verify_account_proof
from zkpov.client import models as m
from zkpov.constants import BLS_SIGNATURE_LENGTH
from zkpov.crypto import snark
from zkpov.crypto.accounts import compute_account_leaf
from zkpov.errors import (
    BadAggregateSignatureError,
    BadMerkleProofError,
    BadValidityProofError,
    DecodeError,
    InsufficientQuorumError,
    LightClientError,
    NotCommittedError,
    WrongEpochError,
    WrongValidatorSetError,
)
from zkpov.light.trust import TrustedSet
from zkpov.spec.encoding import get_bitfield_indices
from zkpov.spec.messages import EMPTY_DIGEST, BlockHeader, QuorumCert, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = [
    "MAX_TREE_DEPTH",
    "check_header_chain",
    "check_set_commitment",
    "to_header",
    "to_qc",
    "verify_account",
    "verify_commit",
    "verify_commit_qc",
    "verify_transitions",
]

MAX_TREE_DEPTH = 64  # an account proof has at most this many levels (the tree index is a u64)


def _check_u64(what: str, *values: int) -> None:
    if any(value >> 64 for value in values):
        raise LightClientError(f"{what}: a number beyond 64 bits")


def to_header(served: m.Header) -> BlockHeader:
    """The header as consensus hashes it; its id must be the served ``block_id``."""
    _check_u64(
        "header", served.epoch, served.round, served.height, served.proposer, served.timestamp_ms
    )
    header = BlockHeader(
        Epoch(served.epoch), Round(served.round), Height(served.height), BlockId(served.parent_id),
        ValidatorIndex(served.proposer), Root(served.state_root), served.qc_digest,
        served.payload_digest, served.evidence_digest, served.proof_digest, served.randao_reveal,
        served.timestamp_ms, served.validator_set_commitment, served.next_validator_set_commitment,
        served.staking_root,
    )  # fmt: skip
    if header.id != served.block_id:
        raise LightClientError(
            f"header at height {served.height}: its fields do not hash to its id"
        )
    return header


def to_qc(served: m.QuorumCert) -> QuorumCert:
    _check_u64("QC", served.epoch, served.round, served.parent_round)
    data = VoteData(
        Epoch(served.epoch), Round(served.round), BlockId(served.block_id),
        Round(served.parent_round), BlockId(served.parent_id),
    )  # fmt: skip
    return QuorumCert(data, served.signers, served.signature)


def verify_commit(trusted: TrustedSet, header: BlockHeader, qc: QuorumCert) -> None:
    """``header`` is final and ends no epoch: it names no next set (an epoch-ending header is
    checked by :func:`zkpov.light.epochs.verify_epoch_update`), and :func:`verify_commit_qc`."""
    if header.next_validator_set_commitment:
        raise WrongValidatorSetError(f"header at height {header.height} names a next set")
    verify_commit_qc(trusted, header, qc)


def verify_commit_qc(trusted: TrustedSet, header: BlockHeader, qc: QuorumCert) -> None:
    """``qc`` commits ``header``: both are from the trusted epoch, ``qc`` certifies the header's
    child one round later, and carries more than 2/3 of the stake with a valid aggregate
    signature; the header commits to the trusted set (keys and stakes)."""
    data = qc.vote_data
    if header.epoch != trusted.epoch or data.epoch != trusted.epoch:
        raise WrongEpochError(
            f"header of epoch {header.epoch}, QC of epoch {data.epoch}; trusted: {trusted.epoch}"
        )
    if data.parent_id != header.id or data.parent_round != header.round:
        raise NotCommittedError(f"the QC does not certify a child of the header at {header.height}")
    if data.round != data.parent_round + 1:
        raise NotCommittedError(
            f"the QC's round {data.round} does not follow the header's {header.round}"
        )
    signers = _get_signers(trusted, qc)
    _check_stake(trusted, signers)
    check_set_commitment(trusted, header)
    _check_signature(trusted, signers, qc)


def check_set_commitment(trusted: TrustedSet, header: BlockHeader) -> None:
    """The header commits to the trusted set's keys and stakes."""
    if header.validator_set_commitment != trusted.commitment:
        raise WrongValidatorSetError(
            f"header at height {header.height} commits to another validator set"
        )


def _get_signers(trusted: TrustedSet, qc: QuorumCert) -> Sequence[int]:
    try:
        return get_bitfield_indices(qc.signers, len(trusted.pubkeys))
    except DecodeError as err:
        raise BadAggregateSignatureError(f"the QC's signer bitfield: {err}") from None


def _check_stake(trusted: TrustedSet, signers: Sequence[int]) -> None:
    power = sum(trusted.stakes[i] for i in signers)
    if power < trusted.quorum:
        share = "exactly 2/3" if 3 * power == 2 * trusted.total_stake else "less than needed"
        raise InsufficientQuorumError(
            f"the QC's signers hold {power} of {trusted.total_stake} stake ({share});"
            f" a QC needs {trusted.quorum}"
        )


def _check_signature(trusted: TrustedSet, signers: Sequence[int], qc: QuorumCert) -> None:
    if len(qc.signature) != BLS_SIGNATURE_LENGTH:
        raise BadAggregateSignatureError(f"the QC's signature is not {BLS_SIGNATURE_LENGTH} bytes")
    try:
        valid = trusted.keys.fast_aggregate_verify(signers, qc.vote_data.signing_root, qc.signature)
    except DecodeError:
        valid = False
    if not valid:
        raise BadAggregateSignatureError(
            f"the QC for round {qc.round} has an invalid aggregate signature"
        )


def verify_account(state_root: bytes, account: m.Account, depth: int) -> None:
    """The served balance, nonce and key are the leaf at ``account.index`` under ``state_root``."""
    served = account.proof
    if served is None or served.depth != depth or not 0 < depth <= MAX_TREE_DEPTH:
        raise BadMerkleProofError(f"account {account.index}: no proof of the tree's depth {depth}")
    if len(served.siblings) > MAX_TREE_DEPTH or any(len(row) != 3 for row in served.siblings):
        raise BadMerkleProofError(f"account {account.index}: malformed sibling rows")
    leaf = _compute_leaf(account)
    if int.from_bytes(served.leaf, "big") != leaf:
        raise BadMerkleProofError(
            f"account {account.index}: the proof's leaf is not the served account"
        )
    rows = tuple(tuple(int.from_bytes(x, "big") for x in row) for row in served.siblings)
    proof = AccountProof(depth, account.index, leaf, rows)  # type: ignore[arg-type]
    try:
        valid = verify_account_proof(int.from_bytes(state_root, "big"), proof)
    except (DecodeError, ValueError, OverflowError):
        valid = False
    if not valid:
        raise BadMerkleProofError(
            f"account {account.index}: the proof does not open the state root"
        )


def _compute_leaf(account: m.Account) -> int:
    if account.public_key is None:
        if account.balance or account.nonce:
            raise BadMerkleProofError(f"account {account.index}: an empty slot with a balance")
        return 0
    try:
        return compute_account_leaf(account.public_key, account.balance, account.nonce)
    except (DecodeError, ValueError, OverflowError) as err:
        raise BadMerkleProofError(f"account {account.index}: {err}") from None


def check_header_chain(headers: Sequence[BlockHeader]) -> None:
    """``headers`` (genesis first, then every height) are linked by their parent ids, each
    timestamped strictly after its parent (as voters check)."""
    for parent, header in itertools.pairwise(headers):
        if header.parent_id != parent.id or header.height != parent.height + 1:
            raise LightClientError(f"header {header.height} does not extend header {parent.height}")
        if header.timestamp_ms <= parent.timestamp_ms:
            raise LightClientError(f"header {header.height} is not later than its parent")


def verify_transitions(
    vk: snark.VerifyingKey, circuit_id: str, headers: Sequence[BlockHeader],
    proofs: Mapping[int, m.Proof],
) -> int:  # fmt: skip
    """Every state change along ``headers`` (linked, genesis first) is proven: a block with a
    proof opens at its parent's state root and ends at its own; a block without one is empty
    (no transfers) and keeps its parent's root. One batch check; returns the proofs checked."""
    items = []
    for parent, header in itertools.pairwise(headers):
        proof = proofs.get(header.height)
        if proof is None:
            _check_empty(parent, header)
        else:
            items.append((_get_inputs(proof, parent, header, circuit_id), proof.proof))
    try:
        valid = not items or snark.batch_verify(vk, items)
    except DecodeError:
        valid = False
    if not valid:
        raise BadValidityProofError(f"a Groth16 proof of heights 1..{headers[-1].height} fails")
    return len(items)


def _check_empty(parent: BlockHeader, header: BlockHeader) -> None:
    if header.payload_digest != EMPTY_DIGEST or header.state_root != parent.state_root:
        raise BadValidityProofError(f"height {header.height} changes state without a proof")


def _get_inputs(
    proof: m.Proof, parent: BlockHeader, header: BlockHeader, circuit: str
) -> list[int]:
    inputs = [int.from_bytes(x, "big") for x in proof.public_inputs]
    pre, post = int.from_bytes(parent.state_root, "big"), int.from_bytes(header.state_root, "big")
    if proof.circuit_id != circuit or len(inputs) != 3 or inputs[:2] != [pre, post]:
        raise BadValidityProofError(
            f"proof of height {header.height}: another circuit, or not from its parent's state"
            " root to its own"
        )
    return inputs
