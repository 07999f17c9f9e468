"""The main job end to end: ``zkpov devnet`` with 4 node processes and real Groth16 proofs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.node.test_runtime import free_base_port


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
