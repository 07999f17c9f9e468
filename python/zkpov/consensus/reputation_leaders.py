"""Stake x reputation leader election with the reputation window read along a block's chain.

``leader.py`` states the rule. The weights of period ``p`` along a chain depend only on the chain's
*top* for ``p``: its highest block below round ``pW - X``. They are cached per (period, top id),
so nodes and the simulator's reference compute each window once per chain.

Ancestors are read from the committed history this object is fed (``on_commit``, in chain order)
and, above it, from the caller's ``lookup`` (the node's block tree, the checker's blocks). The walk
stops at height 1: the parent of a height-1 block is the epoch's genesis (height 0), whose round 0
is never in a window.

**Memory** (``prune=True``): each commit computes, along the committed chain, the weights of the
periods it made final (``pW - X <= root.round``; ``F`` the last one), then drops cached weights
of periods below ``L = min(root.round // W, F - 1)`` and committed blocks below the top of ``L``.
A later request is for a round above the root, so for a period ``>= L``; a final one is cached,
and a non-final one ``p >= F + 1`` recurses only into periods ``>= p - 2 >= F - 1``, which are
cached or above the root. What remains is a few periods of weights and about ``2W + X`` blocks.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import deque
from collections.abc import Iterator, Sequence

from zkpov.chain.reputation import compute_reputation_weights
from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.leader import (
    EVERYONE,
    Anchor,
    BlockLookup,
    choose_anchored,
    choose_index,
    compute_leader_seed,
)
from zkpov.consensus.messages import Block
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

__all__ = ["ReputationLeaders"]

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
        self.weights: dict[WeightsKey, tuple[int, ...]] = {}

    def get_leader(
        self,
        round_: Round,
        tip: Block,
        anchor: Anchor = EVERYONE,
        lookup: BlockLookup | None = None,
    ) -> ValidatorIndex:
        """First validator of ``round_``'s draw order in ``anchor``, with the weights of
        ``round_``'s period along ``tip``'s chain (``tip`` and its ancestors)."""
        weights = self.get_weights(round_ // self.window, tip, lookup)
        seed = compute_leader_seed(self.seed, self.epoch, round_)
        return choose_anchored(weights, seed, anchor)

    def get_weights(
        self, period: int, tip: Block | None, lookup: BlockLookup | None = None
    ) -> tuple[int, ...]:
        """Stake x reputation for the rounds of ``period`` along ``tip``'s chain."""
        end = self.get_window_end(period)
        if end <= 1:
            return self.stakes
        return self._get_cached(period, self._find_top(tip, end, lookup), lookup)

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

    def _get_cached(
        self, period: int, top: Block | None, lookup: BlockLookup | None
    ) -> tuple[int, ...]:
        key = (period, None if top is None else top.id)
        weights = self.weights.get(key)
        if weights is None:
            weights = self.weights[key] = self._compute_weights(period, top, lookup)
        return weights

    def _compute_weights(
        self, period: int, top: Block | None, lookup: BlockLookup | None
    ) -> tuple[int, ...]:
        end = self.get_window_end(period)
        start = max(1, end - self.window)
        chain = self._iterate_chain(top, lookup)
        blocks = list(itertools.takewhile(lambda b: b.round >= start, chain))
        present = {b.round for b in blocks}
        window = tuple((b.proposer, b.qc.signers) for b in reversed(blocks))
        missing = (Round(r) for r in range(start, end) if r not in present)
        failed = tuple(self._get_draw_zero(r, top, lookup) for r in missing)
        return compute_reputation_weights(self.stakes, window, failed)

    def _get_draw_zero(
        self, round_: Round, top: Block | None, lookup: BlockLookup | None
    ) -> ValidatorIndex:
        """Who a failed ``round_`` is blamed on: its draw 0 along the same chain."""
        weights = self.get_weights(round_ // self.window, top, lookup)
        return choose_index(weights, compute_leader_seed(self.seed, self.epoch, round_))

    # -- chains ----------------------------------------------------------------------------------

    def _find_top(self, block: Block | None, end: int, lookup: BlockLookup | None) -> Block | None:
        """The highest block of ``block``'s chain (``block`` included) below round ``end``."""
        return next((b for b in self._iterate_chain(block, lookup) if b.round < end), None)

    def _iterate_chain(self, block: Block | None, lookup: BlockLookup | None) -> Iterator[Block]:
        """``block`` and its ancestors above the genesis, newest first."""
        while block is not None and block.height > 0:
            yield block
            block = self._get_parent(block, lookup)

    def _get_parent(self, block: Block, lookup: BlockLookup | None) -> Block | None:
        """``block``'s parent; None below height 1 (genesis); ``MissingBlock`` if unknown."""
        if block.height <= 1:
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
        self.weights = {key: w for key, w in self.weights.items() if key[0] >= low}
        end = self.get_window_end(low)
        while len(self.history) > 1 and self.history[1].round < end:
            del self.committed[self.history.popleft().id]
