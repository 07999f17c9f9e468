"""Aptos-style leader reputation over a window of committed blocks.

A validator whose proposals failed more than 10% of the time in the window weighs 1; one that
proposed or signed a QC in the window weighs 1000; an inactive one 10. The election weight is that
times its stake. Pure functions, memoized: every node computing the same window gets the same tuple.
"""

from __future__ import annotations

from functools import lru_cache

from zkpov.constants import (
    REPUTATION_ACTIVE_WEIGHT,
    REPUTATION_FAILED_WEIGHT,
    REPUTATION_FAILURE_THRESHOLD,
    REPUTATION_INACTIVE_WEIGHT,
)
from zkpov.spec.encoding import get_bitfield_indices

__all__ = ["compute_reputation", "compute_reputation_weights"]


@lru_cache(maxsize=1 << 14)
def _signers(bitfield: bytes, size: int) -> tuple[int, ...]:
    return tuple(get_bitfield_indices(bitfield, size))


@lru_cache(maxsize=1024)
def compute_reputation_weights(
    stakes: tuple[int, ...], window: tuple[tuple[int, bytes], ...], failed: tuple[int, ...]
) -> tuple[int, ...]:
    """Stake x reputation from committed blocks (proposer, QC signers) and failed leaders."""
    size = len(stakes)
    proposals = [0] * size
    failures = [0] * size
    active = [False] * size
    for proposer, signers in window:
        proposals[proposer] += 1
        active[proposer] = True
        for voter in _signers(signers, size):
            active[voter] = True
    for leader in failed:
        failures[leader] += 1
    return tuple(
        stake * compute_reputation(proposals[i], failures[i], active[i])
        for i, stake in enumerate(stakes)
    )


def compute_reputation(proposals: int, failures: int, active: bool) -> int:
    attempts = proposals + failures
    if attempts and failures > REPUTATION_FAILURE_THRESHOLD * attempts:
        return REPUTATION_FAILED_WEIGHT
    return REPUTATION_ACTIVE_WEIGHT if active else REPUTATION_INACTIVE_WEIGHT
