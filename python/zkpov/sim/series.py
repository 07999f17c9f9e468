"""A run's time series: per round, per block, per node, and the faults, for plots and ``--csv``.

Built by ``sim/timeline.py`` from what the runner recorded in ``Metrics``. Times are virtual
seconds. Every list is bounded by the run: rounds up to the highest honest round, blocks on the
longest honest log, one height change per commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["BlockRow", "FaultEvent", "RoundRow", "SimSeries"]


@dataclass(frozen=True)
class RoundRow:
    """One round: when an honest node first entered it, its leader, the messages and timeouts
    sent for it."""

    round: int
    entered_at: float | None
    leader: int | None
    messages: int
    timeouts: int


@dataclass(frozen=True)
class BlockRow:
    """One block of the longest honest committed log."""

    height: int
    round: int
    proposer: int
    block_id: str
    proposed_at: float | None
    first_commit_at: float | None


@dataclass(frozen=True)
class FaultEvent:
    """A fault over ``[start, end]``: ``crash`` (to its restart), ``partition``, ``core_failure``
    (a core that raised; restarted at once) or ``byzantine_leader`` (a round a Byzantine
    validator leads)."""

    start: float
    end: float
    kind: str
    nodes: tuple[int, ...]
    detail: str = ""  # a partition's groups, as 0-3/4,6


@dataclass(frozen=True)
class SimSeries:
    rounds: tuple[RoundRow, ...] = ()
    blocks: tuple[BlockRow, ...] = ()
    heights: tuple[tuple[float, int, int], ...] = ()  # (time, node id, committed height)
    latency_seconds: tuple[float, ...] = ()  # one per honest commit of a block
    events: tuple[FaultEvent, ...] = ()
    byzantine: Mapping[int, str] = field(default_factory=dict)  # node id -> behaviour
    validator_of: Mapping[int, int] = field(default_factory=dict)  # node id -> validator index
    stakes: tuple[int, ...] = ()  # by validator index
    virtual_seconds: float = 0.0

    def get_byzantine_validators(self) -> dict[int, str]:
        """Validator index -> behaviour of the Byzantine validators."""
        return {self.validator_of.get(n, n): kind for n, kind in self.byzantine.items()}
