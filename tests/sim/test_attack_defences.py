"""Each flooding attack bites when its bound in ``zkpov.consensus.limits`` is switched off, and
stays bounded with it (``limits`` is read at call time, so ``monkeypatch`` loosens it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from zkpov.consensus import limits
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.sim import SimConfig, SimReport, forgery, run_simulation
from zkpov.sim.scenarios import parse_crash
from zkpov.spec import signing

OFF = 10**9


def run_for(kind: str | None, seconds: float, **options: Any) -> SimReport:
    byzantine = {kind: 1} if kind else {}
    config = SimConfig(
        validators=4, rounds=10_000, seed=2, byzantine=byzantine, max_time=seconds,
        scheme="insecure-hash", **options,
    )  # fmt: skip
    return run_simulation(config)


# -- far-future flood ------------------------------------------------------------------------------


@pytest.fixture
def small_flood(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forgery, "FLOOD_ROUNDS", 2)


def get_retained(report: SimReport) -> int:
    """The largest total of one honest core's peak table sizes."""
    byzantine = set(report.extra["byzantine"])
    peaks = report.extra["peak_table_sizes"]
    return max(sum(sizes.values()) for node, sizes in peaks.items() if node not in byzantine)


@pytest.mark.usefixtures("small_flood")
def test_future_round_flood_grows_the_tables_without_the_round_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FUTURE_ROUND_WINDOW", "MAX_PARKED_PROPOSALS", "MAX_PARKED_BYTES"):
        monkeypatch.setattr(limits, name, OFF)
    baseline = get_retained(run_for(None, 8.0))
    short, long = (get_retained(run_for("future_round_flooder", s)) for s in (4.0, 8.0))
    assert short > baseline + 30
    assert long > short + 30  # it keeps growing with the flood


@pytest.mark.usefixtures("small_flood")
def test_future_round_flood_is_dropped_with_the_round_window() -> None:
    baseline = get_retained(run_for(None, 8.0))
    assert get_retained(run_for("future_round_flooder", 8.0)) <= 1.5 * baseline + 8


def count_window_computations(monkeypatch: pytest.MonkeyPatch, kind: str | None) -> int:
    """Reputation windows computed in a 4 s run (the costly part of finding a leader)."""
    computed = {"windows": 0}
    compute = ReputationLeaders._compute_weights

    def counting(self: ReputationLeaders, *args: Any) -> Any:
        computed["windows"] += 1
        return compute(self, *args)

    monkeypatch.setattr(ReputationLeaders, "_compute_weights", counting)
    run_for(kind, 4.0)
    monkeypatch.setattr(ReputationLeaders, "_compute_weights", compute)
    return computed["windows"]


@pytest.mark.usefixtures("small_flood")
def test_far_future_proposals_are_dropped_before_their_leader_is_computed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    baseline = count_window_computations(monkeypatch, None)
    assert count_window_computations(monkeypatch, "future_round_flooder") <= 3 * baseline + 20
    monkeypatch.setattr(limits, "FUTURE_ROUND_WINDOW", OFF)
    assert count_window_computations(monkeypatch, "future_round_flooder") > 50 * baseline


# -- forged TCs ------------------------------------------------------------------------------------

# Node 0 (crashed) leads the odd rounds and the forger the even ones: every even round is a
# recovery round whose proposal carries TC(r - 1), the one kind of proposal TC a core checks.
RECOVERY_SCHEDULE = {r: 0 if r % 2 else 3 for r in range(1, 400)}


class TcChecks:
    """Counts TC signature checks (``aggregate_verify_groups`` serves TCs only)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self.monkeypatch = monkeypatch
        ring = signing._InsecureKeyRing
        verify = ring.aggregate_verify_groups

        def counting(
            this: object, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes
        ) -> bool:
            self.count += 1
            return verify(this, groups, sig)  # type: ignore[arg-type]

        monkeypatch.setattr(ring, "aggregate_verify_groups", counting)

    def measure(self, copies: int) -> int:
        """TC checks in a run where the forger leads every recovery round."""
        self.monkeypatch.setattr(forgery, "TC_COPIES", copies)
        before = self.count
        report = run_for(
            "tc_forger", 20.0, leader_schedule=RECOVERY_SCHEDULE, crashes=(parse_crash("0@0"),)
        )
        assert report.violations == [] and report.rounds >= 8
        return self.count - before


def test_forged_tcs_cost_a_check_each_without_the_per_round_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_TC_CHECKS_PER_ROUND", OFF)
    checks = TcChecks(monkeypatch)
    one, eight = checks.measure(1), checks.measure(8)
    assert one >= 8
    assert eight >= 5 * one  # grows with the number of forged TCs


def test_forged_tcs_are_capped_per_round(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = TcChecks(monkeypatch)
    one, eight = checks.measure(1), checks.measure(8)
    assert one >= 8
    assert eight <= 1.5 * one
