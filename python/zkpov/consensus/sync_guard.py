"""What block sync remembers so that answers it cannot use cost a bounded amount.

A node that could not apply a block (its check failed here) fetched it again at every retry and
every new proposal above it, and asked for the parent of every orphan it held, blocks it already
had: a stalled devnet node received about 600 MB of answers in ten minutes. Now a block that
fails its check is *refused* for a while (it and the orphans above it are dropped, the requests
for them end, and nobody is asked for them), and a peer whose answer to a wanted block added
nothing is asked again only after a delay that doubles with each such answer in a row.
"""

from __future__ import annotations

from zkpov.types import BlockId

__all__ = ["MAX_BACKOFF_FACTOR", "REFUSED_CAP", "REFUSE_FACTOR", "PeerBackoff", "RefusedBlocks"]

REFUSED_CAP = 256  # refused ids remembered (the oldest go first)
REFUSE_FACTOR = 64  # retry intervals a refused block is not asked for again
MAX_BACKOFF_FACTOR = 64  # the longest wait before a useless peer is asked again, in intervals
_MAX_STRIKES = 16


class RefusedBlocks:
    """Ids of blocks that failed their checks, each forgotten ``hold`` seconds later (a
    failure that was ours, not the block's, is retried then)."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.until: dict[BlockId, float] = {}

    def add(self, block_id: BlockId, now: float) -> None:
        self.until.pop(block_id, None)
        if len(self.until) >= REFUSED_CAP:
            del self.until[next(iter(self.until))]
        self.until[block_id] = now + self.hold

    def is_refused(self, block_id: BlockId, now: float) -> bool:
        until = self.until.get(block_id)
        if until is None:
            return False
        if now < until:
            return True
        del self.until[block_id]
        return False


class PeerBackoff:
    """Peers whose answers to wanted blocks added nothing: the first such answer in a row is
    free (a slower peer's copy of an answer), then the peer waits ``base`` seconds, twice that
    after the next one, up to ``MAX_BACKOFF_FACTOR * base``; a useful answer clears it."""

    def __init__(self, base: float) -> None:
        self.base = base
        self.strikes: dict[int, int] = {}
        self.until: dict[int, float] = {}

    def on_useless(self, peer: int, now: float) -> None:
        strikes = min(self.strikes.get(peer, 0) + 1, _MAX_STRIKES)
        self.strikes[peer] = strikes
        if strikes > 1:
            self.until[peer] = now + self.base * min(2 ** (strikes - 2), MAX_BACKOFF_FACTOR)

    def on_useful(self, peer: int) -> None:
        self.strikes.pop(peer, None)
        self.until.pop(peer, None)

    def is_ready(self, peer: int, now: float) -> bool:
        return now >= self.until.get(peer, now)
