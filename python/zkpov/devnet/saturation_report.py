"""The saturation run as text: one table row per step, then the result and the profile."""

from __future__ import annotations

from zkpov.devnet.node_profile import NodeProfile
from zkpov.devnet.saturate import SaturationReport
from zkpov.devnet.saturation_steps import StepResult

__all__ = ["STEP_HEADER", "format_report", "format_step"]

STEP_HEADER = (
    f"{'offered':>8} {'sent':>7} {'commit/s':>9} {'proven/s':>8} {'p50':>6} {'p90':>6}"
    f" {'p99':>6} {'late':>5} {'gen cpu':>7}  node cpu (share of a core)  limit"
)
NAME_WIDTH = 68


def format_step(step: StepResult) -> str:
    lat = step.latency_s
    cells = [f"{lat[k]:6.2f}" if k in lat else f"{'-':>6}" for k in ("p50", "p90", "p99")]
    cpus = " ".join(f"{c:.2f}" for c in step.node_cpu)
    return (
        f"{step.offered_per_s:8.2f} {step.sent_per_s:7.1f} {step.committed_per_s:9.1f}"
        f" {step.proven_per_s:8.2f} {' '.join(cells)} {step.late:5d} {step.generator_cpu:7.2f}"
        f"  {cpus:<26} {step.limit or '-'}"
    )


def format_report(report: SaturationReport) -> list[str]:
    lines = [
        f"stop: {report.stop_reason}; saturated by: {report.saturated_by or '-'}",
        f"best sustained: {report.best_sustained_per_s:g} committed transfers/s (p99 within"
        f" the limit); best proven: {report.best_proven_per_s:g} transfers/s",
        f"generator ceiling: {report.generator_ceiling_per_s:g} transfers sent per CPU-second"
        " of the generator",
    ]
    if report.profile_step is not None:
        lines.append(f"profile step: {format_step(report.profile_step)}")
    if report.profile is not None:
        lines += format_profile(report.profile)
    if report.failure:
        lines.append(f"failure: {report.failure}")
    return [*lines, f"wall time {report.wall_seconds} s"]


def format_profile(profile: NodeProfile) -> list[str]:
    if profile.unavailable:
        return [f"profile: {profile.unavailable}"]
    lines = [
        f"py-spy on node{profile.node} for {profile.seconds:g} s: {profile.samples} samples"
        f" (active {profile.busy:.0%} of the time); by own time | on the stack:"
    ]
    for own, total in zip(profile.self_share, profile.total_share, strict=False):
        lines.append(
            f"  {own[1]:6.1%} {own[0][:NAME_WIDTH]:<{NAME_WIDTH}} | {total[1]:6.1%}"
            f" {total[0][:NAME_WIDTH]}"
        )
    return lines
