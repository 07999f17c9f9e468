"""The plots show what the run did: the proposer share plot states the Byzantine share the
report computes; long per-round series are averaged into bounded buckets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from zkpov.sim import run_simulation
from zkpov.sim.height_plot import pick_nodes
from zkpov.sim.plots import MAX_POINTS, bucket_rounds, describe_byzantine_share, plot_proposer_share
from zkpov.sim.series import FaultEvent, SimSeries

SVG = "{http://www.w3.org/2000/svg}"


def test_the_proposer_share_plot_shows_the_grinders_share() -> None:
    report = run_simulation(
        validators=6, rounds=30, seed=1, scheme="insecure-hash", byzantine={"leader_grinder": 2}
    )
    series = report.series
    counts = Counter(b.proposer for b in series.blocks)
    note = describe_byzantine_share(series, counts, [1 / 6] * 6)
    share = report.extra["byzantine_proposal_share"]
    assert note == (
        f"Byzantine (leader_grinder x2): {share:.1%} of {len(series.blocks)} blocks, 33.3% of stake"
    )
    root = ET.fromstring(plot_proposer_share(series))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") in {"#3b6ea5", "#d62728"}]
    red = [r for r in bars if r.get("fill") == "#d62728"]
    assert len(bars) == 6 + 2 and len(red) == 2 + 1  # one per validator, and the legend's two
    assert note in [t.text for t in root.iter(f"{SVG}text")]


def test_rounds_are_averaged_into_bounded_buckets() -> None:
    values = [(r, r % 2) for r in range(1, 10_001)]
    points, width = bucket_rounds(values)
    assert width == 5 and len(points) == 2000 <= MAX_POINTS
    assert points[0] == (1.0, 0.6) and points[-1][0] == 9996.0
    assert bucket_rounds([(1, 4), (2, 6)]) == ([(1.0, 4.0), (2.0, 6.0)], 1)


def test_faulty_and_byzantine_nodes_are_drawn_first() -> None:
    events = (FaultEvent(1.0, 2.0, "crash", (70,)), FaultEvent(1.0, 1.0, "byzantine_leader", (3,)))
    series = SimSeries(events=events, byzantine={99: "withholder"})
    drawn = pick_nodes(series, list(range(100)))
    assert len(drawn) == 50 and {70, 99} <= set(drawn) and 3 in drawn and 60 not in drawn
