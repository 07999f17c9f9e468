"""``zkpov devnet --byzantine``: four node processes, one of them running an attack mode. The
honest nodes commit evidence against it (counted from an honest node's committed blocks), which
slashes it once in every node's staking ledger; rewards are paid, supply is conserved, finality
continues and all nodes agree. Proofs are off to keep it short; the attack does not
touch them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.devnet.test_run import _node_logs
from tests.node.test_runtime import free_base_port
from zkpov.node.state.genesis import read_genesis

# A double proposal needs the attacker to lead a round and its evidence to be committed before
# the run ends: 16 blocks missed that about once in a few loaded runs.
BLOCKS = 32


@pytest.mark.parametrize(("mode", "index"), [("double_vote", 1), ("double_proposal", 2)])
def test_honest_nodes_commit_evidence_against_the_attacker(
    tmp_path: Path, mode: str, index: int
) -> None:
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(root), "--blocks", str(BLOCKS),
        "--no-proofs", "--base-port", str(free_base_port(8)), "--timeout", "300", "--json",
        "--byzantine", f"{mode}={index}",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + _node_logs(root)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["nodes_agree"] is True and report["finalized_height"] >= BLOCKS
    assert report["byzantine"] == {str(index): mode}
    assert set(report["evidence"]) == {str(index)}  # nobody honest is blamed
    assert report["evidence"][str(index)].get(mode, 0) >= 1, report["evidence"]
    genesis = read_genesis(root / "node0" / "genesis.json")
    stake = genesis.validators[index].stake
    assert report["slashed"] == {str(index): int(stake * genesis.consensus.slashing_rate)}
    assert report["rewards_paid"] > 0 and report["supply_conserved"] is True
    attacker_log = (root / f"node{index}" / "node.log").read_text()
    assert f"ATTACK MODE {mode}: sent a conflicting" in attacker_log
    for i in range(4):
        assert "Traceback" not in (root / f"node{i}" / "node.log").read_text()


def test_a_proposer_forging_evidence_frames_nobody(tmp_path: Path) -> None:
    """Validator 2 sends each of its proposals with a forged double vote of validator 0: every
    honest voter refuses those blocks, so nothing is slashed and finality goes on."""
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(root), "--blocks", "16",
        "--no-proofs", "--base-port", str(free_base_port(8)), "--timeout", "300", "--json",
        "--byzantine", "forged_evidence=2",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + _node_logs(root)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["nodes_agree"] is True and report["finalized_height"] >= 16
    assert report["slashed"] == {} and report["evidence"] == {}  # validator 0 was not framed
    assert report["supply_conserved"] is True
    attacker_log = (root / "node2" / "node.log").read_text()
    assert "ATTACK MODE forged_evidence: sent a proposal framing validator 0" in attacker_log
