"""Proving on Dask, measured honestly on one machine: proofs per second for 1 and 2 prover
workers, each pinned to its own core with ``taskset``, against the local prover (today's node:
one proof at a time on every core) in the same run.

    python benches/bench_dask_prover.py [--batch-size 2] [--depth 32] [--proofs 6]

Each configuration proves the same batch ``--proofs`` times. Throughput: all jobs submitted at
once to ``DaskProver`` (``max_concurrent`` = jobs), wall time from the first submission to the
last proof. Latency: one job at a time on the 1-worker cluster, median of ``--proofs`` (this
includes Dask's scheduling and moving the witness, not the worker's one-time key load, which a
warm-up job pays first). The local baseline proves on this process (``snark.prove``, every core).
Every proof is verified. The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.crypto import schnorr, snark
from zkpov.node.proving.dask_prover import DaskProver

SEED = b"bench-dask"
Batch = tuple[AccountState, list[Transfer]]
START_SECONDS = 60.0


def make_batch(config: snark.CircuitConfig) -> tuple[AccountState, list[Transfer]]:
    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    state = AccountState(config.tree_depth)
    state.credit(1, alice.public_key, 10**6)
    pay = [
        sign_transfer(alice.secret_key, 1, 2 + n, bob.public_key, 5, n + 1)
        for n in range(config.batch_size)
    ]
    return state, pay


def start_scheduler(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    path = work / "scheduler.json"
    cmd = [
        sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
        "--port", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
        "--scheduler-file", str(path),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            return proc, str(json.loads(path.read_text())["address"])
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the scheduler did not start")


def start_worker(address: str, keys: Path, core: int) -> subprocess.Popen[bytes]:
    """``zkpov prover-worker`` pinned to ``core``."""
    cmd = ["taskset", "-c", str(core), sys.executable, "-m", "zkpov", "prover-worker"]
    cmd += ["--scheduler", address, "--keys", str(keys)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        client.wait_for_workers(count, timeout=START_SECONDS)


async def prove_many(
    prover: DaskProver, pk: snark.ProvingKey, batch: Batch, n: int
) -> tuple[float, list[bytes]]:
    start = time.perf_counter()
    proofs = await asyncio.gather(*(prover.prove(pk, *batch) for _ in range(n)))
    return time.perf_counter() - start, list(proofs)


async def prove_one_by_one(
    prover: DaskProver, pk: snark.ProvingKey, batch: Batch, n: int
) -> tuple[list[float], list[bytes]]:
    times, proofs = [], []
    for _ in range(n):
        start = time.perf_counter()
        proofs.append(await prover.prove(pk, *batch))
        times.append(time.perf_counter() - start)
    return times, proofs


def check(vk: snark.VerifyingKey, inputs: snark.PublicInputs, proofs: list[bytes]) -> None:
    if not all(snark.verify(vk, inputs, p) for p in proofs):
        raise SystemExit("a proof did not verify")


def run_cluster(
    workers: int, keys: Path, work: Path, pk: snark.ProvingKey, batch: Batch, n: int
) -> dict[str, object]:
    scheduler, address = start_scheduler(work)
    procs = [start_worker(address, keys, core) for core in range(workers)]
    try:
        wait_workers(address, workers)
        prover = DaskProver(address, max_concurrent=max(n, workers))
        try:
            asyncio.run(prove_many(prover, pk, batch, workers))  # warm-up: each loads its key
            wall, proofs = asyncio.run(prove_many(prover, pk, batch, n))
            out: dict[str, object] = {"proofs_per_s": round(n / wall, 3), "wall_s": round(wall, 2)}
            if workers == 1:
                times, more = asyncio.run(prove_one_by_one(prover, pk, batch, n))
                out["latency_median_s"] = round(statistics.median(times), 3)
                proofs += more
        finally:
            prover.close()
        out["proofs"] = proofs
        return out
    finally:
        for proc in [*procs, scheduler]:
            proc.terminate()
            proc.wait()


def run_local(pk: snark.ProvingKey, batch: Batch, n: int) -> dict[str, object]:
    snark.prove(pk, *batch)  # warm-up: builds the constraint matrices if the cache had none
    times, proofs = [], []
    for _ in range(n):
        start = time.perf_counter()
        proofs.append(snark.prove(pk, *batch)[0])
        times.append(time.perf_counter() - start)
    median = round(statistics.median(times), 3)
    return {"proofs_per_s": round(n / sum(times), 3), "latency_median_s": median, "proofs": proofs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=snark.DEFAULT_BATCH_SIZE)
    parser.add_argument("--depth", type=int, default=snark.DEFAULT_TREE_DEPTH)
    parser.add_argument("--proofs", type=int, default=6)
    parser.add_argument("--keys", type=Path, help="key cache directory (default: a temporary one)")
    args = parser.parse_args()
    config = snark.CircuitConfig(args.batch_size, args.depth)
    with tempfile.TemporaryDirectory(prefix="zkpov-bench-dask-") as tmp:
        keys = args.keys or Path(tmp) / "keys"
        started = time.perf_counter()
        pk, vk = snark.load_or_create_insecure_keys(config, keys, SEED)
        print(f"keys ready in {time.perf_counter() - started:.1f} s ({keys})", flush=True)
        batch = make_batch(config)
        inputs = snark.prove(pk, *batch)[1]
        load_before = os.getloadavg()
        results = {"local (all cores)": run_local(pk, batch, args.proofs)}
        for workers in (1, 2):
            name = f"dask, {workers} pinned"
            results[name] = run_cluster(workers, keys, Path(tmp), pk, batch, args.proofs)
        load_after = os.getloadavg()
    for result in results.values():
        check(vk, inputs, result.pop("proofs"))  # type: ignore[arg-type]
    report(config, args.proofs, results, load_before, load_after)


def report(
    config: snark.CircuitConfig,
    n: int,
    results: dict[str, dict[str, object]],
    before: tuple[float, ...],
    after: tuple[float, ...],
) -> None:
    shape = f"batch {config.batch_size}, depth {config.tree_depth}"
    print(f"{shape}, {n} proofs each, cpus {os.cpu_count()}")
    print(f"load average (1, 5 min) before {before[0]:.2f} {before[1]:.2f}, after {after[0]:.2f}")
    for name, result in results.items():
        print(f"  {name:20s} {json.dumps(result)}")
    one, two = (results[f"dask, {w} pinned"]["proofs_per_s"] for w in (1, 2))
    local = results["local (all cores)"]["proofs_per_s"]
    assert isinstance(one, float) and isinstance(two, float) and isinstance(local, float)
    print(f"2 workers / 1 worker: {two / one:.2f}x; 2 workers / local: {two / local:.2f}x")


if __name__ == "__main__":
    main()
