"""Simulated network: latency distributions, loss, and partitions that start and heal."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkpov.types import NodeId

__all__ = ["Latency", "Network", "Partition"]


@dataclass(frozen=True)
class Latency:
    """One-way delay in seconds: ``constant``, ``uniform`` (low..high), ``exponential`` (mean
    added to ``low``) or ``lognormal`` (median ``mean``, shape ``sigma``)."""

    kind: str = "uniform"
    low: float = 0.02
    high: float = 0.08
    mean: float = 0.05
    sigma: float = 0.5

    def sample(self, rng: random.Random) -> float:
        if self.kind == "constant":
            return self.mean
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        if self.kind == "exponential":
            return self.low + rng.expovariate(1.0 / self.mean)
        if self.kind == "lognormal":
            return rng.lognormvariate(0.0, self.sigma) * self.mean
        raise ValueError(f"unknown latency kind {self.kind!r}")


@dataclass(frozen=True)
class Partition:
    """Between ``start`` and ``end`` only nodes in the same group talk; unlisted nodes are alone."""

    start: float
    end: float
    groups: tuple[frozenset[NodeId], ...]

    def is_cut(self, now: float, a: NodeId, b: NodeId) -> bool:
        if not self.start <= now < self.end:
            return False
        return not any(a in group and b in group for group in self.groups)


MessageFilter = Callable[[NodeId, NodeId, object], bool]


class Network:
    """Decides whether and when a message arrives."""

    def __init__(
        self,
        rng: random.Random,
        latency: Latency,
        loss: float = 0.0,
        partitions: Sequence[Partition] = (),
        message_filter: MessageFilter | None = None,
        filter_until: float = float("inf"),
    ) -> None:
        self.rng = rng
        self.latency = latency
        self.loss = loss
        self.partitions = list(partitions)
        self.message_filter = message_filter
        self.filter_until = filter_until
        self.sent = 0
        self.dropped = 0

    def get_delay(self, now: float, src: NodeId, dst: NodeId, message: object) -> float | None:
        """Delay of this delivery, or None if the message is lost or cut off."""
        self.sent += 1
        if src != dst and self._is_dropped(now, src, dst, message):
            self.dropped += 1
            return None
        return 0.0 if src == dst else self.latency.sample(self.rng)

    def _is_dropped(self, now: float, src: NodeId, dst: NodeId, message: object) -> bool:
        if any(p.is_cut(now, src, dst) for p in self.partitions):
            return True
        is_filtering = self.message_filter is not None and now < self.filter_until
        if is_filtering and not self.message_filter(src, dst, message):  # type: ignore[misc]
            return True
        return self.loss > 0 and self.rng.random() < self.loss
