"""``submit_epoch_change`` of the finality contract: its arguments from an epoch change as
``/v1/light/updates`` serves it (:class:`~zkpov.node.rpc.epoch_changes.EpochUpdate`).

The contract takes the ending header R, its suffix headers, the commit QC, the records of the
stored set (to check the QC) and the next set twice: as the body of R's
``next_validator_set_commitment`` (per validator its compressed key, 48 bytes, and its stake,
16 bytes; SHA-256 of the tag, the next epoch and this body must be R's commitment) and as
records (key uncompressed, EIP-2537, and stake as 32 bytes), which it checks one by one against
the body (the key recompressed, on the curve) before storing their keccak256.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from zkpov.config import compute_quorum_power
from zkpov.evm.light_client import (
    LightClientSetup,
    compute_commitment,
    encode_header,
    encode_qc,
    encode_validators,
)
from zkpov.node.rpc.epoch_changes import EpochUpdate
from zkpov.spec.validators import compute_validator_set_commitment

__all__ = ["encode_epoch_change", "encode_next_set", "get_next_setup"]


def encode_next_set(keys: Sequence[bytes], stakes: Sequence[int]) -> bytes:
    """The body of a set commitment: each compressed key with its 16-byte stake."""
    return b"".join(
        bytes(key) + stake.to_bytes(16, "big") for key, stake in zip(keys, stakes, strict=True)
    )


def encode_epoch_change(update: EpochUpdate, validators: bytes) -> list[Any]:
    """``submit_epoch_change`` arguments; ``validators``: the stored set's records."""
    keys, stakes = update.next_pubkeys, update.next_stakes
    return [
        encode_header(update.header), [encode_header(h) for h in update.suffix],
        encode_qc(update.commit_qc), validators, encode_next_set(keys, stakes),
        encode_validators(keys, stakes),
    ]  # fmt: skip


def get_next_setup(setup: LightClientSetup, update: EpochUpdate) -> LightClientSetup:
    """The contract's state once it adopted ``update``'s next set (what the relayer then
    passes as the stored set's records)."""
    keys, stakes = update.next_pubkeys, update.next_stakes
    records = encode_validators(keys, stakes)
    epoch = update.header.epoch + 1
    return replace(
        setup, epoch=epoch, validators=records, commitment=compute_commitment(records),
        header_commitment=compute_validator_set_commitment(epoch, keys, stakes),
        total_stake=sum(stakes), quorum_power=compute_quorum_power(sum(stakes), setup.threshold),
    )  # fmt: skip
