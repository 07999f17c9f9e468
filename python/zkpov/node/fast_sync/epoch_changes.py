"""The epoch-change chain a checkpoint carries: every epoch ending from genesis to the
checkpoint's epoch, each encoded as the node stores it (``encode_epoch_ending``).

The server reads them from its :class:`~zkpov.node.state.epoch_endings.EpochEndingStore`. The
client decodes them (capped: at most ``MAX_EPOCH_CHANGES`` endings of at most
``MAX_ENDING_BYTES``, checked before decoding) and verifies them with the consensus epoch-change
verification (:func:`~zkpov.consensus.epochs.proof.verify_epoch_change_proof`, one proof of at
most ``MAX_EPOCH_CHANGE_PROOF_LENGTH`` endings at a time) from the genesis set: the set it
ends with is the one whose QCs must commit the checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpov.consensus.epochs.proof import TrustedEpoch, verify_epoch_change_proof
from zkpov.errors import DecodeError, EpochChangeProofError, FastSyncCheckpointError
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.spec.codec.epochs import decode_epoch_ending, encode_epoch_ending
from zkpov.spec.epochs import MAX_EPOCH_CHANGE_PROOF_LENGTH, EpochChangeProof, EpochEnding
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Height

__all__ = [
    "MAX_ENDING_BYTES",
    "MAX_EPOCH_CHANGES",
    "collect_epoch_changes",
    "verify_epoch_changes",
]

MAX_EPOCH_CHANGES = 1024  # endings in one checkpoint (the answer's byte cap binds first)
MAX_ENDING_BYTES = 1 << 20


def collect_epoch_changes(endings: EpochEndingStore, epoch: int) -> tuple[bytes, ...] | None:
    """The encoded endings of epochs ``0 .. epoch - 1``; None if one is missing here or there
    are more than a checkpoint carries."""
    if epoch > MAX_EPOCH_CHANGES:
        return None
    found = [endings.get(e) for e in range(epoch)]
    if any(ending is None for ending in found):
        return None
    return tuple(encode_epoch_ending(e) for e in found if e is not None)


def verify_epoch_changes(
    changes: Sequence[bytes], genesis: ValidatorSet
) -> tuple[ValidatorSet, tuple[EpochEnding, ...]]:
    """The set the chain of ``changes`` leads to from ``genesis``, and the decoded endings;
    ``FastSyncCheckpointError`` on any ending that is oversized, malformed or does not verify."""
    endings = _decode(changes)
    trusted = TrustedEpoch(genesis, Height(0))
    try:
        for first in range(0, len(endings), MAX_EPOCH_CHANGE_PROOF_LENGTH):
            proof = EpochChangeProof(endings[first : first + MAX_EPOCH_CHANGE_PROOF_LENGTH])
            trusted = verify_epoch_change_proof(proof, trusted, genesis.scheme)
    except EpochChangeProofError as err:
        raise FastSyncCheckpointError(f"the epoch-change chain does not verify: {err}") from err
    return trusted.vset, endings


def _decode(changes: Sequence[bytes]) -> tuple[EpochEnding, ...]:
    if len(changes) > MAX_EPOCH_CHANGES or any(len(c) > MAX_ENDING_BYTES for c in changes):
        raise FastSyncCheckpointError(
            f"an epoch-change chain holds at most {MAX_EPOCH_CHANGES} endings of"
            f" {MAX_ENDING_BYTES} bytes"
        )
    try:
        return tuple(decode_epoch_ending(change) for change in changes)
    except DecodeError as err:
        raise FastSyncCheckpointError(f"an epoch ending does not decode: {err}") from err
