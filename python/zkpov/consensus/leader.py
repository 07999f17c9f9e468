"""Leader election: a stake x reputation draw order per round, read along the proposal's chain.

**The rule.** The leader of round ``r`` for a block extending ``tip`` is the first validator of
round ``r``'s draw order that is not *skipped*. For every round ``k`` of
``[r - MAX_SKIPPED_ROUNDS, r)`` that has no block on ``tip``'s chain (it failed on this chain),
the two validators that may have failed it are skipped: its *nominal leader* (draw 0 of ``k``),
who should have proposed, and the nominal leader of ``k + 1``, to whom its votes went. Draws use
the weights of their round's period along the chain below them (``reputation_leaders.py``), so
nothing recurses.

Every input is the epoch seed, the round and ``tip``'s hash-linked ancestry, so every honest node
that checks the same proposal computes the same leader, and no proposer can steer it by choosing
which votes its QC aggregates or which TC it attaches (the old rule drew the leader among those
signers, and a coalition under 1/3 of the stake led 75-100% of the blocks by dropping honest
voters). A crashed validator is skipped from the round after its first failure for
``MAX_SKIPPED_ROUNDS`` rounds, about the lag after which the reputation window lowers its weight
for good. Unlike the old rule it must fail once first: with ``f`` validators crashed at once,
each may cost one round before it is skipped. (The proposer still chooses its parent among
certified blocks, as in every chain-based rule, and its QC's signers count as active in a
reputation window ``X`` rounds later.)

**Draw order.** For round ``r`` the validators are drawn one by one without replacement, each draw
proportional to stake x reputation among those not yet drawn; draw ``k`` uses the 256-bit hash of
``seed(epoch, r)`` for ``k = 0`` and of ``H(seed(epoch, r), k)`` after (``iterate_draws``). Draw 0
alone is the plain ``choose_index(stake x reputation, seed(epoch, r))``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from functools import lru_cache
from typing import Protocol

from zkpov.constants import DOMAIN_LEADER_SEED
from zkpov.spec.encoding import compute_hash
from zkpov.spec.messages import Block
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

__all__ = [
    "MAX_SKIPPED_ROUNDS",
    "BlockLookup",
    "FixedLeaders",
    "LeaderElection",
    "choose_first_unskipped",
    "choose_index",
    "compute_leader_seed",
    "get_skip_range",
    "iterate_draws",
]

# How far back a round looks for failed rounds whose nominal leaders it skips: about the lag of
# the reputation window (W + X = 14 by default), and a bound on the work per leader.
MAX_SKIPPED_ROUNDS = 16

BlockLookup = Callable[[BlockId], Block | None]


class LeaderElection(Protocol):
    """Who leads a round given the chain below it (``tip`` and its ancestors)."""

    def get_leader(
        self, round_: Round, tip: Block, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        """Leader of ``round_`` for a block extending ``tip``; ``lookup`` finds its ancestors
        (``MissingBlock`` if one is unknown)."""
        ...

    def on_commit(self, block: Block) -> None:
        """``block`` was committed (blocks arrive in chain order): cache its windows, prune."""
        ...


@lru_cache(maxsize=4096)  # every node of a simulation asks for each round's seed
def compute_leader_seed(epoch_seed: bytes, epoch: Epoch, round_: Round) -> bytes:
    return compute_hash(DOMAIN_LEADER_SEED, (epoch_seed, epoch, round_))


def get_skip_range(round_: Round) -> range:
    """The rounds whose failures ``round_`` looks at."""
    return range(max(1, round_ - MAX_SKIPPED_ROUNDS), round_)


@lru_cache(maxsize=256)
def _cumulative(weights: tuple[int, ...]) -> list[int]:
    return list(itertools.accumulate(weights))


# Cumulative sums of weight tuples by identity: hashing a 1,000-entry tuple for the lru_cache on
# every draw cost more than the draw. Each entry holds its tuple, so its id is not reused.
_BY_IDENTITY: dict[int, tuple[tuple[int, ...], list[int]]] = {}
_IDENTITY_LIMIT = 256


def _get_cumulative(weights: Sequence[int]) -> list[int]:
    entry = _BY_IDENTITY.get(id(weights))
    if entry is not None and entry[0] is weights:
        return entry[1]
    cumulative = _cumulative(tuple(weights))
    if type(weights) is tuple:  # immutable, so its sums stay right (a list may change)
        if len(_BY_IDENTITY) >= _IDENTITY_LIMIT:
            del _BY_IDENTITY[next(iter(_BY_IDENTITY))]  # the oldest
        _BY_IDENTITY[id(weights)] = (weights, cumulative)
    return cumulative


def choose_index(weights: Sequence[int], seed: bytes) -> ValidatorIndex:
    """Index drawn with probability proportional to ``weights`` from a 256-bit hash of ``seed``."""
    cumulative = _get_cumulative(weights)
    if not cumulative or cumulative[-1] <= 0:
        raise ValueError("choose_index needs a positive total weight")
    draw = int.from_bytes(hashlib.sha256(seed).digest(), "big") % cumulative[-1]
    return ValidatorIndex(bisect.bisect_right(cumulative, draw))


def iterate_draws(weights: Sequence[int], seed: bytes) -> Iterator[ValidatorIndex]:
    """Draws without replacement: draw ``k`` over the weights not yet drawn, seeded by ``seed``
    for ``k = 0`` and by ``H(seed, k)`` after; stops when no positive weight is left."""
    remaining = list(weights)
    for k in range(len(remaining)):
        if sum(remaining) <= 0:
            return
        index = choose_index(remaining, seed if k == 0 else compute_hash(seed, (k,)))
        yield index
        remaining[index] = 0


def choose_first_unskipped(
    weights: Sequence[int], seed: bytes, skipped: Collection[int]
) -> ValidatorIndex:
    """The first draw not in ``skipped`` (draw 0 if every validator is skipped)."""
    first = choose_index(weights, seed)
    if first not in skipped:
        return first
    return next((i for i in iterate_draws(weights, seed) if i not in skipped), first)


class FixedLeaders:
    """A fixed schedule (Twins scenarios); rounds not listed fall back to round-robin."""

    def __init__(self, schedule: dict[int, ValidatorIndex], size: int) -> None:
        self.schedule = dict(schedule)
        self.size = size

    def get_leader(
        self, round_: Round, tip: Block | None = None, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        """The scheduled leader; the chain is ignored."""
        return self.schedule.get(round_, ValidatorIndex(round_ % self.size))

    def on_commit(self, block: Block) -> None:
        """A fixed schedule ignores history."""
