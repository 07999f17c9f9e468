"""Messages of the next epoch that arrive before this validator switched to it.

Peers that committed the reconfiguration block first start the next epoch a little earlier;
their first proposal and votes are kept briefly and replayed after the switch. Only the very
next epoch is kept (a later one cannot be checked without the sets in between), at most
``MAX_FUTURE_PER_PEER`` per sender and ``MAX_FUTURE_TOTAL`` in all, each for
``FUTURE_HOLD_SECONDS``; when full, newer messages are refused (the first ones of an epoch are
the ones a validator needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.chain.containers import RegistryIndex
from zkpov.types import Epoch

__all__ = ["MAX_FUTURE_PER_PEER", "MAX_FUTURE_TOTAL", "FutureEpochBuffer", "HeldMessage"]

MAX_FUTURE_PER_PEER = 8
MAX_FUTURE_TOTAL = 256
FUTURE_HOLD_SECONDS = 10.0


@dataclass(frozen=True)
class HeldMessage:
    epoch: Epoch
    sender: RegistryIndex
    message: object
    arrived: float


class FutureEpochBuffer:
    """Bounded per sender and overall; ``take`` hands back one epoch's messages in order."""

    def __init__(self) -> None:
        self.held: list[HeldMessage] = []
        self.per_peer: dict[RegistryIndex, int] = {}
        self.refused = 0

    def add(self, held: HeldMessage) -> bool:
        """Keep ``held`` unless its sender's or the overall quota is spent (stale ones first
        give their place back)."""
        self._expire(held.arrived)
        count = self.per_peer.get(held.sender, 0)
        if count >= MAX_FUTURE_PER_PEER or len(self.held) >= MAX_FUTURE_TOTAL:
            self.refused += 1
            return False
        self.per_peer[held.sender] = count + 1
        self.held.append(held)
        return True

    def take(self, epoch: Epoch, now: float) -> list[HeldMessage]:
        """Messages of ``epoch`` still fresh at ``now``; everything else held is dropped."""
        fresh = [
            h for h in self.held if h.epoch == epoch and now - h.arrived <= FUTURE_HOLD_SECONDS
        ]
        self.held, self.per_peer = [], {}
        return fresh

    def _expire(self, now: float) -> None:
        if self.held and now - self.held[0].arrived > FUTURE_HOLD_SECONDS:
            self.held = [h for h in self.held if now - h.arrived <= FUTURE_HOLD_SECONDS]
            self.per_peer = {}
            for held in self.held:
                self.per_peer[held.sender] = self.per_peer.get(held.sender, 0) + 1

    def __len__(self) -> int:
        return len(self.held)
