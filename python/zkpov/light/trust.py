"""What a light client trusts: a validator set (keys, stakes, quorum) of one epoch, taken from
the genesis file or from a checkpoint the user gives (weak subjectivity).

A checkpoint names an epoch, the commitment of that epoch's set and a block id. The set itself
is fetched from a node and must match the commitment. A checkpoint is refused once it is older
than the trusting period, counted in epochs and required shorter than the chain's unbonding
period (``unbonding_epochs`` in the genesis consensus parameters): past that, the validators
who signed it may have withdrawn their stake and can sign a fork at no cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from zkpov.config import ConsensusConfig
from zkpov.constants import MAX_VALIDATORS_LIMIT
from zkpov.crypto.bls import KeySet
from zkpov.errors import (
    DecodeError,
    ForgedValidatorSetError,
    LightClientError,
    StaleCheckpointError,
)
from zkpov.light.models import Bootstrap
from zkpov.node.state.genesis import Genesis, compute_genesis_hash
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import Root

__all__ = [
    "Checkpoint",
    "TrustedSet",
    "build_trusted_set",
    "check_checkpoint_age",
    "get_trusting_period",
    "parse_checkpoint",
    "trust_checkpoint",
    "trust_genesis",
]

_CHECKPOINT = re.compile(r"([0-9]{1,19}):(?:0x)?([0-9a-fA-F]{64}):(?:0x)?([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Checkpoint:
    epoch: int
    validator_set_commitment: bytes
    block_id: bytes


@dataclass(frozen=True)
class TrustedSet:
    """One epoch's validators; ``quorum`` is the stake a QC needs (more than 2/3 of the total,
    and at least the chain's finality threshold); ``keys`` decoded once."""

    epoch: int
    pubkeys: tuple[bytes, ...]
    stakes: tuple[int, ...]
    quorum: int
    commitment: Root
    keys: KeySet = field(compare=False, repr=False)

    @property
    def total_stake(self) -> int:
        return sum(self.stakes)


def parse_checkpoint(text: str) -> Checkpoint:
    """``EPOCH:VALSET_COMMITMENT_HEX:BLOCK_ID_HEX``."""
    found = _CHECKPOINT.fullmatch(text.strip())
    if found is None:
        raise LightClientError(
            "a checkpoint is EPOCH:VALSET_COMMITMENT_HEX:BLOCK_ID_HEX (32-byte hex)"
        )
    epoch, commitment, block_id = found.groups()
    return Checkpoint(int(epoch), bytes.fromhex(commitment), bytes.fromhex(block_id))


def build_trusted_set(
    epoch: int, pubkeys: tuple[bytes, ...], stakes: tuple[int, ...], config: ConsensusConfig
) -> TrustedSet:
    """``ForgedValidatorSetError`` for an empty, oversized or malformed set."""
    if not 0 < len(pubkeys) <= MAX_VALIDATORS_LIMIT or len(pubkeys) != len(stakes):
        raise ForgedValidatorSetError(f"a validator set of {len(pubkeys)} keys cannot be trusted")
    if not all(0 < stake < 1 << 128 for stake in stakes) or len(set(pubkeys)) != len(pubkeys):
        raise ForgedValidatorSetError("a validator set with a stake out of range or a repeated key")
    try:
        keys = KeySet(pubkeys)
    except DecodeError as err:
        raise ForgedValidatorSetError(f"a validator key does not decode: {err}") from None
    commitment = compute_validator_set_commitment(epoch, pubkeys, stakes)
    quorum = config.get_quorum_power(sum(stakes))
    return TrustedSet(epoch, pubkeys, stakes, quorum, commitment, keys)


def trust_genesis(genesis: Genesis) -> TrustedSet:
    """Epoch 0's set, straight from the genesis document."""
    pubkeys = tuple(v.bls_public_key for v in genesis.validators)
    stakes = tuple(v.stake for v in genesis.validators)
    return build_trusted_set(0, pubkeys, stakes, genesis.consensus)


def trust_checkpoint(checkpoint: Checkpoint, served: Bootstrap, genesis: Genesis) -> TrustedSet:
    """The served set of the checkpoint's epoch, if it matches the checkpoint's commitment."""
    if served.genesis_hash != compute_genesis_hash(genesis):
        raise ForgedValidatorSetError("the node serves another chain (its genesis hash differs)")
    if served.epoch != checkpoint.epoch:
        raise ForgedValidatorSetError(f"asked for epoch {checkpoint.epoch}, got {served.epoch}")
    pubkeys = tuple(v.pubkey for v in served.validators)
    stakes = tuple(v.stake for v in served.validators)
    trusted = build_trusted_set(served.epoch, pubkeys, stakes, genesis.consensus)
    if trusted.commitment != checkpoint.validator_set_commitment:
        raise ForgedValidatorSetError(
            f"the served set of epoch {served.epoch} does not match the checkpoint's commitment"
        )
    return trusted


def get_trusting_period(genesis: Genesis, asked: int | None) -> int:
    """The trusting period in epochs: ``asked``, or one epoch less than unbonding."""
    unbonding = genesis.consensus.unbonding_epochs
    period = unbonding - 1 if asked is None else asked
    if not 0 <= period < unbonding:
        raise StaleCheckpointError(
            f"the trusting period must be shorter than the unbonding period ({unbonding} epochs),"
            f" got {period}"
        )
    return period


def check_checkpoint_age(checkpoint: Checkpoint, current_epoch: int, period: int) -> None:
    """``StaleCheckpointError`` when the checkpoint's epoch is more than ``period`` epochs
    behind the verified ``current_epoch`` (or ahead of it)."""
    age = current_epoch - checkpoint.epoch
    if age > period:
        raise StaleCheckpointError(
            f"checkpoint of epoch {checkpoint.epoch} is {age} epochs old; the trusting period"
            f" is {period} epochs: get a recent checkpoint from a source you trust"
        )
    if age < 0:
        raise StaleCheckpointError(f"checkpoint epoch {checkpoint.epoch} is ahead of the chain")
