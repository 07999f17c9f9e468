"""The consensus driver's timers: the deadlines the core scheduled, earliest first.

The driver waits for input until the next deadline, at most ``IDLE_TICK_SECONDS`` (a tick
then runs anyway), and ticks the core at once when a deadline has passed.
"""

from __future__ import annotations

import heapq

__all__ = ["IDLE_TICK_SECONDS", "Deadlines"]

IDLE_TICK_SECONDS = 0.5


class Deadlines:
    """A heap of deadlines (seconds on the driver's clock)."""

    def __init__(self) -> None:
        self.heap: list[float] = []

    def add(self, deadline: float) -> None:
        heapq.heappush(self.heap, deadline)

    def clear(self) -> None:
        """Forget every deadline (the core that set them is gone)."""
        self.heap.clear()

    def get_wait(self, now: float) -> float:
        """0 when a deadline has passed (tick now; those passed are dropped), else the wait
        until the next one, at most ``IDLE_TICK_SECONDS``."""
        heap = self.heap
        if heap and heap[0] <= now:
            while heap and heap[0] <= now:
                heapq.heappop(heap)
            return 0.0
        if not heap:
            return IDLE_TICK_SECONDS
        return min(heap[0] - now, IDLE_TICK_SECONDS)
