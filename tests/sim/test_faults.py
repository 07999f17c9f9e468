"""Crashes with restarts, partitions that heal, and message loss; the fault schedule itself."""

from __future__ import annotations

import itertools

from zkpov.sim import SimConfig, run_simulation
from zkpov.sim.clock import EventQueue
from zkpov.sim.faults import compute_random_restarts, make_random_crashes, schedule_faults
from zkpov.sim.node import SimNode
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import CrashSpec, parse_crash, parse_partition
from zkpov.types import NodeId, ValidatorIndex


def test_crashes_and_restarts_are_scheduled_on_the_queue_alone() -> None:
    queue = EventQueue()
    nodes = [SimNode(NodeId(i), ValidatorIndex(i), b"") for i in range(3)]
    restarted: list[tuple[float, int]] = []
    config = SimConfig(validators=3, crashes=(CrashSpec(1, 2.0, 5.0), CrashSpec(9, 1.0, 3.0)))
    schedule_faults(config, queue, nodes, lambda n: restarted.append((queue.now, n.node_id)))
    queue.run_next()
    assert queue.now == 2.0 and nodes[1].crashed and not nodes[0].crashed
    while queue.run_next():
        pass
    assert restarted == [(5.0, 1)]  # node 9 does not exist: its crash is ignored


def test_random_crashes_come_after_the_fixed_ones() -> None:
    queue, nodes = EventQueue(), [SimNode(NodeId(0), ValidatorIndex(0), b"")]
    config = SimConfig(validators=1, crashes=(CrashSpec(0, 0.0),), random_restarts=((0, 2),))
    restarts: list[float] = []
    schedule_faults(config, queue, nodes, lambda n: restarts.append(queue.now))
    assert len(queue) == 1 + 2 * 2
    while queue.run_next():
        pass
    assert restarts == [spec.restart_at for spec in make_random_crashes(config, 0, 2)]


def test_random_restarts_are_seeded_and_do_not_overlap() -> None:
    times = compute_random_restarts(5, 1, 4, 20.0, 1.0)
    assert (
        times
        == compute_random_restarts(5, 1, 4, 20.0, 1.0)
        != compute_random_restarts(6, 1, 4, 20.0, 1.0)
    )
    assert len(times) == 4
    for (at, back), (next_at, _) in itertools.pairwise(times):
        assert at < back < next_at


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


def test_one_validator_down_for_good_and_one_restarted_at_random_moments() -> None:
    config = SimConfig(
        validators=7, rounds=40, seed=3, crashes=(parse_crash("6@0.0"),),
        random_restarts=((1, 3),), scheme="insecure-hash",
    )  # fmt: skip
    sim = Simulation(config)
    report = sim.run()
    assert report.violations == [] and report.extra["crashed_nodes"] == 0
    assert sim.nodes[1].lives == 4 and sim.nodes[6].crashed
    longest = max(len(ids) for ids in report.committed.values())
    assert longest >= 25 and len(report.committed[1]) >= longest - 3


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
