"""An epoch's validator set as the chain state elects it: members, keys, stakes and seed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from zkpov.chain.containers import ChainState, RegistryIndex
from zkpov.config import ConsensusConfig
from zkpov.spec.signing import SignatureScheme
from zkpov.spec.validators import ValidatorSet, compute_validator_set_commitment
from zkpov.types import BLSPubkey, Epoch, Root, Stake

__all__ = ["EpochSet", "get_epoch_set"]


@dataclass(frozen=True)
class EpochSet:
    """Validators of ``epoch``: consensus index ``i`` is registry index ``members[i]``."""

    epoch: Epoch
    members: tuple[RegistryIndex, ...]
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


def get_epoch_set(state: ChainState) -> EpochSet:
    """The active set of ``state``'s epoch (after the transition that elected it)."""
    pubkeys = tuple(state.validators[i].pubkey for i in state.active)
    return EpochSet(state.epoch, tuple(state.active), pubkeys, state.active_stakes, state.seed)
