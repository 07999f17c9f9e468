"""The series a run records agree with the run itself: its logs, rounds and faults."""

from __future__ import annotations

from zkpov.sim import SimReport, run_simulation
from zkpov.sim.scenarios import CrashSpec
from zkpov.sim.timeline import format_groups
from zkpov.types import NodeId


def make_run() -> SimReport:
    return run_simulation(
        validators=5, rounds=14, seed=4, scheme="insecure-hash", byzantine={"leader_grinder": 1},
        crashes=(CrashSpec(1, 2.0, 4.0),),
    )  # fmt: skip


def test_blocks_follow_the_longest_honest_log() -> None:
    report = make_run()
    longest = max((ids for n, ids in report.committed.items() if n != 4), key=len)
    blocks = report.series.blocks
    assert [b.block_id for b in blocks] == longest
    assert [b.height for b in blocks] == list(range(1, len(longest) + 1))
    for block in blocks:
        assert block.proposed_at is not None and block.first_commit_at is not None
        assert block.first_commit_at > block.proposed_at
    assert report.series.get_byzantine_validators() == {4: "leader_grinder"}


def test_heights_end_at_each_log_length() -> None:
    report = make_run()
    last: dict[int, int] = {}
    times = [t for t, _, _ in report.series.heights]
    for _, node, height in report.series.heights:
        assert height > last.get(node, 0)  # a log only grows
        last[node] = height
    assert times == sorted(times)
    assert last == {n: len(ids) for n, ids in report.committed.items() if ids}


def test_rounds_and_faults_are_recorded() -> None:
    report = make_run()
    rounds = report.series.rounds
    assert [r.round for r in rounds] == list(range(1, report.rounds + 1))
    entered = [r.entered_at for r in rounds if r.entered_at is not None]
    assert entered == sorted(entered) and len(entered) >= report.rounds - 1
    assert sum(r.timeouts for r in rounds) > 0  # node 1 down: some round timed out
    crash = [e for e in report.series.events if e.kind == "crash"]
    assert [(e.start, e.end, e.nodes) for e in crash] == [(2.0, 4.0, (NodeId(1),))]
    led = [e for e in report.series.events if e.kind == "byzantine_leader"]
    assert led and all(e.nodes == (4,) for e in led)


def test_partition_groups_are_written_as_ranges() -> None:
    groups = (frozenset({0, 1, 2, 3, 7}), frozenset({4, 6}), frozenset())
    assert format_groups(groups) == "0-3,7/4,6/"
