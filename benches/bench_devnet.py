"""Saturation of the whole chain: a 4-node loopback devnet under a rising open-loop load.

    python benches/bench_devnet.py [--mode off|on|both] [--json] [--step-seconds S] ...

(``zkpov devnet --load saturate`` runs the same ramp for one mode.) Each mode starts real
``zkpov start`` processes (``zkpov.devnet``), offers transfers at a rate that grows by
``--factor`` each step, and measures from the nodes: committed transfers a second (the slowest
node's ``zkpov_consensus_total_txs``), commit latency p50/p90/p99 (submit to the ``finalized``
event of node0's ``/events``), CPU per node process (/proc), and, with proofs on, proven
transfers a second (transfers in blocks that became proven-final, that is covered by verified
Groth16 proofs). It stops when p99 passes ``--p99-limit`` or throughput stops rising, then
samples the busiest node with py-spy for one more step at the saturating rate.

The generator's own limit is in the same run: its CPU share per step (``gen cpu``) and the
transfers it sent per CPU-second of its own (``generator ceiling``); a step whose generator used
90% of a core is marked ``generator``. The 2-core machine runs the generator and the four nodes
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
from zkpov.devnet.saturate import SaturationReport, get_mode_options, run_saturation
from zkpov.devnet.saturation_report import STEP_HEADER, format_report, format_step


def run_mode(mode: str, args: argparse.Namespace, root: Path) -> SaturationReport:
    options = get_mode_options(
        root / f"proofs-{mode}", mode == "on", start_rate=args.start_rate, factor=args.factor,
        max_steps=args.max_steps, step_seconds=args.step_seconds,
        settle_seconds=args.settle_seconds, accounts=args.accounts, p99_limit=args.p99_limit,
        base_port=find_free_base_port(8), profile=not args.no_profile,
        max_block_transfers=args.max_block_transfers,
    )  # fmt: skip
    load = os.getloadavg()[0]
    print(f"\nproofs {mode} (load {load:.2f} before the run)\n{STEP_HEADER}", file=sys.stderr)
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
    parser.add_argument("--max-block-transfers", type=int, help="each node's cap, proofs off")
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
        print(f"\n== proofs {mode}", *format_report(report), sep="\n", file=sys.stderr)
    result: dict[str, Any] = {f"proofs_{m}": dataclasses.asdict(r) for m, r in reports.items()}
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
