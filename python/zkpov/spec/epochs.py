"""What epoch changes send and store: an epoch's set, how an epoch ended, and the proof of it.

These are plain data, defined here so that the wire codec (:mod:`zkpov.spec.codec.epochs`) can
encode them; the rules that verify them live in :mod:`zkpov.consensus.epochs.proof`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from zkpov.config import ConsensusConfig
from zkpov.spec.messages import Block, QuorumCert
from zkpov.spec.signing import SignatureScheme
from zkpov.spec.validators import ValidatorSet, compute_validator_set_commitment
from zkpov.types import BLSPubkey, Epoch, Root, Stake

__all__ = [
    "MAX_EPOCH_CHANGE_PROOF_LENGTH",
    "MAX_SUFFIX_BLOCKS",
    "EpochChangeProof",
    "EpochChangeRequest",
    "EpochEnding",
    "EpochSet",
]

MAX_EPOCH_CHANGE_PROOF_LENGTH = 64  # endings in one proof (a peer serves more in several)
MAX_SUFFIX_BLOCKS = 16  # blocks between R and the committed block in one ending


@dataclass(frozen=True)
class EpochSet:
    """Validators of ``epoch``: consensus index ``i`` is registry index ``members[i]`` (a
    validator's place in the chain state's list, stable across epochs)."""

    epoch: Epoch
    members: tuple[int, ...]
    pubkeys: tuple[BLSPubkey, ...]
    stakes: tuple[Stake, ...]
    seed: bytes

    @cached_property
    def commitment(self) -> Root:
        """What the reconfiguration header names and the epoch's headers carry."""
        return compute_validator_set_commitment(self.epoch, self.pubkeys, self.stakes)

    def build_vset(self, scheme: SignatureScheme, config: ConsensusConfig) -> ValidatorSet:
        """``ValidatorError`` for an empty set (no validator met ``min_stake``)."""
        return ValidatorSet(self.epoch, self.pubkeys, self.stakes, scheme, config, self.seed)


@dataclass(frozen=True)
class EpochEnding:
    """How epoch ``block.epoch`` ended: R, its suffix, the commit QC and the next set."""

    block: Block
    suffix: tuple[Block, ...]
    commit_qc: QuorumCert
    next_set: EpochSet


@dataclass(frozen=True)
class EpochChangeProof:
    endings: tuple[EpochEnding, ...]


@dataclass(frozen=True)
class EpochChangeRequest:
    """A validator in ``epoch`` heard a later epoch: how did ``epoch`` end?"""

    epoch: Epoch
