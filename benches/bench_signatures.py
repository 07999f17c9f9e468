"""Jubjub Schnorr signature checking: the per-signature loop against the batch, in one run.

    python benches/bench_signatures.py [--count 1024] [--repeat 5]

``--count`` signatures, each under its own key (so no key decoding is shared: the batch's worst
case), over distinct messages. Three ways to check them all, interleaved in each of
``--repeat`` rounds so that they see the same machine load:

- **loop**: ``schnorr.verify`` one at a time (decode the key and ``R``, hash the challenge,
  ``s G - c A == R``): the per-signature path, on one core, the GIL held.
- **batch 64** (a block at the former cap of 64 transfers) and **batch 1024**:
  ``schnorr.batch_verify`` (decoding and challenges in parallel on all cores, one random linear
  combination checked with one multi-scalar multiplication, the GIL released).

Each figure is the median per signature of wall time and of the process's CPU time (both cores
counted), with the ratio to the loop; the CPU ratio is what the batch saves in work, the wall
ratio adds what the second core gives on this machine at the load printed (1-minute average
before and after). Every verdict must be true (checked).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from zkpov.crypto import schnorr

Item = tuple[bytes, int, bytes]


def build(count: int) -> list[Item]:
    keys = [schnorr.generate_keypair() for _ in range(count)]
    return [(k.public_key, i, schnorr.sign(k.secret_key, i)) for i, k in enumerate(keys)]


def check_by_loop(items: list[Item]) -> bool:
    return all([schnorr.verify(*item) for item in items])


def check_in_batches(items: list[Item], size: int) -> bool:
    return all(all(schnorr.batch_verify(items[i : i + size])) for i in range(0, len(items), size))


def time_once(check: Callable[[], bool]) -> tuple[float, float]:
    """Wall and CPU seconds of one call (which must find every signature valid)."""
    wall, cpu = time.perf_counter(), time.process_time()
    assert check(), "a valid signature was refused"
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    items = build(args.count)
    ways: dict[str, Callable[[], bool]] = {
        "loop": lambda: check_by_loop(items),
        "batch 64": lambda: check_in_batches(items, 64),
        "batch 1024": lambda: check_in_batches(items, 1024),
    }
    load_before = os.getloadavg()[0]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for _ in range(args.repeat):
        for name, check in ways.items():
            samples[name].append(time_once(check))
    print(f"{args.count} signatures, distinct keys, median of {args.repeat}, {os.cpu_count()} CPUs")
    per_sig = {name: [statistics.median(s[k] for s in got) / args.count * 1e6 for k in (0, 1)]
               for name, got in samples.items()}  # fmt: skip
    loop_wall, loop_cpu = per_sig["loop"]
    for name, (wall, cpu) in per_sig.items():
        print(f"{name:11} wall {wall:7.1f} us/sig ({loop_wall / wall:4.2f}x)   "
              f"cpu {cpu:7.1f} us/sig ({loop_cpu / cpu:4.2f}x)")  # fmt: skip
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
