"""The simulator with and without epochs: CPU seconds per simulated round, and their ratio.

    python benches/bench_sim_epochs.py [-n 4] [-r 300] [--epoch-length 10] [--repeats 3]

Runs the same seeded scenario (pairing-free scheme, 50 ms blocks) in this process, alternating
one epoch and ``--epoch-length`` blocks per epoch, and prints each run's CPU seconds
(``time.process_time``, steadier than wall time on a shared machine), the medians, their ratio
and the 1-minute load average before and after. With epochs every validator keeps a speculative
chain state per uncommitted block, copies it per block, and replays the committed log's
economics once per epoch switch; the ratio is that cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from zkpov.sim.runner import run_simulation
from zkpov.sim.scenarios import SimConfig


def run_once(validators: int, rounds: int, epoch_length: int | None) -> tuple[float, int]:
    config = SimConfig(
        validators=validators, rounds=rounds, scheme="insecure-hash", block_time=0.05,
        timeout_base=0.5, epoch_length=epoch_length,
    )  # fmt: skip
    start = time.process_time()
    report = run_simulation(config)
    if report.violations:
        raise SystemExit(f"violations: {report.violations}")
    return time.process_time() - start, report.rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--validators", type=int, default=4)
    parser.add_argument("-r", "--rounds", type=int, default=300)
    parser.add_argument("--epoch-length", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {"one epoch": [], "epochs": []}
    for _ in range(args.repeats):
        for name, length in (("one epoch", None), ("epochs", args.epoch_length)):
            cpu, rounds = run_once(args.validators, args.rounds, length)
            times[name].append(cpu / rounds)
            print(f"{name:>9}: {cpu:.2f} CPU s for {rounds} rounds")
    base, epochs = (statistics.median(times[k]) for k in ("one epoch", "epochs"))
    print(f"median CPU ms per round: one epoch {base * 1e3:.2f}, epochs {epochs * 1e3:.2f}")
    print(f"ratio epochs / one epoch: {epochs / base:.2f}; load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
