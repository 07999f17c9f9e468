"""Honest throughput under a junk flood: a 4-node devnet (proofs off), honest transfers per 10 s
without and with 20,000 junk transfers offered at full speed to node 0.

    python benches/mempool_flood.py [--junk 20000] [--window 10]

The honest load is the devnet's (64 transfers in flight, each sender through one node) on all
funded accounts but the last. The junk is the expensive kind for the node: transfers from the
last funded account at its next nonce, affordable and well formed, whose signatures do not
verify (each costs the node a Schnorr verification), alternating with random 136-byte strings
(refused by cheap checks). Honest = committed transfers, counted from node 1's blocks (junk never
commits). It prints the two rates, their ratio, node 0's mempool size, its refusals by reason
and its peak RSS. The acceptance asked for: ratio >= 0.8, mempool bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from zkpov.chain.state import Transfer, compute_account_index, compute_chain_tag, sign_transfer
from zkpov.devnet.load import Load, Tracker, submit_load, wait_ready
from zkpov.devnet.processes import find_free_base_port, read_usage, spawn_nodes, stop_nodes
from zkpov.devnet.run import DevnetOptions, prepare_devnet
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.keys import KeyKind, SecretKeyFile, read_key_file
from zkpov.node.rpc.client import RpcClient
from zkpov.node.state.genesis import compute_genesis_hash

IN_FLIGHT = 64
FLOOD_WORKERS = 8


def make_junk(attacker: SecretKeyFile, depth: int, nonce: int, count: int) -> list[bytes]:
    """Half affordable, right-nonce transfers with a wrong signature; half random bytes."""
    sender = compute_account_index(attacker.public, depth)
    base = sign_transfer(attacker.secret, sender, sender, attacker.public, 1, nonce, fee=1)
    junk = []
    for i in range(count):
        if i % 2:
            junk.append(os.urandom(136))
        else:  # another amount under the same signature: it does not verify
            forged = Transfer(sender, sender, attacker.public, 2 + i, nonce, base.signature, 1)
            junk.append(forged.to_bytes())
    return junk


async def flood(client: RpcClient, junk: list[bytes]) -> float:
    """Offers every junk transfer as fast as ``FLOOD_WORKERS`` connections allow; seconds."""
    queue = list(reversed(junk))
    started = time.monotonic()

    async def worker() -> None:
        while queue:
            await client.broadcast_tx(queue.pop())

    await asyncio.gather(*(worker() for _ in range(FLOOD_WORKERS)))
    return time.monotonic() - started


async def honest_window(clients: list[RpcClient], tracker: Tracker, seconds: float) -> int:
    """Keeps the honest load going for ``seconds``; the transfers committed meanwhile."""
    reader = clients[1]
    start, until = tracker.committed, time.monotonic() + seconds
    while time.monotonic() < until:
        status = await reader.get("/status")
        await tracker.collect(reader, status["sync_info"]["latest_block_height"])
        await submit_load(clients, tracker, IN_FLIGHT)
        await asyncio.sleep(0.3)
    return tracker.committed - start


def read_metric(text: str, name: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line.startswith(name):
            key, value = line.rsplit(" ", 1)
            found[key[len(name) :] or "value"] = float(value)
    return found


async def measure(root: Path, junk_count: int, window: float) -> None:
    options = DevnetOptions(root, proofs=False, base_port=find_free_base_port(8))
    layout = prepare_devnet(options)
    accounts = [read_key_file(p, KeyKind.ACCOUNT) for p in layout.account_key_files]
    chain_tag = compute_chain_tag(compute_genesis_hash(layout.genesis))
    tracker = Tracker(Load(accounts[:-1], options.depth, chain_tag))
    procs = spawn_nodes(layout)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            clients = [
                RpcClient(session, "http://{}:{}".format(*load_node_config(h).rpc_listen))
                for h in layout.homes
            ]
            await wait_ready(clients, 120, lambda i: procs[i].poll() is None)
            await honest_window(clients, tracker, window)  # warm-up
            quiet = await honest_window(clients, tracker, window)
            junk = make_junk(accounts[-1], options.depth, 1, junk_count)
            flood_task = asyncio.create_task(flood(clients[0], junk))
            loud = await honest_window(clients, tracker, window)
            flood_seconds = await flood_task
            metrics = await clients[0].get_text("/metrics")
        report(quiet, loud, window, junk_count, flood_seconds, metrics, read_usage(procs[0].pid))
    finally:
        stop_nodes(procs)


def report(
    quiet: int, loud: int, window: float, junk: int, flood_s: float, metrics: str,
    usage: tuple[float, float],
) -> None:  # fmt: skip
    print(f"honest committed per {window:.0f} s without flood: {quiet}")
    print(f"honest committed per {window:.0f} s with flood:    {loud}")
    print(f"ratio: {loud / quiet:.2f}" if quiet else "ratio: n/a (nothing committed)")
    print(f"flood: {junk} junk transfers offered to node 0 in {flood_s:.1f} s"
          f" ({junk / flood_s:.0f}/s)")  # fmt: skip
    print(f"node 0 mempool size after: {read_metric(metrics, 'zkpov_mempool_size ')}")
    rejected = read_metric(metrics, "zkpov_mempool_rejected_transfers_total")
    print("node 0 refusals: " + ", ".join(f"{k} {v:.0f}" for k, v in rejected.items() if v))
    print(f"node 0 CPU {usage[0]} s, peak RSS {usage[1]} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junk", type=int, default=20_000)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zkpov-flood-") as tmp:
        asyncio.run(measure(Path(tmp) / "devnet", args.junk, args.window))


if __name__ == "__main__":
    sys.exit(main())
