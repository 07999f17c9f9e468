"""Leader election: ``choose_index(stake x reputation, seed(epoch, round))``.

Reputation (Aptos-style) for the rounds of period ``p = round // W`` is read from the committed
blocks of the window ``[pW - X - W, pW - X)`` (``W`` = ``reputation_window``, ``X`` =
``reputation_exclude_rounds``). A validator whose proposals failed more than 10% of the time in the
window weighs 1; one that proposed or voted weighs 1000; an inactive one 10. A round in the window
without a committed block is a failed proposal by that round's leader. Once a validator has
committed a block at round ``>= pW - X`` the window is final, so every honest validator that far
computes the same leader: the function of (epoch seed, round, committed history) is deterministic.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from zkpov.chain.reputation import compute_reputation_weights
from zkpov.consensus.encoding import compute_hash
from zkpov.consensus.messages import Block
from zkpov.constants import DOMAIN_LEADER_SEED
from zkpov.types import Epoch, Round, ValidatorIndex

__all__ = [
    "FixedLeaders",
    "LeaderElection",
    "ReputationLeaders",
    "choose_index",
    "compute_leader_seed",
]


class LeaderElection(Protocol):
    """Who leads a round; fed with committed blocks."""

    def get_leader(self, round_: Round) -> ValidatorIndex: ...

    def on_commit(self, block: Block) -> None: ...

    def is_final(self, round_: Round) -> bool:
        """Whether the leader of ``round_`` can no longer change with more commits."""
        ...


def compute_leader_seed(epoch_seed: bytes, epoch: Epoch, round_: Round) -> bytes:
    return compute_hash(DOMAIN_LEADER_SEED, (epoch_seed, epoch, round_))


@lru_cache(maxsize=256)
def _cumulative(weights: tuple[int, ...]) -> list[int]:
    return list(itertools.accumulate(weights))


def choose_index(weights: Sequence[int], seed: bytes) -> ValidatorIndex:
    """Index drawn with probability proportional to ``weights`` from a 256-bit hash of ``seed``."""
    cumulative = _cumulative(tuple(weights))
    if not cumulative or cumulative[-1] <= 0:
        raise ValueError("choose_index needs a positive total weight")
    draw = int.from_bytes(hashlib.sha256(seed).digest(), "big") % cumulative[-1]
    return ValidatorIndex(bisect.bisect_right(cumulative, draw))


class ReputationLeaders:
    """Stake x reputation leader election over one validator's committed history."""

    def __init__(
        self, stakes: Sequence[int], epoch: Epoch, seed: bytes, window: int, exclude: int
    ) -> None:
        self.stakes = tuple(stakes)
        self.epoch = epoch
        self.seed = seed
        self.window = window
        self.exclude = exclude
        self.committed: dict[int, Block] = {}
        self.highest_committed = 0
        self._final_weights: dict[int, tuple[int, ...]] = {}
        self._tentative_weights: dict[int, tuple[int, ...]] = {}

    def on_commit(self, block: Block) -> None:
        self.committed[block.round] = block
        self.highest_committed = max(self.highest_committed, block.round)
        self._tentative_weights.clear()

    def is_final(self, round_: Round) -> bool:
        return self.highest_committed >= (round_ // self.window) * self.window - self.exclude

    def get_leader(self, round_: Round) -> ValidatorIndex:
        weights = self.get_period_weights(round_ // self.window)
        return choose_index(weights, compute_leader_seed(self.seed, self.epoch, round_))

    def get_period_weights(self, period: int) -> tuple[int, ...]:
        """Weights for the rounds of ``period`` (memoized; tentative ones until final)."""
        cached = self._final_weights.get(period) or self._tentative_weights.get(period)
        if cached is not None:
            return cached
        end = period * self.window - self.exclude
        start = max(1, end - self.window)
        weights = self.stakes if end <= start else self._compute_weights(start, end)
        final = self.highest_committed >= end
        (self._final_weights if final else self._tentative_weights)[period] = weights
        return weights

    def _compute_weights(self, start: int, end: int) -> tuple[int, ...]:
        window = tuple(
            (self.committed[r].proposer, self.committed[r].qc.signers)
            for r in range(start, end)
            if r in self.committed
        )
        failed = tuple(
            self.get_leader(Round(r)) for r in range(start, end) if r not in self.committed
        )
        return compute_reputation_weights(self.stakes, window, failed)


class FixedLeaders:
    """A fixed schedule (Twins scenarios); rounds not listed fall back to round-robin."""

    def __init__(self, schedule: dict[int, ValidatorIndex], size: int) -> None:
        self.schedule = dict(schedule)
        self.size = size

    def get_leader(self, round_: Round) -> ValidatorIndex:
        return self.schedule.get(round_, ValidatorIndex(round_ % self.size))

    def on_commit(self, block: Block) -> None:
        """A fixed schedule ignores history."""

    def is_final(self, round_: Round) -> bool:
        return True
