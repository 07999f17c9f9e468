"""One step of the saturation ramp, measured: what was offered, what the nodes committed (their
own ``zkpov_consensus_total_txs``), the commit latencies, CPU per node, and the stop rule.

Throughput is the smallest committed-transfer rate any node reports over the step's window
(each node counts what it committed itself). Latency percentiles are over our transfers whose
block became final in the window, plus those sent in the window and still not final ``limit``
seconds later, counted at their age then (a lower bound, so that transfers that never commit
cannot make the tail look shorter).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from zkpov.devnet.commit_watch import CommitWatch
from zkpov.devnet.load import get_metric
from zkpov.devnet.open_load import LoadCounts, OpenLoad

__all__ = [
    "Snapshot",
    "StepResult",
    "compute_percentiles",
    "compute_step",
    "get_stop_reason",
    "read_total_txs",
    "take_snapshot",
]

RISE_FACTOR = 1.05  # a step must beat the best so far by this much to count as rising
KEPT_UP = 0.9  # committed at least this share of the offer: the chain kept up
GENERATOR_BUSY = 0.9  # the generator's share of one core above which it is the limit


@dataclass(frozen=True)
class Snapshot:
    at: float  # monotonic
    node_cpu: list[float]  # CPU seconds of each node process
    total_txs: list[float]  # each node's zkpov_consensus_total_txs
    own_cpu: float  # this process's CPU seconds (the generator)
    counts: LoadCounts


@dataclass
class StepResult:
    offered_per_s: float
    seconds: float = 0.0
    sent_per_s: float = 0.0
    accepted_per_s: float = 0.0
    unsent: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    committed_per_s: float = 0.0  # the slowest node's own count
    committed_per_node: list[float] = field(default_factory=list)
    proven_per_s: float = 0.0  # transfers in blocks that became proven-final
    latency_s: dict[str, float] = field(default_factory=dict)  # p50, p90, p99, max
    latency_samples: int = 0
    late: int = 0  # sent in the window, not final ``limit`` seconds later
    node_cpu: list[float] = field(default_factory=list)  # share of one core per node
    generator_cpu: float = 0.0  # share of one core
    load_avg: float = 0.0  # the machine's 1-minute load at the step's end
    limit: str = ""  # "generator" or "chain": which side failed to keep up, if one did


def read_total_txs(metrics_text: str) -> float:
    value = get_metric(metrics_text, "zkpov_consensus_total_txs")
    return math.nan if value is None else value


def take_snapshot(node_cpu: list[float], total_txs: list[float], load: OpenLoad) -> Snapshot:
    counts = dataclasses.replace(load.counts, refused=Counter(load.counts.refused))
    return Snapshot(time.monotonic(), node_cpu, total_txs, time.process_time(), counts)


def compute_percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(ordered[-1], 3)}


def compute_step(
    offered: float, before: Snapshot, after: Snapshot, watch: CommitWatch, load: OpenLoad,
    limit: float,
) -> StepResult:  # fmt: skip
    span = after.at - before.at
    step = StepResult(offered, round(span, 2))
    _fill_load(step, before.counts, after.counts, span)
    step.committed_per_node = _per_second(before.total_txs, after.total_txs, span, 1)
    step.committed_per_s = min(step.committed_per_node, default=0.0)
    step.proven_per_s = round(_count_in(watch, before.at, after.at) / span, 2)
    latencies, step.late = _get_latencies(watch, load, before.at, after.at, limit)
    step.latency_s, step.latency_samples = compute_percentiles(latencies), len(latencies)
    step.node_cpu = _per_second(before.node_cpu, after.node_cpu, span, 2)
    step.generator_cpu = round((after.own_cpu - before.own_cpu) / span, 2)
    step.load_avg = round(os.getloadavg()[0], 2)
    step.limit = _get_limit(step)
    return step


def _per_second(before: list[float], after: list[float], span: float, digits: int) -> list[float]:
    return [round((b - a) / span, digits) for a, b in zip(before, after, strict=True)]


def _fill_load(step: StepResult, a: LoadCounts, b: LoadCounts, span: float) -> None:
    step.sent_per_s = round((b.sent - a.sent) / span, 1)
    step.accepted_per_s = round((b.accepted - a.accepted) / span, 1)
    step.unsent = b.unsent - a.unsent
    step.refused = dict(b.refused - a.refused)


def _count_in(watch: CommitWatch, start: float, end: float) -> int:
    return sum(p.count for p in watch.proven if start <= p.at < end)


def _get_latencies(
    watch: CommitWatch, load: OpenLoad, start: float, end: float, limit: float
) -> tuple[list[float], int]:
    done = [c.latency for c in watch.committed if start <= c.at < end]
    late = [end - s.sent_at for s in load.submitted.values() if start <= s.sent_at < end - limit]
    return done + late, len(late)


def _get_limit(step: StepResult) -> str:
    """Which side did not keep up with the offer (empty when both did): the generator when it
    used a whole core; else the chain when it committed less than offered or held the senders
    (per-sender cap) or the requests (slow answers) so long that offered transfers went unsent."""
    if step.generator_cpu >= GENERATOR_BUSY:
        return "generator"
    behind = step.committed_per_s < KEPT_UP * step.offered_per_s
    return "chain" if behind or step.unsent > 0.01 * step.offered_per_s * step.seconds else ""


def get_stop_reason(step: StepResult, best: float, p99_limit: float) -> str:
    """Why the ramp stops after ``step`` (empty: go on); ``best`` is the best rate before it."""
    p99 = step.latency_s.get("p99")
    if p99 is None:
        return "nothing committed in the step"
    if p99 > p99_limit:
        return f"p99 commit latency {p99:.2f} s passed {p99_limit:g} s"
    if step.committed_per_s < RISE_FACTOR * best and step.limit:
        return f"throughput stopped rising ({step.committed_per_s:g} after {best:g} transfers/s)"
    return ""
