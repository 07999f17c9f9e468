"""Crashes with restarts, partitions that heal, and message loss."""

from __future__ import annotations

from zkpov.sim import SimConfig, run_simulation
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import parse_crash, parse_partition


def test_crash_and_restart_reloads_safety_data_and_catches_up() -> None:
    config = SimConfig(
        validators=4, rounds=25, seed=2, crashes=(parse_crash("1@2.0:6.0"),), scheme="insecure-hash"
    )
    sim = Simulation(config)
    report = sim.run()
    node = sim.nodes[1]
    assert report.violations == [] and node.lives == 2
    assert node.store.load() == node.core.safety.data  # type: ignore[union-attr]
    longest = max(len(log) for log in report.committed.values())
    assert len(report.committed[1]) >= longest - 3  # synced back up after the restart


def test_crash_of_f_validators_keeps_liveness_with_real_bls() -> None:
    report = run_simulation(validators=4, rounds=15, seed=7, crashes=(parse_crash("3@1.0"),))
    assert report.violations == []
    assert min(len(report.committed[i]) for i in range(3)) >= 6


def test_partition_without_quorum_stalls_then_heals() -> None:
    cut = parse_partition("2.0:8.0:0-1/2-3")
    report = run_simulation(
        validators=4, rounds=30, seed=1, partitions=(cut,), scheme="insecure-hash"
    )
    assert report.violations == [] and len(report.committed[0]) >= 15
    assert report.latency_rounds["p99"] > 2.0


def test_lossy_network_stays_safe_and_live() -> None:
    report = run_simulation(validators=7, rounds=30, seed=4, loss=0.15, scheme="insecure-hash")
    assert report.violations == [] and report.extra["messages_dropped"] > 0
    assert len(report.committed[0]) >= 15
