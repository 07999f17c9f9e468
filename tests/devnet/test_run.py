"""The main job end to end: ``zkpov devnet`` with 4 node processes and real Groth16 proofs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.node.test_runtime import free_base_port
from zkpov.devnet.run import DevnetOptions, prepare_devnet, read_last_error
from zkpov.node.ops.config import load_node_config


def _node_logs(root: Path) -> str:
    logs = sorted(root.glob("node*/node.log"))
    return "".join(f"\n--- {log}\n{log.read_text()[-2000:]}" for log in logs)


def test_devnet_finalizes_agrees_and_verifies_proofs(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(tmp_path / "devnet"),
        "--blocks", "4", "--base-port", str(free_base_port(8)), "--timeout", "300", "--json",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + _node_logs(tmp_path / "devnet")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["nodes_agree"] is True
    assert report["finalized_height"] >= 4
    assert report["txs_committed"] >= 1
    assert report["proofs_verified"] >= 1
    assert report["proven_final_height"] >= 1
    logs = (tmp_path / "devnet" / "node0" / "node.log").read_text()
    assert "Traceback" not in logs


def test_devnet_refuses_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    cmd = [sys.executable, "-m", "zkpov", "devnet", "--dir", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "not a zkpov devnet" in done.stderr
    assert (tmp_path / "precious.txt").exists()


def _node_pids(root: Path, count: int, until: float) -> list[int]:
    """The pids the running nodes wrote into their home locks."""
    while time.monotonic() < until:
        texts = [(root / f"node{i}" / "node.lock") for i in range(count)]
        pids = [p.read_text().strip() for p in texts if p.exists()]
        logs = [(root / f"node{i}" / "node.log") for i in range(count)]
        committed = all(log.exists() and "committed block 2 " in log.read_text() for log in logs)
        if len(pids) == count and all(pids) and committed:
            return [int(pid) for pid in pids]
        time.sleep(0.3)
    raise AssertionError("the devnet's nodes did not start and commit" + _node_logs(root))


def stop_by_sigterm(cmd: list[str], root: Path) -> dict[str, Any]:
    """Runs ``cmd`` (a devnet of 2 nodes in ``root``) until both commit, sends it SIGTERM and
    checks that it exits 1, with no traceback, and that no node outlives it; returns its report."""
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = _node_pids(root, 2, time.monotonic() + 120)
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 1, err[-3000:]
    assert "Traceback" not in err
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"node process {pid} outlived the devnet"
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def test_sigterm_stops_the_nodes_and_prints_the_summary(tmp_path: Path) -> None:
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(root), "--validators", "2",
        "--blocks", "100000", "--no-proofs", "--base-port", str(free_base_port(4)), "--json",
    ]  # fmt: skip
    report = stop_by_sigterm(cmd, root)
    assert report["stopped_early"] is True and report["finalized_height"] >= 2
    assert report["nodes_agree"] is True


def test_a_node_that_failed_is_named_by_its_log_s_last_line(tmp_path: Path) -> None:
    log = tmp_path / "node.log"
    log.write_text("x" * 10_000 + "\nINFO starting\nerror: home is in use\n\n")
    assert read_last_error(log) == "error: home is in use"
    assert read_last_error(tmp_path / "missing.log") == "no log: No such file or directory"


def test_each_node_gets_the_devnet_s_block_capacity(tmp_path: Path) -> None:
    options = DevnetOptions(tmp_path / "net", proofs=False, max_block_transfers=100)
    layout = prepare_devnet(options)
    assert {load_node_config(home).max_block_transfers for home in layout.homes} == {100}
