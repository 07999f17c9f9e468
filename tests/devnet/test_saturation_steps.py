"""One measured step of the saturation ramp: throughput from the slowest node, latency with the
transfers that never committed, which side fell behind, and the rule that stops the ramp."""

from __future__ import annotations

from typing import cast

import pytest

from zkpov.devnet import commit_watch
from zkpov.devnet.commit_watch import Committed, CommitWatch, TimedCount
from zkpov.devnet.open_load import LoadCounts, OpenLoad, Submitted
from zkpov.devnet.saturation_steps import (
    Snapshot,
    StepResult,
    compute_percentiles,
    compute_step,
    get_stop_reason,
    read_total_txs,
)
from zkpov.node.rpc.client import RpcClient


def _watch(committed: list[Committed], proven: list[TimedCount]) -> CommitWatch:
    watch = CommitWatch("http://unused", cast(RpcClient, None), lambda _: None)
    watch.committed, watch.proven = committed, proven
    return watch


def _load(submitted: dict[bytes, Submitted]) -> OpenLoad:
    load = OpenLoad([], [], chain_tag=0)
    load.submitted = submitted
    return load


def _step(**kw: object) -> StepResult:
    step = StepResult(offered_per_s=100.0, seconds=10.0, committed_per_s=100.0)
    for key, value in kw.items():
        setattr(step, key, value)
    return step


def test_percentiles_pick_the_ranked_values() -> None:
    got = compute_percentiles([float(i) for i in range(1, 101)])
    assert got == {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 100.0}
    assert compute_percentiles([]) == {}


def test_total_txs_is_read_from_the_node_metrics_text() -> None:
    text = "# HELP x\nzkpov_consensus_total_txs 1234.0\nzkpov_consensus_num_txs 3.0\n"
    assert read_total_txs(text) == 1234.0


def test_a_step_counts_the_slowest_node_and_the_transfers_that_never_committed() -> None:
    before = Snapshot(100.0, [1.0, 2.0], [0.0, 0.0], 5.0, LoadCounts(sent=0))
    after = Snapshot(110.0, [6.0, 4.0], [1000.0, 800.0], 6.0, LoadCounts(sent=1000, unsent=3))
    on_time = [Committed(105.0, 0.5) for _ in range(90)]
    late = {bytes([i]): Submitted(0, 101.0) for i in range(10)}  # sent, never committed
    step = compute_step(
        100.0, before, after, _watch(on_time, [TimedCount(104.0, 20)]), _load(late), 3.0
    )
    assert step.committed_per_s == 80.0 and step.committed_per_node == [100.0, 80.0]
    assert step.late == 10 and step.latency_samples == 100
    assert step.latency_s["p50"] == 0.5 and step.latency_s["p99"] == 9.0  # 110 - 101
    assert step.proven_per_s == 2.0
    assert step.node_cpu == [0.5, 0.2] and step.generator_cpu == 0.1
    assert step.limit == "chain"  # committed 80 of 100 offered


def test_a_generator_using_a_whole_core_is_named_the_limit() -> None:
    before = Snapshot(0.0, [0.0], [0.0], 0.0, LoadCounts())
    after = Snapshot(10.0, [1.0], [500.0], 9.5, LoadCounts(sent=500))
    step = compute_step(100.0, before, after, _watch([], []), _load({}), 3.0)
    assert step.limit == "generator"


def test_the_ramp_stops_on_latency_or_flat_throughput_only() -> None:
    assert get_stop_reason(_step(latency_s={"p99": 1.0}), 50.0, 3.0) == ""
    assert "p99" in get_stop_reason(_step(latency_s={"p99": 3.5}), 50.0, 3.0)
    assert "nothing committed" in get_stop_reason(_step(), 50.0, 3.0)
    flat = _step(latency_s={"p99": 1.0}, committed_per_s=52.0, limit="chain")
    assert "stopped rising" in get_stop_reason(flat, 50.0, 3.0)
    kept_up = _step(latency_s={"p99": 1.0}, committed_per_s=52.0, limit="")
    assert get_stop_reason(kept_up, 50.0, 3.0) == ""


def test_proven_transfers_are_counted_from_the_final_heights_they_pass() -> None:
    watch = _watch([], [])
    for height, txs in ((1, 2), (2, 0), (3, 5)):
        watch._on_event("finalized", height, txs, 1.0)
    watch._on_event("proven_final", 2, 0, 2.0)
    watch._on_event("proven_final", 1, 0, 2.5)  # never backwards
    watch._on_event("proven_final", 3, 0, 3.0)
    assert [(p.at, p.count) for p in watch.proven] == [(2.0, 2), (3.0, 5)]


def test_the_unproven_heights_table_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commit_watch, "MAX_UNPROVEN_HEIGHTS", 3)
    watch = _watch([], [])
    for height in range(1, 11):
        watch._on_event("finalized", height, 1, 1.0)
    watch._on_event("proven_final", 10, 0, 2.0)
    assert watch.proven[-1].count == 3  # the oldest heights were let go
