"""Trusted-setup ceremony benchmarks: each CLI step in a fresh child process, with its wall time,
CPU time (user + system, all threads) and peak RSS, and the insecure setup of the same circuit
as the baseline in the same run.

    python benches/bench_ceremony.py [--log-size 16] [--batch-size 2 --depth 32] [--no-phase2]

Phase 1 runs new, one contribution, verify (one contribution) and a beacon (2^0 hashes); phase 2
(unless ``--no-phase2``) new, one contribution and verify (which re-verifies phase 1 and
recomputes phase 2's start). The baseline is ``snark.insecure_setup`` for the phase-2 circuit
(what a devnet does instead). Report the machine load (printed) with any figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = (
    "import sys; from zkpov.crypto import snark;"
    " snark.insecure_setup(snark.CircuitConfig(int(sys.argv[1]), int(sys.argv[2])), b'bench')"
)


def run_child(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of one child process."""
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}")
    cpu = usage.ru_utime + usage.ru_stime
    return time.monotonic() - started, cpu, usage.ru_maxrss / 1024


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "zkpov", "ceremony", *args]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log-size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--no-phase2", action="store_true")
    a = parser.parse_args()
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        d = str(Path(tmp) / "c")
        steps = [
            (f"phase1 new 2^{a.log_size}", cli("phase1", "new", d, "--log-size", str(a.log_size))),
            ("phase1 contribute", cli("phase1", "contribute", d)),
            ("phase1 verify (1 contribution)", cli("phase1", "verify", d)),
            ("phase1 beacon", cli("phase1", "beacon", d, "--value", "00", "--log-iterations", "0")),
        ]
        shape = ["--batch-size", str(a.batch_size), "--depth", str(a.depth)]
        if not a.no_phase2:
            steps += [
                (f"phase2 new {a.batch_size}x{a.depth}", cli("phase2", "new", d, *shape)),
                ("phase2 contribute", cli("phase2", "contribute", d)),
                ("phase2 verify (all)", cli("phase2", "verify", d)),
            ]
            base = [sys.executable, "-c", BASELINE, str(a.batch_size), str(a.depth)]
            steps.append((f"baseline insecure_setup {a.batch_size}x{a.depth}", base))
        print(f"{'step':40} {'wall s':>9} {'CPU s':>9} {'peak MiB':>9}")
        for name, args in steps:
            seconds, cpu, rss = run_child(args)
            print(f"{name:40} {seconds:9.1f} {cpu:9.1f} {rss:9.0f}", flush=True)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
