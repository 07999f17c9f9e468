"""Restart liveness on a real loopback network (issue 9): 4 validator processes, proofs off.

    python benches/bench_restart.py [--trials 20] [--seed 0]

Each trial starts a fresh 4-validator devnet, waits for height 3, kills one validator for good
(SIGKILL), kills a second with SIGKILL at a random moment, restarts it after a random pause, and
measures (1) the seconds from that restart until the chain commits a new block (the two other
validators alone lack a quorum, so nothing commits while it is down), then (2) restarts the
first validator and measures the seconds until all four hold a new height. A trial fails if
either takes more than ``--bound`` seconds. Prints one line per trial and a summary (medians).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from zkpov.devnet.processes import find_free_base_port, spawn_node, spawn_nodes, stop_nodes
from zkpov.devnet.run import DevnetOptions, prepare_devnet
from zkpov.node.ops.config import load_node_config
from zkpov.node.rpc.client import RpcClient


async def get_heights(clients: list[RpcClient]) -> list[int]:
    out = []
    for client in clients:
        try:
            status = await client.get("/status")
            out.append(int(status["sync_info"]["latest_block_height"]))
        except (aiohttp.ClientError, TimeoutError, OSError):
            out.append(-1)
    return out


async def wait_above(clients: list[RpcClient], height: int, limit: float) -> float | None:
    """Seconds until every client is above ``height``; None after ``limit`` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if min(await get_heights(clients)) > height:
            return time.monotonic() - start
        await asyncio.sleep(0.2)
    return None


async def run_trial(homes: list[Path], procs: list[subprocess.Popen[bytes]], rng: random.Random,
                    bound: float) -> tuple[float | None, float | None]:  # fmt: skip
    async with aiohttp.ClientSession() as session:
        clients = [
            RpcClient(session, "http://{}:{}".format(*load_node_config(h).rpc_listen))
            for h in homes
        ]
        await wait_above(clients, 2, 120)
        down, crashed = rng.sample(range(4), 2)
        procs[down].kill()
        procs[down].wait()
        await asyncio.sleep(rng.uniform(0.5, 4.0))
        procs[crashed].kill()  # kill -9 at a random moment of a round
        procs[crashed].wait()
        await asyncio.sleep(rng.uniform(1.0, 5.0))
        live = [c for i, c in enumerate(clients) if i not in (down, crashed)]
        before = max(await get_heights(live))
        procs[crashed] = spawn_node(homes[crashed])
        others = [c for i, c in enumerate(clients) if i != down]
        recovered = await wait_above(others, before, bound + 20)
        before = max(await get_heights(others))
        procs[down] = spawn_node(homes[down])
        rejoined = await wait_above(clients, before, bound + 40)
        return recovered, rejoined


def trial(index: int, seed: int, bound: float) -> tuple[float | None, float | None]:
    rng = random.Random(seed * 1000 + index)
    with tempfile.TemporaryDirectory() as tmp:
        options = DevnetOptions(Path(tmp) / "net", proofs=False, base_port=find_free_base_port(8))
        layout = prepare_devnet(options)
        procs = spawn_nodes(layout)
        try:
            return asyncio.run(run_trial(list(layout.homes), procs, rng, bound))
        finally:
            stop_nodes(procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bound", type=float, default=10.0)
    args = parser.parse_args()
    recovered, rejoined, failed = [], [], 0
    for i in range(args.trials):
        first, second = trial(i, args.seed, args.bound)
        ok = first is not None and first <= args.bound and second is not None
        failed += not ok
        recovered += [first] if first is not None else []
        rejoined += [second] if second is not None else []
        print(f"trial {i + 1:2d}: commit after restart {first} s, all four again {second} s"
              f"{'' if ok else '  FAILED'}", flush=True)  # fmt: skip
    first = statistics.median(recovered) if recovered else float("nan")
    second = statistics.median(rejoined) if rejoined else float("nan")
    print(f"{args.trials - failed}/{args.trials} trials recovered within {args.bound} s; median "
          f"{first:.2f} s after the restart, {second:.2f} s to all four")  # fmt: skip
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
