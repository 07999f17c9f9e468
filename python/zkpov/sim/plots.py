"""The report's six plots, each an inline ``<svg>`` drawn from a run's :class:`SimSeries`.

Series are thinned to at most ``MAX_POINTS`` points per plot; per-round series with more rounds
than that are averaged over buckets of rounds; at most ``MAX_NODES_DRAWN`` node lines are drawn.
Each plot says so when it drew less than the run has.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from zkpov.sim.series import SimSeries
from zkpov.sim.svg import Chart, Point, thin

__all__ = [
    "MAX_NODES_DRAWN",
    "MAX_POINTS",
    "plot_commits_and_rounds",
    "plot_latency_cdf",
    "plot_messages",
    "plot_proposer_share",
    "plot_timeouts",
]

MAX_POINTS = 2000
MAX_NODES_DRAWN = 50
MAX_MARKERS = 400
HONEST, BYZANTINE, ACCENT, FAULT, SPLIT = "#3b6ea5", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"
ATTACK = "#7b1010"


def plot_latency_cdf(series: SimSeries) -> str:
    values = sorted(series.latency_seconds)
    top = values[-1] * 1.05 if values else 1.0
    chart = Chart("Commit latency CDF", "latency, proposal to commit (virtual s)",
                  "fraction of honest commits", (0.0, top or 1.0), (0.0, 1.0))  # fmt: skip
    if not values:
        chart.notes.append("no block was committed")
        return chart.render()
    points = [(v, (i + 1) / len(values)) for i, v in enumerate(values)]
    chart.add_line(thin([(0.0, 0.0), *points], MAX_POINTS), HONEST, "honest commits", step=True)
    p50, p99 = (values[max(0, math.ceil(q * len(values)) - 1)] for q in (0.5, 0.99))
    chart.notes.append(f"{len(values)} commits; p50 {p50:.3f} s, p99 {p99:.3f} s")
    return chart.render()


def plot_commits_and_rounds(series: SimSeries) -> str:
    commit_times = sorted(b.first_commit_at for b in series.blocks if b.first_commit_at is not None)
    commits = [(0.0, 0.0)] + [(t, i + 1.0) for i, t in enumerate(commit_times)]
    rounds = [(r.entered_at, float(r.round)) for r in series.rounds if r.entered_at is not None]
    top = max([1.0, *(y for _, y in commits), *(y for _, y in rounds)])
    chart = Chart("Commits and rounds over virtual time", "virtual time (s)", "count",
                  (0.0, series.virtual_seconds or 1.0), (0.0, top * 1.05))  # fmt: skip
    chart.add_line(thin(commits, MAX_POINTS // 2), HONEST, "blocks committed", step=True)
    chart.add_line(thin(rounds, MAX_POINTS // 2), ACCENT, "highest round entered", step=True)
    chart.notes.append(f"{len(commit_times)} blocks in {len(rounds)} rounds")
    return chart.render()


def plot_messages(series: SimSeries) -> str:
    points, width = bucket_rounds([(r.round, r.messages) for r in series.rounds])
    return _plot_per_round("Messages per round", "messages sent", points, width, HONEST)


def plot_timeouts(series: SimSeries) -> str:
    points, width = bucket_rounds([(r.round, r.timeouts) for r in series.rounds])
    chart = _per_round_chart("Timeouts per round", "timeout messages sent", points, width, FAULT)
    hit = sum(r.timeouts > 0 for r in series.rounds)
    chart.notes.insert(0, f"{hit} of {len(series.rounds)} rounds had a timeout")
    return chart.render()


def bucket_rounds(values: Sequence[tuple[int, int]]) -> tuple[list[Point], int]:
    """``(round, value)`` averaged over buckets of ``width`` rounds, at most MAX_POINTS of them."""
    width = max(1, math.ceil(len(values) / MAX_POINTS))
    points = []
    for start in range(0, len(values), width):
        bucket = values[start : start + width]
        points.append((float(bucket[0][0]), sum(v for _, v in bucket) / len(bucket)))
    return points, width


def _plot_per_round(title: str, label: str, points: list[Point], width: int, color: str) -> str:
    return _per_round_chart(title, label, points, width, color).render()


def _per_round_chart(title: str, label: str, points: list[Point], width: int, color: str) -> Chart:
    last = points[-1][0] + width if points else 1.0
    top = max([1.0, *(y for _, y in points)]) * 1.1
    chart = Chart(title, "round", label, (points[0][0] if points else 0.0, last), (0.0, top))
    chart.add_line([*points, (last, points[-1][1])] if points else [], color, label, step=True)
    if width > 1:
        chart.notes.append(f"mean over buckets of {width} rounds")
    return chart


def plot_proposer_share(series: SimSeries) -> str:
    counts = Counter(b.proposer for b in series.blocks)
    total, stakes = max(1, len(series.blocks)), series.stakes or (1,)
    byzantine = series.get_byzantine_validators()
    shares = [counts.get(v, 0) / total for v in range(len(stakes))]
    fair = [s / sum(stakes) for s in stakes]
    chart = Chart("Share of committed blocks by proposer", "validator index", "share of blocks",
                  (-0.5, len(stakes) - 0.5), (0.0, max([*shares, *fair]) * 1.2))  # fmt: skip
    for v, share in enumerate(shares):
        chart.add_bar(v - 0.4, v + 0.4, share, BYZANTINE if v in byzantine else HONEST)
    chart.legend += [("honest", HONEST), ("byzantine", BYZANTINE)]
    chart.add_hline(sum(fair) / len(fair), "#000", "fair share (mean stake share)")
    chart.notes += [describe_byzantine_share(series, counts, fair)]
    return chart.render()


def describe_byzantine_share(series: SimSeries, counts: Counter[int], fair: list[float]) -> str:
    byzantine = series.get_byzantine_validators()
    if not byzantine:
        return f"{len(series.blocks)} blocks; no Byzantine validator"
    kinds = Counter(byzantine.values())
    label = ", ".join(f"{kind} x{n}" for kind, n in sorted(kinds.items()))
    won = sum(counts.get(v, 0) for v in byzantine) / max(1, len(series.blocks))
    stake = sum(fair[v] for v in byzantine if v < len(fair))
    return f"Byzantine ({label}): {won:.1%} of {len(series.blocks)} blocks, {stake:.1%} of stake"
