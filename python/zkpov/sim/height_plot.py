"""The per-node committed height plot, with crashes, partitions and attacks marked."""

from __future__ import annotations

from collections.abc import Sequence

from zkpov.sim.plots import ATTACK, BYZANTINE, FAULT, HONEST, MAX_MARKERS, MAX_NODES_DRAWN, SPLIT
from zkpov.sim.series import FaultEvent, SimSeries
from zkpov.sim.svg import Chart, Point, thin

__all__ = ["group_heights", "pick_nodes", "plot_heights"]

POINTS_PER_PLOT = 4000
BAND_COLORS = {"crash": FAULT, "partition": SPLIT, "core_failure": "#000"}
BAND_LABELS = {
    "crash": "crash (to restart)",
    "partition": "partition",
    "core_failure": "core failure",
}


def plot_heights(series: SimSeries) -> str:
    lines = group_heights(series)
    drawn = pick_nodes(series, list(lines))
    top = max((pts[-1][1] for pts in lines.values()), default=0.0)
    end = series.virtual_seconds or 1.0
    chart = Chart("Committed height per node over virtual time", "virtual time (s)",
                  "committed height", (0.0, end), (0.0, max(1.0, top) * 1.05))  # fmt: skip
    _mark_events(chart, series.events)
    limit = max(20, POINTS_PER_PLOT // max(1, len(drawn)))
    for node in drawn:
        color, kind = (BYZANTINE, "byzantine") if node in series.byzantine else (HONEST, "honest")
        points = [(0.0, 0.0), *lines[node], (end, lines[node][-1][1])]
        chart.add_line(thin(points, limit), color, f"{kind} node", step=True, width=1.0)
    if len(drawn) < len(lines):
        chart.notes.append(f"{len(drawn)} of {len(lines)} nodes drawn (faulty ones first)")
    return chart.render()


def group_heights(series: SimSeries) -> dict[int, list[Point]]:
    """Node id -> its (time, height) changes, in time order."""
    lines: dict[int, list[Point]] = {}
    for time, node, height in series.heights:
        lines.setdefault(node, []).append((time, float(height)))
    return lines


def pick_nodes(series: SimSeries, nodes: Sequence[int]) -> list[int]:
    """At most MAX_NODES_DRAWN nodes: those a fault names, then Byzantine ones, then the rest."""
    named = {n for e in series.events if e.kind != "byzantine_leader" for n in e.nodes}
    ranked = sorted(nodes, key=lambda n: (n not in named, n not in series.byzantine, n))
    return sorted(ranked[:MAX_NODES_DRAWN])


def _mark_events(chart: Chart, events: Sequence[FaultEvent]) -> None:
    """Bands for crashes, partitions and core failures; ticks for Byzantine-led rounds."""
    bands = [e for e in events if e.kind in BAND_COLORS]
    for event in bands[:MAX_MARKERS]:
        chart.add_band(event.start, event.end, BAND_COLORS[event.kind], BAND_LABELS[event.kind])
    led = [(e.start, 0.0) for e in events if e.kind == "byzantine_leader"]
    for time, _ in thin(led, MAX_MARKERS):
        chart.add_tick_marker(time, ATTACK, "round led by a Byzantine validator")
    if len(bands) > MAX_MARKERS:
        chart.notes.append(f"{MAX_MARKERS} of {len(bands)} faults marked")
