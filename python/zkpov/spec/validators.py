"""The epoch's validator set as consensus sees it: keys, stake weights and thresholds."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from zkpov.config import ConsensusConfig
from zkpov.errors import ValidatorError
from zkpov.spec.signing import KeyRing, SignatureScheme
from zkpov.types import BLSPubkey, Epoch, Root, Stake

__all__ = ["VALIDATOR_SET_TAG", "ValidatorSet", "compute_validator_set_commitment"]

_POWER_CACHE_LIMIT = 4096  # verified signer bitfields remembered (an LRU)
VALIDATOR_SET_TAG = b"zkpov/validator-set/v1"  # the commitment's prefix (the EVM contract's too)


def compute_validator_set_commitment(
    epoch: int, pubkeys: Sequence[bytes], stakes: Sequence[int]
) -> Root:
    """SHA-256 of the tag, the epoch (8 bytes) and each key (48 bytes) with its stake (16 bytes,
    big-endian): what a light client's checkpoint names and what a node serves."""
    digest = hashlib.sha256(VALIDATOR_SET_TAG + epoch.to_bytes(8, "big"))
    for pubkey, stake in zip(pubkeys, stakes, strict=True):
        digest.update(bytes(pubkey) + stake.to_bytes(16, "big"))
    return Root(digest.digest())


@dataclass(frozen=True)
class ValidatorSet:
    """Validators of one epoch, indexed 0..n-1; keys were PoP-checked at registration."""

    epoch: Epoch
    pubkeys: tuple[BLSPubkey, ...]
    stakes: tuple[Stake, ...]
    scheme: SignatureScheme
    config: ConsensusConfig
    seed: bytes = bytes(32)
    _power_cache: OrderedDict[bytes, int] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.pubkeys or len(self.pubkeys) != len(self.stakes):
            raise ValidatorError("a validator set needs as many stakes as keys, at least one")
        if any(stake <= 0 for stake in self.stakes):
            raise ValidatorError("every validator in a set has positive stake")
        if len(set(self.pubkeys)) != len(self.pubkeys):
            raise ValidatorError("duplicate public key in validator set")

    def __len__(self) -> int:
        return len(self.pubkeys)

    @cached_property
    def keyring(self) -> KeyRing:
        return self.scheme.make_keyring(self.pubkeys)

    @cached_property
    def commitment(self) -> Root:
        """``compute_validator_set_commitment`` of this set (what its headers carry)."""
        return compute_validator_set_commitment(self.epoch, self.pubkeys, self.stakes)

    @cached_property
    def total_stake(self) -> Stake:
        return Stake(sum(self.stakes))

    @cached_property
    def quorum_power(self) -> Stake:
        """Power a QC or TC needs: more than 2/3 of the stake (and the configured threshold)."""
        return self.config.get_quorum_power(self.total_stake)

    @cached_property
    def echo_power(self) -> Stake:
        """Power of timeouts that makes an honest validator time out too: more than 1/3."""
        return Stake(self.total_stake // 3 + 1)

    def is_member(self, index: int) -> bool:
        return isinstance(index, int) and 0 <= index < len(self.pubkeys)

    def get_power(self, indices: Iterable[int]) -> Stake:
        """Stake of the distinct validators in ``indices``."""
        return Stake(sum(self.stakes[i] for i in set(indices)))

    def get_signers_power(self, bitfield: bytes, indices: Sequence[int]) -> Stake:
        """Stake of ``indices``, the set bits of ``bitfield``; read from the cache of verified
        bitfields when there (a certificate is checked by many nodes of one process)."""
        power = self._power_cache.get(bitfield)
        if power is None:
            return self.get_power(indices)
        self._power_cache.move_to_end(bitfield)
        return Stake(power)

    def remember_signers_power(self, bitfield: bytes, power: int) -> None:
        """Cache the power of a bitfield whose certificate verified (bounded: least recent out)."""
        self._power_cache[bitfield] = power
        self._power_cache.move_to_end(bitfield)
        if len(self._power_cache) > _POWER_CACHE_LIMIT:
            self._power_cache.popitem(last=False)

    def get_power_cache_size(self) -> int:
        return len(self._power_cache)
