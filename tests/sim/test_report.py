"""The report is built from a run's data alone (no simulation object needed)."""

from __future__ import annotations

import dataclasses
from collections import Counter

from zkpov.sim.metrics import Metrics
from zkpov.sim.report import build_report
from zkpov.sim.scenarios import SimConfig
from zkpov.sim.setup import build_world
from zkpov.types import NodeId, ValidatorIndex


def test_the_report_is_built_from_the_data_it_is_given() -> None:
    config = SimConfig(validators=4, seed=7, scheme="insecure-hash", byzantine={"withholder": 1})
    world = build_world(config)
    log = [dataclasses.replace(world.genesis, proposer=ValidatorIndex(p)) for p in (0, 3, 1, 2)]
    for node in world.nodes[:3]:
        node.committed = list(log)
    metrics = Metrics(per_round=Counter({1: 6, 2: 30}), timeout_rounds={2})
    report = build_report(
        config, world.nodes, metrics,
        violations=["agreement: x"], violation_counts={"agreement": 2},
        evidence=[("double_vote", 3), ("bad_vote", 1)], slashed={3: 5},
        rounds=2, virtual_seconds=4.5, messages_dropped=1, crashed_nodes=0,
        table_peaks={NodeId(1): {"votes": 2}, NodeId(0): {"votes": 3}},
    )  # fmt: skip
    assert report.committed[0] == [b.id.hex() for b in log] and report.committed[3] == []
    assert report.evidence == [
        {"kind": "bad_vote", "validator": 1},
        {"kind": "double_vote", "validator": 3},
    ]
    assert (report.messages_per_round, report.messages_per_happy_round) == (18.0, 6.0)
    assert report.messages_per_timeout_round == 30.0 and report.slashed == {3: 5}
    assert report.extra["byzantine"] == {"3": "withholder"}
    assert report.extra["byzantine_proposal_share"] == 0.25
    assert list(report.extra["peak_table_sizes"]) == ["0", "1"]


def test_a_run_without_rounds_divides_by_one() -> None:
    config = SimConfig(validators=1, scheme="insecure-hash")
    metrics = Metrics(per_round=Counter({0: 3}))
    report = build_report(
        config, build_world(config).nodes, metrics, violations=[], violation_counts={},
        evidence=[], slashed={}, rounds=0, virtual_seconds=0.0, messages_dropped=0,
        crashed_nodes=0, table_peaks={},
    )  # fmt: skip
    assert report.messages_per_round == 3.0 and report.extra["byzantine_proposal_share"] == 0.0
