"""Stake x reputation leader election with the reputation window read along a block's chain.

``leader.py`` states the rule. **Reputation** (Aptos-style): ``weights(p, chain)`` are computed
from the blocks of ``chain`` whose rounds lie in ``[pW - X - W, pW - X)`` (``W`` =
``reputation_window``, ``X`` = ``reputation_exclude_rounds``; from round 1, and plain stakes when
that range is empty). A validator whose proposals failed more than 10% of the time in the window
weighs 1; one that proposed or signed a QC there weighs 1000; an inactive one 10. A round of the
window without a block on the chain is a failed proposal by that round's leader under the rule,
read along the chain below the gap. The window depends only on the chain's *top* for ``p`` (its
highest block below round ``pW - X``), so weights are cached per (period, top id).

**No recursion.** The weights of ``p`` need those of ``p - 1`` and ``p - 2`` (the failed rounds
of its window lie there). ``get_weights`` walks the chain down once until two consecutive periods
are known, then computes the missing ones bottom-up, so its depth never grows with the history
(a long stretch without QCs costs one pass, then it is cached).

**Memory** (``prune=True``): each commit computes, along the committed chain, the weights of the
periods it made final, then drops cached weights of periods below ``L = min(root.round // W,
F - 1)`` (``F`` the last final period) and committed blocks below the top of ``L``. The cache is
also capped at ``MAX_CACHED_WEIGHTS`` entries (oldest first out).
"""

from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence

from zkpov.chain.reputation import compute_reputation_weights
from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.leader import (
    BlockLookup,
    choose_first_unskipped,
    compute_leader_seed,
    get_skipped_rounds,
)
from zkpov.consensus.messages import Block
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

__all__ = ["MAX_CACHED_WEIGHTS", "ReputationLeaders"]

MAX_CACHED_WEIGHTS = 8192

WeightsKey = tuple[int, BlockId | None]  # (period, top id; None: no block below the window's end)


class ReputationLeaders:
    """Stake x reputation leader election along chains (module docstring)."""

    def __init__(
        self,
        stakes: Sequence[int],
        epoch: Epoch,
        seed: bytes,
        window: int,
        exclude: int,
        *,
        prune: bool = True,
    ) -> None:
        self.stakes = tuple(stakes)
        self.epoch, self.seed = epoch, seed
        self.window, self.exclude = window, exclude
        self.prune = prune
        self.committed: dict[BlockId, Block] = {}
        self.history: deque[Block] = deque()
        self.root: Block | None = None
        self.final_period = 0
        self.weights: OrderedDict[WeightsKey, tuple[int, ...]] = OrderedDict()

    def get_leader(
        self, round_: Round, tip: Block | None, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        """Leader of ``round_`` for a block extending ``tip`` (None: the genesis): the first
        draw of ``round_`` that is not the leader of a failed round since ``tip``."""
        skipped: list[ValidatorIndex] = []
        for failed in get_skipped_rounds(Round(0 if tip is None else tip.round), round_):
            skipped.append(self._choose(Round(failed), tip, skipped, lookup))
        return self._choose(round_, tip, skipped, lookup)

    def _choose(
        self,
        round_: Round,
        tip: Block | None,
        skipped: list[ValidatorIndex],
        lookup: BlockLookup | None,
    ) -> ValidatorIndex:
        weights = self.get_weights(round_ // self.window, tip, lookup)
        seed = compute_leader_seed(self.seed, self.epoch, round_)
        return choose_first_unskipped(weights, seed, skipped)

    def get_weights(
        self, period: int, tip: Block | None, lookup: BlockLookup | None = None
    ) -> tuple[int, ...]:
        """Stake x reputation for the rounds of ``period`` along ``tip``'s chain."""
        if self.get_window_end(period) <= 1:
            return self.stakes
        weights = self.stakes
        for key, top in reversed(self._collect_tops(period, tip, lookup)):
            cached = self.weights.get(key)
            weights = cached or self._compute_weights(key[0], top, lookup)
            if cached is None:
                self._store(key, weights)
        return weights

    def get_window_end(self, period: int) -> int:
        """First round after the window of ``period``: ``period * W - X``."""
        return period * self.window - self.exclude

    def on_commit(self, block: Block) -> None:
        """Record a committed block (in chain order), cache newly final windows, prune."""
        if self.root is not None and block.round <= self.root.round:
            return
        self.committed[block.id] = block
        self.history.append(block)
        self.root = block
        self._finalize(block)
        if self.prune:
            self._prune(block)

    # -- windows ---------------------------------------------------------------------------------

    def _collect_tops(
        self, period: int, tip: Block | None, lookup: BlockLookup | None
    ) -> list[tuple[WeightsKey, Block | None]]:
        """(key, top) for ``period`` and below, newest first, down to two known periods in a
        row (cached, or before any window): everything ``period`` needs, in one chain walk."""
        chain = self._iterate_chain(tip, lookup)
        block = next(chain, None)
        tops: list[tuple[WeightsKey, Block | None]] = []
        known_in_a_row = 0
        for q in range(period, 0, -1):
            end = self.get_window_end(q)
            if end <= 1 or known_in_a_row == 2:
                break
            while block is not None and block.round >= end:
                block = next(chain, None)
            key = (q, None if block is None else block.id)
            tops.append((key, block))
            known_in_a_row = known_in_a_row + 1 if key in self.weights else 0
        return tops

    def _compute_weights(
        self, period: int, top: Block | None, lookup: BlockLookup | None
    ) -> tuple[int, ...]:
        end = self.get_window_end(period)
        start = max(1, end - self.window)
        chain = self._iterate_chain(top, lookup)
        blocks = list(itertools.takewhile(lambda b: b.round >= start, chain))
        below = blocks[-1] if blocks else top
        below = self._get_parent(below, lookup) if blocks else below
        window = tuple((b.proposer, b.qc.signers) for b in reversed(blocks))
        failed = tuple(self._get_failed_leaders(start, end, list(reversed(blocks)), below, lookup))
        return compute_reputation_weights(self.stakes, window, failed)

    def _get_failed_leaders(
        self,
        start: int,
        end: int,
        blocks: list[Block],
        below: Block | None,
        lookup: BlockLookup | None,
    ) -> Iterator[ValidatorIndex]:
        """Who each round of ``[start, end)`` without a block is blamed on: its leader along
        the chain below it (``blocks`` oldest first; ``below`` the block before them)."""
        present = {b.round for b in blocks}
        before = below
        chain_blocks = iter(blocks)
        upcoming = next(chain_blocks, None)
        for round_ in range(start, end):
            if upcoming is not None and upcoming.round == round_:
                before, upcoming = upcoming, next(chain_blocks, None)
            if round_ not in present:
                yield self.get_leader(Round(round_), before, lookup)

    def _store(self, key: WeightsKey, weights: tuple[int, ...]) -> None:
        self.weights[key] = weights
        while len(self.weights) > MAX_CACHED_WEIGHTS:
            self.weights.popitem(last=False)

    # -- chains ----------------------------------------------------------------------------------

    def _iterate_chain(self, block: Block | None, lookup: BlockLookup | None) -> Iterator[Block]:
        """``block`` and its ancestors above the genesis, newest first."""
        while block is not None and block.height > 0:
            yield block
            block = self._get_parent(block, lookup)

    def _get_parent(self, block: Block | None, lookup: BlockLookup | None) -> Block | None:
        """``block``'s parent; None below height 1 (genesis); ``MissingBlock`` if unknown."""
        if block is None or block.height <= 1:
            return None
        parent = self.committed.get(block.parent_id)
        if parent is None and lookup is not None:
            parent = lookup(block.parent_id)
        if parent is None:
            raise MissingBlock(block.parent_id)
        return parent

    # -- commits ---------------------------------------------------------------------------------

    def _finalize(self, root: Block) -> None:
        """Compute, along the committed chain, the windows that ``root`` made final."""
        last = (root.round + self.exclude) // self.window
        for period in range(self.final_period + 1, last + 1):
            with contextlib.suppress(MissingBlock):  # a history fed without its start
                self.get_weights(period, root)
        self.final_period = max(self.final_period, last)

    def _prune(self, root: Block) -> None:
        """Drop weights of periods below ``L`` and committed blocks below the top of ``L``."""
        low = min(root.round // self.window, self.final_period - 1)
        for key in [key for key in self.weights if key[0] < low]:
            del self.weights[key]
        end = self.get_window_end(low)
        while len(self.history) > 1 and self.history[1].round < end:
            del self.committed[self.history.popleft().id]
