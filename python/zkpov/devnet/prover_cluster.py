"""``zkpov devnet --prover-workers K``: a local Dask scheduler (127.0.0.1, port 0, no dashboard)
and K ``zkpov prover-worker`` processes on the devnet's shared key cache; every node's config
then says ``prover = "dask://127.0.0.1:PORT"`` (:mod:`zkpov.node.proving.dask_prover`)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from zkpov.devnet.processes import stop_nodes
from zkpov.errors import ProverUnavailableError
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import TestnetLayout

__all__ = ["ProverCluster", "point_nodes_at", "start_prover_cluster"]

SCHEDULER_START_SECONDS = 60.0
SCHEDULER_FILE = "prover-scheduler.json"
# Without a dashboard the scheduler still serves HTTP (metrics, health, task info), by default on
# 0.0.0.0:8787: keep it on loopback, on a free port.
HTTP_ADDRESS = "127.0.0.1:0"


@dataclass
class ProverCluster:
    address: str  # HOST:PORT of the scheduler
    procs: list[subprocess.Popen[bytes]]

    def stop(self) -> None:
        stop_nodes(self.procs[1:])  # workers first, then the scheduler
        stop_nodes(self.procs[:1])


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_address(path: Path, scheduler: subprocess.Popen[bytes], log: Path) -> str:
    """The scheduler's HOST:PORT, once it has written its scheduler file."""
    deadline = time.monotonic() + SCHEDULER_START_SECONDS
    while time.monotonic() < deadline and scheduler.poll() is None:
        if path.exists():
            try:
                return str(json.loads(path.read_text())["address"]).removeprefix("tcp://")
            except (ValueError, KeyError):
                pass  # still being written
        time.sleep(0.1)
    raise ProverUnavailableError(f"the devnet's Dask scheduler did not start (see {log})")


def start_prover_cluster(root: Path, workers: int) -> ProverCluster:
    """Starts the scheduler, waits for its address, then ``workers`` prover workers."""
    scheduler_file, log = root / SCHEDULER_FILE, root / "prover-scheduler.log"
    scheduler_file.unlink(missing_ok=True)
    cmd = [
        sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
        "--port", "0", "--no-dashboard", "--dashboard-address", HTTP_ADDRESS,
        "--scheduler-file", str(scheduler_file),
    ]  # fmt: skip
    cluster = ProverCluster("", [_spawn(cmd, log)])
    try:
        cluster.address = _wait_address(scheduler_file, cluster.procs[0], log)
        for i in range(workers):
            worker = [sys.executable, "-m", "zkpov", "prover-worker", "--scheduler"]
            worker += [cluster.address, "--keys", str(root / "circuit-keys")]
            cluster.procs.append(_spawn(worker, root / f"prover-worker{i}.log"))
    except BaseException:
        cluster.stop()
        raise
    return cluster


def point_nodes_at(layout: TestnetLayout, address: str) -> None:
    """Every node of ``layout`` proves on the scheduler at ``address``."""
    for home in layout.homes:
        config = load_node_config(home)
        write_node_config(dataclasses.replace(config, prover=f"dask://{address}"))
