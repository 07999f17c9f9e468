"""``zkpov devnet --join``: a validator outside the genesis set joins the running network by a
``create_validator`` transaction, enters the set at the next epoch change and signs QCs, while
a double voter is slashed and leaves; all nodes agree. Proofs are off to keep it short (the
acceptance run with proofs is in the CHANGELOG). And ``--join``'s mistakes are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.devnet.test_run import _node_logs
from tests.node.test_runtime import free_base_port

EPOCH_LENGTH, BLOCKS = 10, 40


@pytest.mark.slow
def test_a_validator_joins_by_transaction_and_signs_qcs(tmp_path: Path) -> None:
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--dir", str(root), "--blocks", str(BLOCKS),
        "--no-proofs", "--base-port", str(free_base_port(10)), "--timeout", "400", "--json",
        "--epoch-length", str(EPOCH_LENGTH), "--join", "1", "--byzantine", "double_vote=1",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:] + _node_logs(root)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["nodes_agree"] is True and report["finalized_height"] >= BLOCKS
    assert report["epochs"] >= 3 and report["supply_conserved"] is True
    changes = report["validator_set_changes"]
    assert [4] in [c["joined"] for c in changes], changes  # registry index 4: after 0..3
    assert [1] in [c["left"] for c in changes], changes  # the double voter, once slashed
    assert set(report["slashed"]) == {"1"}
    assert set(report["evidence"]) == {"1"}, report["evidence"]  # by registry index, joiner on
    assert report["joined_signed_qcs"]["4"] > 0
    assert "registered at index 4" in (root / "node4" / "node.log").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--join", "1"], "--join needs --epoch-length"),
        (["--join", "17", "--epoch-length", "5"], "--join must be 0 to 16"),
        (["--join", "-1", "--epoch-length", "5"], "--join must be 0 to 16"),
        (["--join", "1", "--epoch-length", "5", "--load", "saturate"], "does not apply"),
    ],
)
def test_join_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    cmd = [sys.executable, "-m", "zkpov", "devnet", "--dir", str(tmp_path / "d"), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert not (tmp_path / "d").exists()
