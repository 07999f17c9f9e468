"""The saturation run as text: a row per step, the result lines, the profile or why none."""

from __future__ import annotations

from pathlib import Path

from zkpov.devnet.node_profile import NodeProfile
from zkpov.devnet.saturate import SaturationReport, get_mode_options
from zkpov.devnet.saturation_report import STEP_HEADER, format_report, format_step
from zkpov.devnet.saturation_steps import StepResult


def _step() -> StepResult:
    return StepResult(
        offered_per_s=41.0, seconds=12.0, sent_per_s=40.4, committed_per_s=38.3,
        latency_s={"p50": 1.47, "p90": 1.8, "p99": 2.0}, node_cpu=[0.19, 0.17],
        generator_cpu=0.06, limit="chain",
    )  # fmt: skip


def test_a_step_row_lines_up_with_the_header() -> None:
    row = format_step(_step())
    assert row.split()[:7] == ["41.00", "40.4", "38.3", "0.00", "1.47", "1.80", "2.00"]
    assert row.endswith("chain") and "0.19 0.17" in row
    assert len(STEP_HEADER.split()) >= 10
    missing = format_step(StepResult(offered_per_s=1.0))
    assert missing.split()[4:7] == ["-", "-", "-"]


def test_the_report_names_the_stop_the_limit_and_the_profile() -> None:
    profile = NodeProfile(
        node=2, seconds=12.0, samples=100, busy=0.5,
        self_share=[("apply (s.py)", 0.6)], total_share=[("check_block (v.py)", 0.4)],
    )  # fmt: skip
    report = SaturationReport(
        proofs=False, steps=[_step()], stop_reason="p99 passed", saturated_by="chain",
        best_sustained_per_s=38.3, profile_step=_step(), profile=profile,
    )  # fmt: skip
    text = "\n".join(format_report(report))
    assert "stop: p99 passed; saturated by: chain" in text
    assert "best sustained: 38.3" in text and "node2" in text
    assert "60.0% apply (s.py)" in text and "40.0% check_block (v.py)" in text


def test_a_missing_profile_says_why() -> None:
    report = SaturationReport(proofs=True, profile=NodeProfile(unavailable="py-spy is gone"))
    assert "profile: py-spy is gone" in format_report(report)


def test_mode_defaults_give_way_to_the_options_given() -> None:
    off = get_mode_options(Path("d"), False, start_rate=None, max_steps=3)
    assert off.start_rate == 10.0 and off.max_steps == 3 and off.accounts == 512
    on = get_mode_options(Path("d"), True)
    assert on.proofs and on.start_rate == 0.25 and on.depth == 8
