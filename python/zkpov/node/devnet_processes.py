"""Devnet node processes: start them, read their CPU and memory, stop them cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from zkpov.node.setup import TestnetLayout

__all__ = ["read_usage", "spawn_nodes", "stop_nodes"]


def spawn_nodes(layout: TestnetLayout) -> list[subprocess.Popen[bytes]]:
    procs = []
    for home in layout.homes:
        log = (home / "node.log").open("wb")
        cmd = [sys.executable, "-m", "zkpov", "start", "--home", str(home)]
        procs.append(
            subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
                cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    return procs


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
