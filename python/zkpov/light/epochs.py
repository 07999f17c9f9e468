"""Following epoch changes: from a trusted set (genesis or checkpoint), each served update (the
epoch-ending header R, its suffix, the commit QC, the next set) is verified with the set of its
epoch alone, and its next set becomes trusted.

Checks, cheap first: R and the QC are of the trusted epoch (``WrongEpochError``), R sits at the
epoch's reconfiguration height when that is known (from genesis; a checkpoint does not say where
its epoch started), R commits to the trusted set and names a next set (``WrongValidatorSetError``),
the served keys and stakes hash to that name (``ForgedValidatorSetError``: one SHA-256, before
any signature), the suffix links R to the header the QC commits, and the QC commits it under the
2-chain rule with signers over 2/3 of the trusted stake (``InsufficientQuorumError`` for exactly
2/3) and one aggregate signature check; only then are the next set's keys decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.config import ConsensusConfig
from zkpov.errors import (
    EpochChangeLimitError,
    ForgedValidatorSetError,
    NotCommittedError,
    WrongEpochError,
    WrongValidatorSetError,
)
from zkpov.light.trust import TrustedSet, build_trusted_set
from zkpov.light.verify import check_set_commitment, verify_commit_qc
from zkpov.node.rpc.epoch_changes import EpochUpdate
from zkpov.spec.messages import BlockHeader
from zkpov.spec.validators import compute_validator_set_commitment

__all__ = ["MAX_EPOCH_CHANGES", "EpochTrust", "follow_epoch_updates", "verify_epoch_update"]

MAX_EPOCH_CHANGES = 1024  # epoch changes followed in one sync (16 answers of 64)


@dataclass(frozen=True)
class EpochTrust:
    """A trusted set and the height of its epoch's root (None when unknown: a checkpoint)."""

    trusted: TrustedSet
    start_height: int | None


def verify_epoch_update(
    trust: EpochTrust, update: EpochUpdate, config: ConsensusConfig
) -> EpochTrust:
    """The next epoch's trust, if ``update`` ends the trusted epoch; a typed error otherwise."""
    trusted, header = trust.trusted, update.header
    if header.epoch != trusted.epoch:
        raise WrongEpochError(f"an update ends epoch {header.epoch}; trusted: {trusted.epoch}")
    _check_boundary(trust, header, config.epoch_length)
    check_set_commitment(trusted, header)
    _check_next_commitment(trusted.epoch + 1, update)
    _check_suffix(header, update.suffix)
    verify_commit_qc(trusted, update.committed, update.commit_qc)
    next_set = build_trusted_set(trusted.epoch + 1, update.next_pubkeys, update.next_stakes, config)
    return EpochTrust(next_set, header.height)


def follow_epoch_updates(
    trust: EpochTrust, updates: Sequence[EpochUpdate], config: ConsensusConfig
) -> list[EpochTrust]:
    """The trust after each of ``updates`` in turn (the first must end the trusted epoch)."""
    if len(updates) > MAX_EPOCH_CHANGES:
        raise EpochChangeLimitError(f"{len(updates)} epoch changes; at most {MAX_EPOCH_CHANGES}")
    followed = []
    for update in updates:
        trust = verify_epoch_update(trust, update, config)
        followed.append(trust)
    return followed


def _check_boundary(trust: EpochTrust, header: BlockHeader, length: int) -> None:
    if trust.start_height is not None and header.height != trust.start_height + length:
        raise WrongEpochError(
            f"epoch {header.epoch} ends at height {trust.start_height + length},"
            f" not at {header.height}"
        )


def _check_next_commitment(next_epoch: int, update: EpochUpdate) -> None:
    named = update.header.next_validator_set_commitment
    if not named:
        raise WrongValidatorSetError(
            f"the update's header at {update.header.height} names no next set"
        )
    served = compute_validator_set_commitment(next_epoch, update.next_pubkeys, update.next_stakes)
    if served != named:
        raise ForgedValidatorSetError(
            f"the served set of epoch {next_epoch} does not hash to the commitment its epoch-ending"
            " header names"
        )


def _check_suffix(header: BlockHeader, suffix: Sequence[BlockHeader]) -> None:
    """The suffix hash-links R to the committed header, in R's epoch, naming no next set."""
    previous = header
    for child in suffix:
        if child.parent_id != previous.id or child.height != previous.height + 1:
            raise NotCommittedError(
                f"suffix header {child.height} does not extend {previous.height}"
            )
        if child.epoch != header.epoch or child.next_validator_set_commitment:
            raise NotCommittedError(f"suffix header {child.height} leaves epoch {header.epoch}")
        previous = child
