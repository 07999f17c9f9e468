"""Virtual time and the event queue: events run in (time, sequence) order, deterministically."""

from __future__ import annotations

import heapq
from collections.abc import Callable

__all__ = ["EventQueue"]


class EventQueue:
    """A min-heap of callbacks keyed by virtual time; ties break by insertion order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    def schedule(self, at: float, run: Callable[[], None]) -> None:
        """Run ``run`` at virtual time ``at`` (never earlier than now)."""
        self._seq += 1
        heapq.heappush(self._heap, (max(at, self.now), self._seq, run))

    def run_next(self) -> bool:
        """Advance time to the next event and run it; False when the queue is empty."""
        if not self._heap:
            return False
        self.now, _, run = heapq.heappop(self._heap)
        run()
        return True

    def __len__(self) -> int:
        return len(self._heap)
