"""Epoch randomness, RANDAO style: proposers reveal a BLS signature over the epoch.

The reveal's signing root is :func:`zkpov.spec.messages.compute_randao_signing_root`.

A reveal is unique per (key, epoch) and anyone can verify it, so a proposer can only choose to
withhold, never to grind. The epoch seed hashes the previous seed with the mixed reveals in commit
order. A QC's aggregate signature is never used as randomness.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from zkpov.constants import DOMAIN_RANDAO
from zkpov.spec.encoding import compute_hash
from zkpov.types import Epoch

__all__ = ["compute_epoch_seed", "compute_randao_mix", "compute_seed_from_mix"]


def compute_randao_mix(mix: bytes, reveal: bytes) -> bytes:
    """Mix one reveal in: ``mix XOR SHA-256(reveal)`` (Ethereum's ``process_randao``)."""
    digest = hashlib.sha256(reveal).digest()
    return bytes(a ^ b for a, b in zip(mix, digest, strict=True))


def compute_epoch_seed(previous_seed: bytes, epoch: Epoch, reveals: Iterable[bytes]) -> bytes:
    """Seed of ``epoch``: hash of the previous seed and the mixed reveals of the ending epoch."""
    mix = bytes(32)
    for reveal in reveals:
        mix = compute_randao_mix(mix, reveal)
    return compute_seed_from_mix(previous_seed, epoch, mix)


def compute_seed_from_mix(previous_seed: bytes, epoch: Epoch, mix: bytes) -> bytes:
    """Seed of ``epoch`` from the ending epoch's running mix (32 bytes, not every reveal)."""
    return compute_hash(DOMAIN_RANDAO, (previous_seed, epoch, mix))
