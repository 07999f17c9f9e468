"""End-to-end simulations: real BLS by default, seeded and deterministic."""

from __future__ import annotations

import pytest

from zkpov.sim import SimConfig, run_simulation
from zkpov.sim.runner import Simulation


def test_happy_path_with_real_bls_commits_every_round() -> None:
    report = run_simulation(SimConfig(validators=4, rounds=12, seed=1))
    assert report.violations == []
    logs = list(report.committed.values())
    assert len(logs[0]) >= 9 and all(log[:9] == logs[0][:9] for log in logs)
    assert report.latency_rounds == {"p50": 2.0, "p99": 2.0}
    assert 0.5 < report.latency_seconds["p50"] < 1.5
    assert report.messages_per_happy_round <= 3 * 4
    assert report.slashed == {} and report.evidence == []


def test_same_seed_same_run_other_seed_other_chain() -> None:
    config = SimConfig(validators=5, rounds=8, seed=3, scheme="insecure-hash", loss=0.05)
    first, again = run_simulation(config), run_simulation(config)
    assert first.committed == again.committed and first.latency_seconds == again.latency_seconds
    other = run_simulation(
        SimConfig(validators=5, rounds=8, seed=4, scheme="insecure-hash", loss=0.05)
    )
    assert other.committed[0][:3] != first.committed[0][:3]


@pytest.mark.parametrize("n", [16, 100])
def test_messages_per_happy_round_are_linear(n: int) -> None:
    report = run_simulation(SimConfig(validators=n, rounds=6, seed=2, scheme="insecure-hash"))
    assert report.violations == [] and report.messages_per_happy_round <= 3 * n


def test_persisted_safety_data_is_written_before_votes_leave() -> None:
    sim = Simulation(SimConfig(validators=4, rounds=6, seed=5, scheme="insecure-hash"))
    sim.run()
    for node in sim.nodes:
        saved = node.store.load()
        assert saved is not None and saved.last_vote is not None
        assert node.core is not None and saved == node.core.safety.data
