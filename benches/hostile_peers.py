"""Hostile peers against a 4-validator devnet (processes on loopback, proofs off).

    python benches/hostile_peers.py [--connections 2000] [--window 20] [--quick]

Each phase is measured at the victim, validator 0:

1. baseline: its mean block interval over ``--window`` seconds, from its own
   ``consensus_block_interval_seconds`` histogram (change of sum over change of count);
2. p2p slowloris: ``--connections`` connections to its P2P port that never finish the Noise
   handshake (half send nothing, half a length prefix and 5 bytes), from 20 loopback addresses
   of their own, each reopened 1 s after the victim drops it;
3. rpc slowloris: as many connections to its RPC port (half idle, half a request line and one
   header, never finished), reopened likewise;
4. rejoin: the same number of half-open handshakes held on every validator's P2P port while
   validator 3 is killed (SIGKILL) and started again; the rejoin time runs from its RPC
   answering until its /net_info lists 3 peers and its height is within 1 of validator 0's
   (also reported from the respawn, which includes the interpreter's start).

Acceptance (issue 11): phases 2 and 3 within 2x the baseline interval; rejoin within 5 s.
Also reported: the victim's peak open descriptors (/proc), whether it stayed alive, and the
share of an honest client's ``GET /status`` (one every 0.5 s) that it answered, for a client
holding a keep-alive connection from before the attack and for one connecting anew each time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import resource
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from zkpov.devnet.processes import find_free_base_port, spawn_node, spawn_nodes, stop_nodes
from zkpov.devnet.run import DevnetOptions, prepare_devnet
from zkpov.node.ops.config import load_node_config

SOURCES = tuple(f"127.0.2.{i}" for i in range(1, 21))
REOPEN_AFTER = 1.0
RPC_PARTIAL = b"GET /status HTTP/1.1\r\nHost: x\r\n"
P2P_PARTIAL = b"\x00\x20" + bytes(5)


@dataclass
class Holder:
    """Keeps ``count`` half-open connections to ``address`` open, reopening dropped ones."""

    address: tuple[str, int]
    count: int
    partial: bytes
    opened: int = 0
    dropped: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._hold(i, stop) for i in range(self.count)))

    async def _hold(self, i: int, stop: asyncio.Event) -> None:
        source = SOURCES[i % len(SOURCES)]
        while not stop.is_set():
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection(
                    *self.address, local_addr=(source, 0)
                )
                self.opened += 1
                if i % 2:
                    writer.write(self.partial)
                await _wait_either(reader.read(), stop)
                self.dropped += not stop.is_set()
                writer.close()
            await _wait_either(asyncio.sleep(REOPEN_AFTER), stop)


async def _wait_either(work: Any, stop: asyncio.Event) -> None:
    tasks = [asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())]
    with contextlib.suppress(ConnectionError):
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Devnet:
    def __init__(self, root: Path) -> None:
        options = DevnetOptions(root, proofs=False, base_port=find_free_base_port(8))
        self.layout = prepare_devnet(options)
        self.configs = [load_node_config(home) for home in self.layout.homes]
        self.procs = spawn_nodes(self.layout)
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2))
        self.fresh = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=2),
            connector=aiohttp.TCPConnector(force_close=True),  # a new connection per request
        )

    def rpc(self, i: int) -> str:
        return "http://{}:{}".format(*self.configs[i].rpc_listen)

    async def get(self, i: int, path: str) -> Any:
        async with self.http.get(self.rpc(i) + path) as resp:
            return await (resp.json() if path != "/metrics" else resp.text())

    async def height(self, i: int) -> int:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            return int((await self.get(i, "/status"))["sync_info"]["latest_block_height"])
        return -1

    async def is_answered_anew(self, i: int) -> bool:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self.fresh.get(self.rpc(i) + "/status") as resp:
                return resp.status == 200
        return False

    async def interval_stats(self, i: int) -> tuple[float, float]:
        """(sum, count) of the node's block-interval histogram."""
        text = await self.get(i, "/metrics")
        found = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.startswith("zkpov_consensus_block_interval_seconds_"):
                    found[sample.name.rsplit("_", 1)[1]] = sample.value
        return found["sum"], found["count"]

    async def wait_height(self, i: int, minimum: int, timeout: float = 120) -> None:
        async with asyncio.timeout(timeout):
            while await self.height(i) < minimum:
                await asyncio.sleep(0.2)

    async def close(self) -> None:
        await self.http.close()
        await self.fresh.close()
        stop_nodes(self.procs)


def count_fds(pid: int) -> int:
    with contextlib.suppress(OSError):
        return len(os.listdir(f"/proc/{pid}/fd"))
    return -1


async def measure(net: Devnet, window: float, holder: Holder | None) -> dict[str, Any]:
    """The victim's mean block interval over ``window`` s with ``holder`` attacking."""
    before = await net.interval_stats(0)
    stop, peak_fds = asyncio.Event(), 0
    attack = asyncio.create_task(holder.run(stop)) if holder else None
    deadline, asked, answered, anew = time.monotonic() + window, 0, 0, 0
    while time.monotonic() < deadline:
        peak_fds = max(peak_fds, count_fds(net.procs[0].pid))
        asked, answered = asked + 1, answered + (await net.height(0) >= 0)
        anew += await net.is_answered_anew(0)
        await asyncio.sleep(0.5)
    stop.set()
    if attack is not None:
        await attack
    await asyncio.sleep(0.5)  # the victim closes what the attacker dropped
    after = await net.interval_stats(0)
    blocks = after[1] - before[1]
    return {
        "interval_s": (after[0] - before[0]) / blocks if blocks else float("inf"),
        "blocks": int(blocks), "peak_fds": peak_fds, "alive": net.procs[0].poll() is None,
        "rpc_answered": f"{answered}/{asked}", "rpc_answered_anew": f"{anew}/{asked}",
        "opened": holder.opened if holder else 0, "dropped": holder.dropped if holder else 0,
    }  # fmt: skip


async def rejoin(net: Devnet, connections: int) -> dict[str, float]:
    stop = asyncio.Event()
    holders = [
        Holder(cfg.p2p_listen, connections // len(net.configs), P2P_PARTIAL) for cfg in net.configs
    ]
    attacks = [asyncio.create_task(h.run(stop)) for h in holders]
    await asyncio.sleep(3.0)  # the attacker holds the slots before the restart
    net.procs[3].send_signal(signal.SIGKILL)
    net.procs[3].wait()
    await asyncio.sleep(1.0)
    spawned = time.monotonic()
    net.procs[3] = spawn_node(net.layout.homes[3])
    while await net.height(3) < 0:
        await asyncio.sleep(0.05)
    ready = time.monotonic()
    while not await _has_rejoined(net):
        await asyncio.sleep(0.05)
    joined = time.monotonic()
    stop.set()
    await asyncio.gather(*attacks)
    return {"from_rpc_ready_s": joined - ready, "from_respawn_s": joined - spawned}


async def _has_rejoined(net: Devnet) -> bool:
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        info = await net.get(3, "/net_info")
        return bool(info["n_peers"] == 3 and await net.height(3) >= await net.height(0) - 1)
    return False


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the attacker needs descriptors
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs; fd limit {soft} -> {hard}")
    with tempfile.TemporaryDirectory() as tmp:
        net = Devnet(Path(tmp) / "net")
        try:
            await net.wait_height(0, 3)
            await report(net, args)
        finally:
            await net.close()


async def report(net: Devnet, args: argparse.Namespace) -> None:
    n, window = args.connections, args.window
    base = await measure(net, window, None)
    print(f"baseline: {base}")
    p2p = await measure(net, window, Holder(net.configs[0].p2p_listen, n, P2P_PARTIAL))
    print(f"p2p slowloris x{n}: {p2p}")
    rpc = await measure(net, window, Holder(net.configs[0].rpc_listen, n, RPC_PARTIAL))
    print(f"rpc slowloris x{n}: {rpc}")
    joined = await rejoin(net, n)
    print(f"rejoin with {n} half-open handshakes over 4 nodes: {joined}")
    for name, phase in (("p2p", p2p), ("rpc", rpc)):
        ratio = phase["interval_s"] / base["interval_s"]
        print(f"{name}: interval {ratio:.2f}x baseline ({'ok' if ratio <= 2 else 'OVER'} 2x)")
    ok = joined["from_rpc_ready_s"] <= 5
    print(f"rejoin: {joined['from_rpc_ready_s']:.2f} s ({'ok' if ok else 'OVER'} 5 s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="200 connections, 8 s windows")
    options = parser.parse_args()
    if options.quick:
        options.connections, options.window = 200, 8.0
    asyncio.run(main(options))
