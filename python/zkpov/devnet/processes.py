"""Devnet node processes: start them, read their CPU and memory, stop them cleanly."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from zkpov.node.ops.setup import TestnetLayout

__all__ = [
    "find_free_base_port",
    "read_cpu_seconds",
    "read_usage",
    "spawn_node",
    "spawn_nodes",
    "stop_nodes",
]


def spawn_nodes(
    layout: TestnetLayout, attacks: Mapping[int, str] | None = None
) -> list[subprocess.Popen[bytes]]:
    """One process per home; ``attacks`` maps a validator index to its attack mode."""
    attacks = attacks or {}
    return [
        spawn_node(home, append=False, byzantine=attacks.get(i))
        for i, home in enumerate(layout.homes)
    ]


def spawn_node(
    home: Path, *, append: bool = True, byzantine: str | None = None
) -> subprocess.Popen[bytes]:
    """``zkpov start --home HOME`` (with ``--byzantine MODE`` if given) in its own session,
    logging to ``HOME/node.log``."""
    log = (home / "node.log").open("ab" if append else "wb")
    cmd = [sys.executable, "-m", "zkpov", "start", "--home", str(home)]
    cmd += [] if byzantine is None else ["--byzantine", byzantine]
    return subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
        cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def find_free_base_port(count: int) -> int:
    """A base port with ``count`` consecutive free ports, below the kernel's ephemeral range so
    that the nodes' own outgoing connections cannot take them (best effort, loopback only)."""
    rng = random.Random()  # noqa: S311 - picking a port, not crypto
    for _ in range(100):
        base = rng.randrange(20000, 30000 - count)
        if all(_is_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no free port range on loopback")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def read_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MiB) of a live process, from /proc (Linux); zeros elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(stat[11]) + int(stat[12])) / ticks
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")), "0")
    return round(cpu, 1), round(int(peak) / 1024, 1)


def read_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a live process (Linux /proc), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def stop_nodes(procs: list[subprocess.Popen[bytes]], grace: float = 15.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
