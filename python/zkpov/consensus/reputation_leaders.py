"""Stake x reputation leader election with the reputation window read along a block's chain.

``leader.py`` states the rule. **Reputation** (Aptos-style): ``weights(p, chain)`` are computed
from the blocks of ``chain`` whose rounds lie in ``[pW - X - W, pW - X)`` (``W`` =
``reputation_window``, ``X`` = ``reputation_exclude_rounds``; from round 1, and plain stakes when
that range is empty). A validator whose proposals failed more than 10% of the time in the window
weighs 1; one that proposed or signed a QC there weighs 1000; an inactive one 10. A round of the
window without a block on the chain is a failed proposal by that round's nominal leader (its
draw 0, read along the chain below the gap). The window depends only on the chain's *top* for
``p`` (its highest block below round ``pW - X``), so weights are cached per (period, top id).

**No deep recursion.** A window's failed rounds are blamed on their actual leaders, whose
rule reads the weights of up to ``depth`` periods below the window (their own periods, and the
nominal leaders of ``MAX_SKIPPED_ROUNDS`` rounds before each). ``get_weights`` walks the chain
down once until ``depth`` consecutive periods are known, then computes the missing ones
bottom-up, so the call depth never grows with the history (a long stretch without QCs costs one
pass, then it is cached).

**Memory** (``prune=True``): each commit computes, along the committed chain, the weights of the
periods it made final (``F`` the last one), then drops cached weights of periods below
``L = min((root.round - MAX_SKIPPED_ROUNDS) // W, F + 1 - depth)`` and committed blocks that no
window or skip range of a period ``>= L`` reaches. The caches are also capped at
``MAX_CACHED_WEIGHTS`` entries (oldest first out).
"""

from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.leader import (
    MAX_SKIPPED_ROUNDS,
    BlockLookup,
    choose_first_unskipped,
    choose_index,
    compute_leader_seed,
    get_skip_range,
)
from zkpov.consensus.reputation import compute_reputation_weights
from zkpov.spec.messages import Block
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

__all__ = ["MAX_CACHED_WEIGHTS", "ReputationLeaders"]

MAX_CACHED_WEIGHTS = 8192

T = TypeVar("T")
Blame = Callable[[Round, Block | None, BlockLookup | None], T]
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
        # periods below a window that its computation reads (its rounds' own periods, and the
        # nominal leaders of up to MAX_SKIPPED_ROUNDS rounds before each of them)
        self.depth = (exclude + window + MAX_SKIPPED_ROUNDS) // window + 2
        self.prune = prune
        self.committed: dict[BlockId, Block] = {}
        self.history: deque[Block] = deque()
        self.root: Block | None = None
        self.final_period = 0
        self.weights: OrderedDict[WeightsKey, tuple[int, ...]] = OrderedDict()
        self.leaders: OrderedDict[tuple[Round, BlockId | None], ValidatorIndex] = OrderedDict()

    def get_leader(
        self, round_: Round, tip: Block | None, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        """Leader of ``round_`` for a block extending ``tip`` (None: the genesis): the first
        draw of ``round_`` that is no suspect of a round that failed on the chain."""
        key = (round_, None if tip is None else tip.id)
        leader = self.leaders.get(key)
        if leader is None:
            rounds = get_skip_range(round_)
            suspects = self._get_failed_leaders(rounds, tip, lookup, self._get_suspects)
            skipped = {index for pair in suspects for index in pair}
            weights = self.get_weights(round_ // self.window, tip, lookup)
            seed = compute_leader_seed(self.seed, self.epoch, round_)
            leader = self.leaders[key] = choose_first_unskipped(weights, seed, skipped)
            if len(self.leaders) > MAX_CACHED_WEIGHTS:
                self.leaders.popitem(last=False)
        return leader

    def _get_suspects(
        self, round_: Round, before: Block | None, lookup: BlockLookup | None
    ) -> tuple[ValidatorIndex, ValidatorIndex]:
        """Who may have failed ``round_``: its nominal proposer, or the nominal leader of the
        round after it, to whom its votes went."""
        after = Round(round_ + 1)
        return self.get_nominal_leader(round_, before, lookup), self.get_nominal_leader(
            after, before, lookup
        )

    def get_nominal_leader(
        self, round_: Round, tip: Block | None, lookup: BlockLookup | None = None
    ) -> ValidatorIndex:
        """Draw 0 of ``round_`` along ``tip``'s chain: who a failed ``round_`` is blamed on."""
        weights = self.get_weights(round_ // self.window, tip, lookup)
        return choose_index(weights, compute_leader_seed(self.seed, self.epoch, round_))

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
        """(key, top) for ``period`` and below, newest first, down to ``depth`` known periods in
        a row (or before any window): everything ``period`` needs, in one chain walk."""
        chain = self._iterate_chain(tip, lookup)
        block = next(chain, None)
        tops: list[tuple[WeightsKey, Block | None]] = []
        known_in_a_row = 0
        for q in range(period, 0, -1):
            end = self.get_window_end(q)
            if end <= 1 or known_in_a_row == self.depth:
                break
            while block is not None and block.round >= end:
                block = next(chain, None)
            key = (q, None if block is None else block.id)
            tops.append((key, block))
            known_in_a_row = known_in_a_row + 1 if key in self.weights else 0
            if known_in_a_row == len(tops):  # the requested period itself is known
                break
        return tops

    def _compute_weights(
        self, period: int, top: Block | None, lookup: BlockLookup | None
    ) -> tuple[int, ...]:
        end = self.get_window_end(period)
        start = max(1, end - self.window)
        blocks = self._get_chain_from(start, top, lookup)
        window = tuple((b.proposer, b.qc.signers) for b in reversed(blocks))
        failed = self._get_failed_leaders(range(start, end), top, lookup, self.get_leader)
        return compute_reputation_weights(self.stakes, window, tuple(failed))

    def _get_chain_from(
        self, start: int, top: Block | None, lookup: BlockLookup | None
    ) -> list[Block]:
        """The blocks of ``top``'s chain at rounds >= ``start``, newest first."""
        chain = self._iterate_chain(top, lookup)
        return list(itertools.takewhile(lambda b: b.round >= start, chain))

    def _get_failed_leaders(
        self, rounds: range, top: Block | None, lookup: BlockLookup | None, blame: Blame[T]
    ) -> Iterator[T]:
        """Who ``blame`` names for each round of ``rounds`` without a block on ``top``'s chain
        (``top`` at or above their end), read along the chain below that round."""
        chain = self._get_chain_from(rounds.start, top, lookup)
        before = self._get_parent(chain[-1], lookup) if chain else top
        upcoming = list(reversed(chain))
        present = {b.round for b in chain}
        for round_ in rounds:
            while upcoming and upcoming[0].round < round_:
                before = upcoming.pop(0)
            if round_ not in present:
                yield blame(Round(round_), before, lookup)

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
        skip_start = root.round - MAX_SKIPPED_ROUNDS
        low = min(skip_start // self.window, self.final_period + 1 - self.depth)
        for key in [key for key in self.weights if key[0] < low]:
            del self.weights[key]
        end = min(self.get_window_end(low) - self.window, skip_start) - MAX_SKIPPED_ROUNDS
        while len(self.history) > 1 and self.history[1].round < end:
            del self.committed[self.history.popleft().id]
