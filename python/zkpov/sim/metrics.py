"""Run metrics: commit latency (rounds and seconds), messages per round, and the JSON report.

The JSON gives each node's committed log as its length and ``sha256``: SHA-256 of the block ids
(32 bytes each) concatenated in commit order; ``full_logs`` adds the ids as ``committed_logs``.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkpov.sim.series import SimSeries
from zkpov.spec.messages import BlockRequest, BlockResponse, Proposal, Timeout, Vote
from zkpov.types import BlockId

__all__ = [
    "Metrics",
    "SimReport",
    "compute_log_digest",
    "compute_percentile",
    "get_message_round",
]


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
    # Time series for the report and --csv (sim/series.py): bounded by the run's rounds and commits.
    timeouts_per_round: Counter[int] = field(default_factory=Counter)  # Timeout messages sent
    round_entered_at: dict[int, float] = field(default_factory=dict)  # first honest entry
    first_commit_at: dict[BlockId, float] = field(default_factory=dict)  # first honest commit
    height_changes: list[tuple[float, int, int]] = field(default_factory=list)  # (t, node, h)
    failures: list[tuple[float, int]] = field(default_factory=list)  # (t, node): core failures

    def count_message(self, message: object, copies: int) -> None:
        round_ = get_message_round(message)
        if round_ is None:
            self.sync_messages += copies
        else:
            self.per_round[round_] += copies
        if isinstance(message, Timeout):
            self.timeout_rounds.add(int(message.round))
            self.timeouts_per_round[int(message.round)] += copies

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
    series: SimSeries = field(default_factory=SimSeries)  # for --report and --csv, not JSON

    def to_json(self, *, full_logs: bool = False) -> dict[str, Any]:
        """The summary; each committed log as its length and digest (``full_logs``: and its ids,
        under ``committed_logs``)."""
        logs = {str(k): v for k, v in self.committed.items()}
        return {
            "committed": {
                k: {"length": len(v), "sha256": compute_log_digest(v)} for k, v in logs.items()
            },
            **({"committed_logs": logs} if full_logs else {}),
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


def compute_log_digest(block_ids: Sequence[str]) -> str:
    """SHA-256 (hex) of the block ids (hex strings) concatenated as bytes, in order."""
    digest = hashlib.sha256()
    for block_id in block_ids:
        digest.update(bytes.fromhex(block_id))
    return digest.hexdigest()


def summarize(values: Sequence[float]) -> dict[str, float]:
    return {"p50": compute_percentile(values, 50), "p99": compute_percentile(values, 99)}
