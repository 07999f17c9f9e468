"""Leader election: the first validator of a stake x reputation draw order that the round's
*anchor* shows alive, with the reputation read along the proposal's own chain.

**The rule.** The leader of a block ``B`` at round ``r`` in period ``p = r // W`` is
``choose_anchored(weights(p, chain), draw order of r, anchor(B))``, where ``chain`` is ``B``'s
parent and its ancestors and ``anchor(B)`` is read from the parent or ``B``'s TC. Every input is
the proposal's own data or its hash-linked ancestry, so every honest node that checks the same
proposal computes the same leader, whatever it has committed.

**Draw order.** For round ``r`` the validators are drawn one by one without replacement, each draw
proportional to stake x reputation among those not yet drawn; draw ``k`` uses the 256-bit hash of
``seed(epoch, r)`` for ``k = 0`` and of ``H(seed(epoch, r), k)`` after (``iterate_draws``). Draw 0
alone is the plain ``choose_index(stake x reputation, seed(epoch, r))``.

**Anchor** of a proposal of block ``B`` at round ``r`` (``get_proposal_anchor``):

- ``B`` is a *recovery block* (``B.round > B.qc.round + 1``, entered through a timeout): its
  proposal carries ``TC(r - 1)``; the anchor is that TC's signers (they were alive at ``r - 1``).
- otherwise ``B`` extends its parent ``P`` at round ``r - 1`` (``get_successor_anchor(P)``): if
  ``P`` is a recovery block, the leader is ``P.proposer`` (it was drawn from a TC's live signers
  and has just proposed); else the anchor is the signers of ``P.qc`` (QC(r - 2)); a QC without
  signers (genesis) anchors every validator.

The leader is the first validator of the draw order in the anchor (or the sticky proposer). A vote
on ``B`` goes to the leader of ``B.round + 1`` with ``get_successor_anchor(B)`` and ``B``'s chain
(``B`` and its ancestors).

**Reputation** (Aptos-style, ``reputation_leaders.py``): ``weights(p, chain)`` are computed from
the blocks of ``chain`` whose rounds lie in ``[pW - X - W, pW - X)`` (``W`` =
``reputation_window``, ``X`` = ``reputation_exclude_rounds``; from round 1, and plain stakes when
that range is empty). A validator whose proposals failed more than 10% of the time in the window
weighs 1; one that proposed or signed a QC there weighs 1000; an inactive one 10. A round of the
window without a block on the chain is a failed proposal by that round's draw-0 validator, drawn
with the weights of that round's own period along the same chain. The window depends only on the
highest block of the chain below ``pW - X`` (its *top*), so weights are cached per (period, top).

**Determinism and its limits.** A Byzantine proposer may choose which valid TC to attach or which
valid votes its QC carries: that biases who leads, never what is safe. Honest nodes holding
different TCs for ``r - 1`` (or, for their own next round, different highest QCs) may expect
different leaders; competing proposals can split the votes and cost a round. Safety never depends
on the leader: the vote and timeout rules are unchanged.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from zkpov.consensus.encoding import compute_hash, get_bitfield_indices
from zkpov.consensus.messages import Block, TimeoutCert
from zkpov.constants import DOMAIN_LEADER_SEED
from zkpov.types import BlockId, Epoch, Round, ValidatorIndex

__all__ = [
    "EVERYONE",
    "Anchor",
    "BlockLookup",
    "FixedLeaders",
    "LeaderElection",
    "choose_anchored",
    "choose_index",
    "compute_leader_seed",
    "get_proposal_anchor",
    "get_recovery_anchor",
    "get_successor_anchor",
    "is_recovery_block",
    "iterate_draws",
]


@dataclass(frozen=True)
class Anchor:
    """Who may lead a round: ``members`` shown alive (None: everyone), or one ``sticky`` leader."""

    members: frozenset[int] | None = None
    sticky: ValidatorIndex | None = None


EVERYONE = Anchor()


def is_recovery_block(block: Block) -> bool:
    """A block entered through a timeout: it does not extend a QC of the round before it."""
    return block.round > block.qc.round + 1


def get_successor_anchor(parent: Block) -> Anchor:
    """Anchor of the round after ``parent`` for a block extending it (and for votes on it)."""
    if is_recovery_block(parent):
        return Anchor(sticky=parent.proposer)
    bitfield = parent.qc.signers
    signers = frozenset(get_bitfield_indices(bitfield, len(bitfield) * 8))
    return Anchor(members=signers) if signers else EVERYONE


def get_recovery_anchor(tc: TimeoutCert) -> Anchor:
    """Anchor of round ``tc.round + 1`` entered through ``tc``: its signers."""
    return Anchor(members=frozenset(tc.signers))


def get_proposal_anchor(block: Block, tc: TimeoutCert | None, parent: Block) -> Anchor | None:
    """The anchor ``block``'s proposer must satisfy; None for a recovery block without TC(r-1)."""
    if not is_recovery_block(block):
        return get_successor_anchor(parent)
    if tc is None or tc.round + 1 != block.round:
        return None
    return get_recovery_anchor(tc)


BlockLookup = Callable[[BlockId], Block | None]


class LeaderElection(Protocol):
    """Who leads a round given the chain below it (``tip`` and its ancestors) and its anchor."""

    def get_leader(
        self,
        round_: Round,
        tip: Block,
        anchor: Anchor = EVERYONE,
        lookup: BlockLookup | None = None,
    ) -> ValidatorIndex:
        """Leader of ``round_`` for a block extending ``tip``; ``lookup`` finds its ancestors
        (``MissingBlock`` if one is unknown)."""
        ...

    def on_commit(self, block: Block) -> None:
        """``block`` was committed (blocks arrive in chain order): cache its windows, prune."""
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


def choose_anchored(weights: Sequence[int], seed: bytes, anchor: Anchor) -> ValidatorIndex:
    """The sticky leader, else the first draw in the anchor's members (draw 0 if none is)."""
    if anchor.sticky is not None:
        return anchor.sticky
    first = choose_index(weights, seed)
    if anchor.members is None or first in anchor.members:
        return first
    members = anchor.members
    return next((i for i in iterate_draws(weights, seed) if i in members), first)


class FixedLeaders:
    """A fixed schedule (Twins scenarios); rounds not listed fall back to round-robin."""

    def __init__(self, schedule: dict[int, ValidatorIndex], size: int) -> None:
        self.schedule = dict(schedule)
        self.size = size

    def get_leader(
        self,
        round_: Round,
        tip: Block | None = None,
        anchor: Anchor = EVERYONE,
        lookup: BlockLookup | None = None,
    ) -> ValidatorIndex:
        """The scheduled leader; the chain and the anchor are ignored."""
        return self.schedule.get(round_, ValidatorIndex(round_ % self.size))

    def on_commit(self, block: Block) -> None:
        """A fixed schedule ignores history."""
