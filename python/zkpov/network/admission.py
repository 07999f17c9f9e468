"""Who may hold a connection slot, and when the node spends a signature check on a handshake.

All of it is keyed by the source IP address (never by anything the peer says) and bounded:

- :class:`SourceSlots`: at most ``per_source`` slots per address and ``total`` overall (the
  P2P listener's pending handshakes, the RPC server's connections). A newcomer is never refused
  for a full table: it evicts the oldest slot of its own address, or when the table is full the
  oldest of the address holding the most. Connections held open and idle (slow-loris) therefore
  cannot keep anyone out: an honest handshake or request takes milliseconds, and is the newest.
- :class:`VerifyBudget`: a token bucket per address taken just before the hello's BLS check
  (the expensive step of a handshake), for at most ``capacity`` addresses.
- :class:`RefusalLog`: refusals counted by a fixed reason, reported as one summary line per
  ``interval`` seconds instead of one line per refusal.

Sans-I/O: callers pass the clock and close what ``SourceSlots`` evicts.
"""

from __future__ import annotations

from collections import Counter
from typing import Generic, TypeVar

from zkpov.network.ratelimit import TokenBucket

__all__ = ["RefusalLog", "SourceSlots", "VerifyBudget"]

K = TypeVar("K")


class SourceSlots(Generic[K]):
    """Slots by source address, oldest first (see the module docstring)."""

    def __init__(self, per_source: int, total: int) -> None:
        if not 0 < per_source <= total:
            raise ValueError("need 0 < per_source <= total")
        self.per_source, self.total = per_source, total
        self._by_source: dict[str, dict[K, None]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def get_all(self) -> list[K]:
        return [key for keys in self._by_source.values() for key in keys]

    def count(self, source: str) -> int:
        return len(self._by_source.get(source, ()))

    def add(self, source: str, key: K) -> list[K]:
        """Records ``key`` from ``source``; returns the keys it evicts (to be closed)."""
        evicted: list[K] = []
        if self.count(source) >= self.per_source:
            evicted.append(self._pop_oldest(source))
        if self._count >= self.total:
            evicted.append(self._pop_oldest(self._get_heaviest_source()))
        self._by_source.setdefault(source, {})[key] = None
        self._count += 1
        return evicted

    def discard(self, source: str, key: K) -> None:
        """Forget ``key`` (its slot ended); a no-op if it was evicted already."""
        keys = self._by_source.get(source)
        if keys is not None and key in keys:
            del keys[key]
            self._count -= 1
            if not keys:
                del self._by_source[source]

    def _pop_oldest(self, source: str) -> K:
        oldest = next(iter(self._by_source[source]))
        self.discard(source, oldest)
        return oldest

    def _get_heaviest_source(self) -> str:
        return max(self._by_source, key=lambda source: len(self._by_source[source]))


class VerifyBudget:
    """A token bucket per source address for hello signature checks; at most ``capacity``
    addresses are tracked (the longest-tracked is dropped first)."""

    def __init__(self, rate: float, burst: float, capacity: int = 1024) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.rate, self.burst, self.capacity = rate, burst, capacity
        self._buckets: dict[str, TokenBucket] = {}

    def try_take(self, source: str, now: float) -> bool:
        """True if ``source`` may have one more signature checked now."""
        bucket = self._buckets.get(source)
        if bucket is None:
            if len(self._buckets) >= self.capacity:
                del self._buckets[next(iter(self._buckets))]
            bucket = self._buckets[source] = TokenBucket(self.rate, self.burst, now)
        return bucket.try_take(1, now)

    def __len__(self) -> int:
        return len(self._buckets)


class RefusalLog:
    """Counts refusals by reason; :meth:`on_refused` returns a summary line when one is due."""

    def __init__(
        self, interval: float = 10.0, summary: str = "refused {total} inbound connection(s)"
    ) -> None:
        self.interval, self.summary = interval, summary
        self._counts: Counter[str] = Counter()
        self._last: float | None = None

    def on_refused(self, reason: str, now: float) -> str | None:
        """Counts one refusal; the summary of all counted since the last line, if it is due."""
        self._counts[reason] += 1
        if self._last is not None and now - self._last < self.interval:
            return None
        return self.flush(now)

    def flush(self, now: float) -> str | None:
        """The summary of the refusals not yet reported (None if there are none)."""
        if not self._counts:
            return None
        total = sum(self._counts.values())
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(self._counts.items()))
        self._counts.clear()
        self._last = now
        return f"{self.summary.format(total=total)} ({reasons})"
