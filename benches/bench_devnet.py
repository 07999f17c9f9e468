"""Saturation of the whole chain: a 4-node loopback devnet under a rising open-loop load.

    python benches/bench_devnet.py [--mode off|on|both] [--json] [--step-seconds S] ...

Each mode starts real ``zkpov start`` processes (``zkpov.devnet``), offers transfers at a rate
that grows by ``--factor`` each step, and measures from the nodes: committed transfers a second
(the slowest node's ``zkpov_consensus_total_txs``), commit latency p50/p90/p99 (submit to the
``finalized`` event of node0's ``/events``), CPU per node process (/proc), and, with proofs on,
proven transfers a second (transfers in blocks that became proven-final, that is covered by
verified Groth16 proofs). It stops when p99 passes ``--p99-limit`` or throughput stops rising,
then samples the busiest node with py-spy for one more step at the saturating rate.

The generator's own limit is in the same run: its CPU share per step (``gen cpu``) and the
transfers it sent per CPU-second of its own (``generator ceiling``); a step whose generator used
a whole core is marked ``generator``. The 2-core machine runs the generator and the four nodes
together, so the figures are for that machine: quote ``uptime`` with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from zkpov.devnet.processes import find_free_base_port
from zkpov.devnet.saturate import SaturationOptions, SaturationReport, run_saturation
from zkpov.devnet.saturation_steps import StepResult

# per mode: (start rate, factor, steps, measured s, settle s, accounts, depth); each mode runs
# in under about 4 minutes with these
DEFAULTS = {
    "off": (25.0, 1.6, 9, 12.0, 3.0, 512, 10),
    "on": (1.0, 2.0, 4, 25.0, 5.0, 64, 8),
}
HEADER = (
    f"{'offered':>8} {'sent':>7} {'commit/s':>9} {'proven/s':>8} {'p50':>6} {'p90':>6}"
    f" {'p99':>6} {'late':>5} {'gen cpu':>7}  node cpu (share of a core)  limit"
)


def format_step(step: StepResult) -> str:
    lat = step.latency_s
    cells = [f"{lat[k]:6.2f}" if k in lat else f"{'-':>6}" for k in ("p50", "p90", "p99")]
    cpus = " ".join(f"{c:.2f}" for c in step.node_cpu)
    return (
        f"{step.offered_per_s:8.1f} {step.sent_per_s:7.1f} {step.committed_per_s:9.1f}"
        f" {step.proven_per_s:8.2f} {' '.join(cells)} {step.late:5d} {step.generator_cpu:7.2f}"
        f"  {cpus:<26} {step.limit or '-'}"
    )


def print_report(report: SaturationReport) -> None:
    out = sys.stderr
    print(f"stop: {report.stop_reason}; saturated by: {report.saturated_by or '-'}", file=out)
    print(
        f"best sustained: {report.best_sustained_per_s:g} committed transfers/s (p99 within"
        f" limit); best proven: {report.best_proven_per_s:g}/s; generator ceiling:"
        f" {report.generator_ceiling_per_s:g} sent/s per generator CPU-second",
        file=out,
    )
    if report.profile_step is not None:
        print(f"profile step: {format_step(report.profile_step)}", file=out)
    _print_profile(report)
    if report.failure:
        print(f"failure: {report.failure}", file=out)
    print(f"wall time {report.wall_seconds} s", file=out)


def _print_profile(report: SaturationReport) -> None:
    profile = report.profile
    if profile is None:
        return
    if profile.unavailable:
        print(f"profile: {profile.unavailable}", file=sys.stderr)
        return
    print(
        f"py-spy, node{profile.node}, {profile.seconds:g} s, {profile.samples} samples"
        f" (busy {profile.busy:.0%} of the time); top functions by own time / on the stack:",
        file=sys.stderr,
    )
    for own, total in zip(profile.self_share, profile.total_share, strict=False):
        print(
            f"  {own[1]:6.1%} {own[0][:70]:<70}  {total[1]:6.1%} {total[0][:70]}", file=sys.stderr
        )


def run_mode(mode: str, args: argparse.Namespace, root: Path) -> SaturationReport:
    start, factor, steps, seconds, settle, accounts, depth = DEFAULTS[mode]
    options = SaturationOptions(
        directory=root / f"proofs-{mode}", proofs=mode == "on",
        start_rate=args.start_rate or start, factor=args.factor or factor,
        max_steps=args.max_steps or steps, step_seconds=args.step_seconds or seconds,
        settle_seconds=settle if args.settle_seconds is None else args.settle_seconds,
        p99_limit=args.p99_limit, accounts=args.accounts or accounts, depth=depth,
        base_port=find_free_base_port(8), profile=not args.no_profile,
    )  # fmt: skip
    print(
        f"\nproofs {mode}: {os.getloadavg()[0]:.2f} load before the run\n{HEADER}", file=sys.stderr
    )
    return run_saturation(options, lambda step: print(format_step(step), file=sys.stderr))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("off", "on", "both"), default="both")
    parser.add_argument("--start-rate", type=float, help="transfers/s offered in the first step")
    parser.add_argument("--factor", type=float, help="each step offers this many times the last")
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--step-seconds", type=float, help="measured seconds per step")
    parser.add_argument("--settle-seconds", type=float, help="unmeasured seconds per step")
    parser.add_argument("--accounts", type=int, help="sending accounts (16 in flight each)")
    parser.add_argument("--p99-limit", type=float, default=3.0)
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy step")
    parser.add_argument("--dir", type=Path, help="keep the devnets here (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line on stdout")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="zkpov-saturate-"))
    modes = ["off", "on"] if args.mode == "both" else [args.mode]
    try:
        reports = {mode: run_mode(mode, args, root) for mode in modes}
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    for mode, report in reports.items():
        print(f"\n== proofs {mode}", file=sys.stderr)
        print_report(report)
    result = {f"proofs_{m}": dataclasses.asdict(r) for m, r in reports.items()}
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
