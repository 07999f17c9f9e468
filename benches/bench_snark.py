"""Validity-proof benchmarks: circuit size, setup/prove/verify, batch verification, native hashing.

    python benches/bench_snark.py [--quick] [--prove-repeat N]

Setup and proving run in separate fresh child processes (the setup child writes the key to a
temporary key cache, the prover child loads it from there), so each "peak RSS" is that process's
own high-water mark: Python, the extension, the key and the work together. Cells are medians of
the repeats shown; setups run once per config. The prover's constraint matrices are built at its
first proof, which is not timed (a node proves many blocks with one key).
``RAYON_NUM_THREADS`` sizes rayon's pool, which runs setup, the prover's FFTs and batch
verification's Miller loops; the prover's multi-scalar multiplications run on blst's pool, one
thread per CPU the process may use, whatever the variable says (a table proves the default config
pinned to one core, and on two cores with 1 and 2 rayon threads).
``--quick`` drops batch 16 and uses fewer repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import median_seconds

from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.crypto import bls, poseidon, schnorr, snark

BATCHES = (1, 4, 16)
DEPTHS = (20, 32)
BATCH_VERIFY_SIZES = (1, 8, 32, 128)
# Batch 2 at depth 38 has 64,015 constraints (circuit version 5): the largest batch-2 circuit on a
# 2^16 evaluation domain (depth 40 has 66,439).
TARGET_2_16 = (2, 38)
SEED = b"bench"


def make_batch(depth: int, size: int) -> tuple[AccountState, list[Transfer]]:
    """A funded sender paying ``size`` distinct new accounts (the costlier path: new leaves)."""
    keys = schnorr.generate_keypair()
    state = AccountState(depth)
    state.credit(1, keys.public_key, 10**12)
    transfers = [
        sign_transfer(keys.secret_key, 1, 2 + i, keys.public_key, 7, i + 1) for i in range(size)
    ]
    return state, transfers


def run_setup_child(batch: int, depth: int, cache_dir: Path) -> dict[str, Any]:
    """Setup once, writing the key to ``cache_dir``; report its time and peak RSS."""
    config = snark.CircuitConfig(batch, depth)
    start = time.perf_counter()
    snark.load_or_create_insecure_keys(config, cache_dir, SEED)
    return {"setup": time.perf_counter() - start, "setup_rss_mb": get_peak_rss_mb()}


def run_prove_child(batch: int, depth: int, repeat: int, cache_dir: Path) -> dict[str, Any]:
    """Load the key from ``cache_dir``, prove ``repeat`` times after a first, untimed proof, verify
    30 times; report medians and the peak RSS of this process."""
    config = snark.CircuitConfig(batch, depth)
    pk, vk = snark.load_or_create_insecure_keys(config, cache_dir, SEED)
    state, transfers = make_batch(depth, batch)
    proof, inputs = snark.prove(pk, state, transfers)
    prove = median_seconds(lambda: snark.prove(pk, state, transfers), repeat)
    verify = median_seconds(lambda: snark.verify(vk, inputs, proof), 30)
    return {"prove": prove, "verify": verify, "rss_mb": get_peak_rss_mb()}


def get_peak_rss_mb() -> float:
    """This process's peak RSS. Linux's VmHWM starts afresh at exec; ru_maxrss would carry the
    parent's peak over the fork, hiding a child smaller than the parent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_child(
    args: list[str], threads: int | None = None, cores: int | None = None
) -> dict[str, Any]:
    """Runs this script with ``args``; ``threads`` sets ``RAYON_NUM_THREADS`` and ``cores`` pins
    the child to that many CPUs (blst sizes its pool from the CPUs the process may use)."""
    env = dict(os.environ)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    command = [sys.executable, __file__, *args]
    if cores is not None:
        command = ["taskset", "--cpu-list", f"0-{cores - 1}", *command]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def spawn(
    batch: int, depth: int, repeat: int, threads: int | None = None, cores: int | None = None
) -> dict[str, Any]:
    """Setup in one child, prove and verify in another; both children's figures."""
    with tempfile.TemporaryDirectory(prefix="zkpov-bench-keys-") as cache_dir:
        shape = [str(batch), str(depth)]
        result = run_in_child(["--setup-child", *shape, cache_dir], threads)
        prove_args = ["--prove-child", *shape, str(repeat), cache_dir]
        result |= run_in_child(prove_args, threads, cores)
    return result


def print_rows(title: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    print(f"\n## {title}\n")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


def bench_sizes() -> None:
    rows = []
    for depth in DEPTHS:
        stats = snark.get_circuit_stats(snark.CircuitConfig(1, depth))
        rows.append((depth, stats.constraints_per_transfer, stats.merkle_path, stats.signature))
    header = ("depth", "constraints/transfer", "merkle path", "signature")
    print_rows("Constraints per transfer", header, rows)


def bench_prover(batches: tuple[int, ...], repeat: int) -> None:
    shapes = [(batch, depth) for depth in DEPTHS for batch in batches] + [TARGET_2_16]
    rows = []
    for batch, depth in shapes:
        stats = snark.get_circuit_stats(snark.CircuitConfig(batch, depth))
        r = spawn(batch, depth, repeat)
        rows.append(
            (
                batch,
                depth,
                stats.constraint_count,
                f"{r['setup']:.2f}",
                f"{r['setup_rss_mb']:.0f}",
                f"{r['prove']:.2f}",
                f"{r['rss_mb']:.0f}",
                f"{r['verify'] * 1e3:.2f}",
            )
        )
    header = (
        "batch",
        "depth",
        "constraints",
        "setup s",
        "setup RSS MB",
        "prove s",
        "prove RSS MB",
        "verify ms",
    )
    print_rows(f"Setup, prove (median of {repeat}), verify (median of 30)", header, rows)


def bench_batch_verify(repeat: int) -> None:
    config = snark.CircuitConfig(1, 8)
    pk, vk = snark.insecure_setup(config, b"bench")
    state, transfers = make_batch(8, 1)
    proofs = [snark.prove(pk, state, transfers) for _ in range(4)]
    items = [(inputs, proof) for proof, inputs in proofs]
    single = median_seconds(lambda: snark.verify(vk, items[0][0], items[0][1]), 50)
    times = {}
    for n in BATCH_VERIFY_SIZES:
        batch = [items[i % len(items)] for i in range(n)]
        times[n] = median_seconds(lambda b=batch: snark.batch_verify(vk, b), repeat)
    bls_ms = get_bls_verify_seconds() * 1e3
    rows: list[tuple[object, ...]] = [
        ("BLS verify (reference)", f"{bls_ms:.2f}", "", ""),
        ("1 (verify)", f"{single * 1e3:.2f}", "", ""),
    ]
    for n in BATCH_VERIFY_SIZES:
        marginal = (times[n] - times[1]) / (n - 1) if n > 1 else float("nan")
        per = f"{marginal * 1e3:.3f}" if n > 1 else ""
        rows.append((n, f"{times[n] * 1e3:.2f}", f"{times[n] / n * 1e3:.3f}", per))
    header = ("proofs", "total ms", "ms/proof", "marginal ms/proof")
    print_rows(f"Batch verify, decode included (median of {repeat})", header, rows)
    print(
        f"\nverify = {single * 1e3 / bls_ms:.2f} x a BLS verify in this run; marginal at 128 "
        f"proofs = {(times[128] - times[1]) / 127 * 1e3 / bls_ms:.2f} x"
    )


def get_bls_verify_seconds() -> float:
    """One BLS signature check (blst, from bytes): a yardstick for this machine's speed now."""
    sk = bls.generate_secret_key()
    pk, sig = bls.sk_to_pk(sk), bls.sign(sk, b"reference")
    return median_seconds(lambda: bls.verify(pk, b"reference", sig), 101)


def bench_native(repeat: int) -> None:
    n = 2000
    h2 = median_seconds(lambda: [poseidon.hash2(i, i + 1) for i in range(n)], repeat)
    keys = schnorr.generate_keypair()

    def updates() -> None:
        state = AccountState(32)
        for i in range(n // 10):
            state.credit(i * 7919, keys.public_key, i)

    upd = median_seconds(updates, repeat)
    state, transfers = make_batch(32, 100)
    apply = median_seconds(lambda: state.copy().apply_transfers(transfers), repeat)
    rows: list[tuple[object, ...]] = [
        ("poseidon.hash2 (t=3, from Python)", f"{n / h2:,.0f}/s"),
        ("account tree update (depth 32, 17 x t=5)", f"{n // 10 / upd:,.0f}/s"),
        ("apply_transfers (signature + 2 updates)", f"{len(transfers) / apply:,.0f}/s"),
    ]
    print_rows(f"Native throughput (median of {repeat})", ("operation", "rate"), rows)


def bench_throughput(repeat: int) -> None:
    config = snark.CircuitConfig()
    rows = []
    for cores, threads in ((1, 1), (2, 1), (2, 2)):
        r = spawn(config.batch_size, config.tree_depth, repeat, threads, cores)
        per_second = f"{config.batch_size / r['prove']:.2f}"
        rows.append((cores, threads, f"{r['prove']:.2f}", per_second))
    header = ("cores (taskset)", "RAYON_NUM_THREADS", "prove s", "proven transfers/s")
    title = f"Default config (batch {config.batch_size}, depth {config.tree_depth})"
    print_rows(title, header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--prove-repeat", type=int, default=3)
    parser.add_argument("--setup-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--prove-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_child:
        batch, depth, cache_dir = args.setup_child
        print(json.dumps(run_setup_child(int(batch), int(depth), Path(cache_dir))))
        return
    if args.prove_child:
        batch, depth, repeat, cache_dir = args.prove_child
        print(json.dumps(run_prove_child(int(batch), int(depth), int(repeat), Path(cache_dir))))
        return
    repeat = 1 if args.quick else args.prove_repeat
    print(f"# zkpov validity-proof benchmarks ({platform.machine()}, {os.cpu_count()} cores)")
    bench_sizes()
    bench_native(3 if args.quick else 5)
    bench_batch_verify(3 if args.quick else 9)
    bench_throughput(repeat)
    bench_prover(BATCHES[:2] if args.quick else BATCHES, repeat)


if __name__ == "__main__":
    main()
