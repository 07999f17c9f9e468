"""``zkpov devnet --prover-workers 2``: a local Dask scheduler and two ``zkpov prover-worker``
processes prove every node's batches, and the run ends with its proofs verified."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.node.proving.test_dask_prover import get_listening
from tests.node.test_runtime import free_base_port
from zkpov.devnet.prover_cluster import start_prover_cluster
from zkpov.node.ops.config import load_node_config


def test_a_devnet_proving_on_two_dask_workers_verifies_its_proofs(tmp_path: Path) -> None:
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(root), "--blocks", "6",
        "--prover-workers", "2", "--base-port", str(free_base_port(8)), "--timeout", "300",
        "--json",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["nodes_agree"] is True and report["proofs_verified"] >= 1
    assert report["proven_final_height"] >= 1 and report["txs_committed"] >= 1
    assert load_node_config(root / "node0").prover.startswith("dask://127.0.0.1:")
    logs = "".join(p.read_text() for p in root.glob("node*/node.log"))
    assert "proved block" in logs and "Traceback" not in logs
    assert "could not prove" not in logs and "invalid validity proof" not in logs
    workers = [(root / f"prover-worker{i}.log").read_text() for i in range(2)]
    assert all("Registered to:" in log and "Traceback" not in log for log in workers)


def test_the_devnet_cluster_listens_on_loopback_only(tmp_path: Path) -> None:
    (tmp_path / "circuit-keys").mkdir()
    cluster = start_prover_cluster(tmp_path, 1)
    try:
        deadline = time.monotonic() + 60
        log = tmp_path / "prover-worker0.log"
        while "Registered to:" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        addresses = get_listening([p.pid for p in cluster.procs])
    finally:
        cluster.stop()
    assert len(addresses) >= 3, "the scheduler (tcp, http) and the worker listen"
    loopback = ipaddress.ip_network("127.0.0.0/8")
    assert all(ipaddress.ip_address(a) in loopback for a in addresses), addresses


def test_prover_worker_answers_a_bad_scheduler_with_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "zkpov", "prover-worker", "--scheduler", "nowhere"]
    done = subprocess.run(
        [*cmd, "--keys", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --scheduler: expected host:port, got 'nowhere'"


def test_devnet_refuses_prover_workers_without_proofs(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "zkpov", "devnet", "--dir", str(tmp_path / "d"), "--no-proofs"]
    done = subprocess.run(
        [*cmd, "--prover-workers", "2"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and "--prover-workers needs --proofs" in done.stderr
    assert not (tmp_path / "d").exists()
