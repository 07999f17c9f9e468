"""The simulator at scale (issue 15 item 6): rounds per wall second and per CPU second.

    python benches/bench_sim_scale.py --baseline SHA [-n 1000] [-r 20] [--repeats 3]

Runs ``zkpov sim -n N -r R --json`` (real BLS, 500 ms rounds) from this checkout and from a
detached git worktree of the baseline commit, alternating, in one run. Each figure is the whole
command (start-up, key generation and the run): simulated rounds divided by its wall seconds
and by its CPU seconds (user + system of the child), medians over the repeats, and the ratio of
this checkout to the baseline. The machine is shared, so the CPU-second figures are the steadier
ones. The baseline's Python runs on this checkout's native module (``python/zkpov/
_native.abi3.so``, copied in; it only adds classes), so the comparison is of the Python and of
what the Python asks the native module to do. Both runs must print the same report: the bench
stops if the JSON reports differ once 64-hex strings (block ids, which a header format change
alters without changing the run) are masked.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIVE = "python/zkpov/_native.abi3.so"
HEX_ID = re.compile(rb"[0-9a-f]{64}")


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    output: bytes


def get_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sim(tree: Path, validators: int, rounds: int) -> Sample:
    """One ``zkpov sim`` command with ``tree``'s Python package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "python")}
    check = f"import zkpov; assert zkpov.__file__.startswith({str(tree)!r}), zkpov.__file__"
    code = f"{check}; from zkpov.cli import main; main()"
    args = ["sim", "-n", str(validators), "-r", str(rounds), "--json"]
    cpu, wall = get_cpu_seconds(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, check=False
    )
    wall, cpu = time.perf_counter() - wall, get_cpu_seconds() - cpu
    if done.returncode != 0:
        raise SystemExit(f"sim failed in {tree}: {done.stderr.decode()[-2000:]}")
    return Sample(wall, cpu, done.stdout)


def add_baseline_tree(sha: str, where: Path) -> Path:
    tree = where / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), sha],
                   check=True, capture_output=True)  # fmt: skip
    shutil.copy2(ROOT / NATIVE, tree / NATIVE)
    return tree


def remove_tree(tree: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                   check=False, capture_output=True)  # fmt: skip


def summarize(name: str, samples: list[Sample], rounds: int) -> tuple[float, float]:
    wall = statistics.median(rounds / s.wall for s in samples)
    cpu = statistics.median(rounds / s.cpu for s in samples)
    walls = ", ".join(f"{s.wall:.2f}" for s in samples)
    print(f"{name:9} rounds/wall-s {wall:5.2f}  rounds/CPU-s {cpu:5.2f}  (wall s: {walls})")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="commit to compare against (main)")
    parser.add_argument("-n", "--validators", type=int, default=1000)
    parser.add_argument("-r", "--rounds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = add_baseline_tree(opts.baseline, Path(tmp))
        try:
            runs: dict[str, list[Sample]] = {"baseline": [], "this": []}
            for _ in range(opts.repeats):
                runs["baseline"].append(run_sim(base, opts.validators, opts.rounds))
                runs["this"].append(run_sim(ROOT, opts.validators, opts.rounds))
        finally:
            remove_tree(base)
    outputs = {HEX_ID.sub(b"<id>", s.output) for samples in runs.values() for s in samples}
    if len(outputs) != 1:
        raise SystemExit("the JSON reports differ between runs or from the baseline")
    print(f"sim -n {opts.validators} -r {opts.rounds} --json, {opts.repeats} runs each, "
          f"identical JSON (ids masked); load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    b_wall, b_cpu = summarize("baseline", runs["baseline"], opts.rounds)
    t_wall, t_cpu = summarize("this", runs["this"], opts.rounds)
    print(f"ratio     wall {t_wall / b_wall:.2f}x  CPU {t_cpu / b_cpu:.2f}x")


if __name__ == "__main__":
    main()
