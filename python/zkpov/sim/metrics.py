"""Run metrics: commit latency (rounds and seconds), messages per round, and the JSON report."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkpov.spec.messages import BlockRequest, BlockResponse, Proposal, Timeout, Vote
from zkpov.types import BlockId

__all__ = ["Metrics", "SimReport", "compute_percentile", "get_message_round"]


def compute_percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in [0, 100]); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def get_message_round(message: object) -> int | None:
    """The consensus round a message belongs to (sync traffic belongs to none)."""
    if isinstance(message, Proposal):
        return int(message.block.round)
    if isinstance(message, Vote | Timeout):
        return int(message.round)
    if isinstance(message, BlockRequest | BlockResponse):
        return None
    return None


@dataclass
class Metrics:
    proposed_at: dict[BlockId, float] = field(default_factory=dict)
    latency_rounds: list[float] = field(default_factory=list)
    latency_seconds: list[float] = field(default_factory=list)
    per_round: Counter[int] = field(default_factory=Counter)
    sync_messages: int = 0
    timeout_rounds: set[int] = field(default_factory=set)
    commit_times: list[float] = field(default_factory=list)
    commit_events: list[tuple[float, int]] = field(default_factory=list)  # (time, block round)
    round_leaders: list[tuple[int, int | None]] = field(default_factory=list)  # honest entries

    def count_message(self, message: object, copies: int) -> None:
        round_ = get_message_round(message)
        if round_ is None:
            self.sync_messages += copies
        else:
            self.per_round[round_] += copies
        if isinstance(message, Timeout):
            self.timeout_rounds.add(int(message.round))

    def get_round_split(self) -> tuple[float, float]:
        """Mean messages in rounds without a timeout, and in rounds with one."""
        happy = [n for r, n in self.per_round.items() if r not in self.timeout_rounds]
        sad = [n for r, n in self.per_round.items() if r in self.timeout_rounds]
        return (sum(happy) / len(happy) if happy else 0.0, sum(sad) / len(sad) if sad else 0.0)


@dataclass
class SimReport:
    """What ``run_simulation`` returns; ``to_json()`` is what ``zkpov sim --json`` prints."""

    committed: dict[int, list[str]]
    violations: list[str]
    evidence: list[dict[str, Any]]
    slashed: dict[int, int]
    latency_rounds: dict[str, float]
    latency_seconds: dict[str, float]
    messages_per_round: float
    messages_per_happy_round: float
    messages_per_timeout_round: float
    rounds: int
    virtual_seconds: float
    violation_counts: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "committed": {str(k): v for k, v in self.committed.items()},
            "violations": self.violations,
            "evidence": self.evidence,
            "slashed": {str(k): v for k, v in self.slashed.items()},
            "latency_rounds": self.latency_rounds,
            "latency_seconds": self.latency_seconds,
            "messages_per_round": self.messages_per_round,
            "messages_per_happy_round": self.messages_per_happy_round,
            "messages_per_timeout_round": self.messages_per_timeout_round,
            "rounds": self.rounds,
            "virtual_seconds": self.virtual_seconds,
            "violation_counts": self.violation_counts,
            **self.extra,
        }


def summarize(values: Sequence[float]) -> dict[str, float]:
    return {"p50": compute_percentile(values, 50), "p99": compute_percentile(values, 99)}
