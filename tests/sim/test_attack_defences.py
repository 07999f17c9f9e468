"""Each flooding attack bites when its bound in ``zkpov.consensus.limits`` is switched off, and
stays bounded with it (``limits`` is read at call time, so ``monkeypatch`` loosens it)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from zkpov.consensus import limits, signing
from zkpov.sim import SimConfig, SimReport, forgery, run_simulation

OFF = 10**9

NOT_ON_MAIN = "the issue-9 core that reads zkpov.consensus.limits is not on main yet"


def run_for(kind: str | None, seconds: float) -> SimReport:
    byzantine = {kind: 1} if kind else {}
    config = SimConfig(
        validators=4, rounds=10_000, seed=2, byzantine=byzantine, max_time=seconds,
        scheme="insecure-hash",
    )  # fmt: skip
    return run_simulation(config)


def get_retained(report: SimReport) -> int:
    """The largest total of one honest core's peak table sizes."""
    byzantine = set(report.extra["byzantine"])
    peaks = report.extra["peak_table_sizes"]
    return max(sum(sizes.values()) for node, sizes in peaks.items() if node not in byzantine)


def switch_off_round_window(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FUTURE_ROUND_WINDOW", "MAX_PARKED_PROPOSALS", "MAX_PARKED_BYTES"):
        monkeypatch.setattr(limits, name, OFF)


def test_future_round_flood_grows_the_tables_without_the_round_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    switch_off_round_window(monkeypatch)
    baseline = get_retained(run_for(None, 20.0))
    short, long = (get_retained(run_for("future_round_flooder", s)) for s in (10.0, 20.0))
    assert short > baseline + 100
    assert long > short + 100  # it keeps growing with the flood


@pytest.mark.xfail(strict=True, reason=NOT_ON_MAIN)
def test_future_round_flood_is_dropped_with_the_round_window() -> None:
    baseline = get_retained(run_for(None, 20.0))
    assert get_retained(run_for("future_round_flooder", 20.0)) <= 1.5 * baseline + 16


class TcChecks:
    """Counts TC signature checks (``aggregate_verify_groups`` serves TCs only)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        ring = signing._InsecureKeyRing
        verify = ring.aggregate_verify_groups

        def counting(
            this: object, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes
        ) -> bool:
            self.count += 1
            return verify(this, groups, sig)  # type: ignore[arg-type]

        monkeypatch.setattr(ring, "aggregate_verify_groups", counting)

    def measure(self, kind: str | None, copies: int, monkeypatch: pytest.MonkeyPatch) -> int:
        monkeypatch.setattr(forgery, "TC_COPIES", copies)
        before = self.count
        run_for(kind, 15.0)
        return self.count - before


def test_forged_tcs_cost_a_check_each_without_the_per_round_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_TC_CHECKS_PER_ROUND", OFF)
    checks = TcChecks(monkeypatch)
    baseline = checks.measure(None, 1, monkeypatch)
    one, eight = (checks.measure("tc_forger", c, monkeypatch) - baseline for c in (1, 8))
    assert one >= 10
    assert eight >= 6 * one  # grows with the number of forged TCs


@pytest.mark.xfail(strict=True, reason=NOT_ON_MAIN)
def test_forged_tcs_are_capped_per_round(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = TcChecks(monkeypatch)
    baseline = checks.measure(None, 1, monkeypatch)
    report_rounds = run_for(None, 15.0).rounds
    many = checks.measure("tc_forger", 32, monkeypatch) - baseline
    assert many <= limits.MAX_TC_CHECKS_PER_ROUND * report_rounds * 3
