"""``zkpov start --byzantine``: named an attack mode in --help, refused in one line without
writing anything on a genesis not marked as a test network, and never imported by the normal
runtime (checked in a fresh process that really runs a node)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.node.test_runtime import free_base_port
from tests.test_cli_errors import assert_one_line, invoke
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.setup import create_testnet

ZKPOV = [sys.executable, "-m", "zkpov"]

# Runs `zkpov start` in this process for a few seconds (SIGTERM stops it), then reports.
RUN_START = """
import json, os, signal, sys, threading
from zkpov.cli import main
threading.Timer(4.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
try:
    main(["start", "--home", sys.argv[1], "--log-level", "info", *sys.argv[2:]])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "attack": "zkpov.node.attack" in sys.modules,
                  "ran": "zkpov.node.runtime" in sys.modules}))
"""


def _snapshot(root: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*"))


def test_help_names_it_an_attack_mode() -> None:
    result = invoke("start", "--help")
    assert result.exit_code == 0
    assert "ATTACK MODE, test networks only" in " ".join(result.output.split())


@pytest.mark.parametrize("mode", ["double_vote", "double_proposal"])
def test_refused_in_one_line_on_a_genesis_not_marked_for_tests(tmp_path: Path, mode: str) -> None:
    home = tmp_path / "home"
    assert invoke("init", "--home", str(home)).exit_code == 0  # a real, unmarked chain
    before = _snapshot(home)
    line = assert_one_line(invoke("start", "--home", str(home), "--byzantine", mode))
    assert "not marked as a test network" in line and mode in line
    assert _snapshot(home) == before  # no lock, no database, no log: nothing written


def test_an_unknown_mode_is_a_usage_mistake(tmp_path: Path) -> None:
    assert_one_line(invoke("start", "--home", str(tmp_path), "--byzantine", "mint"), code=2)


@pytest.fixture(scope="module")
def test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("byz") / "net"
    layout = create_testnet(out, 1, accounts=1, base_port=free_base_port(2), proof_lag=0)
    config = load_node_config(layout.homes[0])
    write_node_config(dataclasses.replace(config, proofs_enabled=False))
    return layout.homes[0]


@pytest.mark.parametrize(("args", "attack"), [((), False), (("--byzantine", "double_vote"), True)])
def test_only_an_attack_mode_imports_the_attack_package(
    test_home: Path, args: tuple[str, ...], attack: bool
) -> None:
    cmd = [sys.executable, "-c", RUN_START, str(test_home), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "attack": attack, "ran": True}, done.stderr[-2000:]
    log = done.stderr
    assert "Traceback" not in log, log[-4000:]
    assert re.search(r"committed block \d+ ", log), log[-2000:]  # the node really ran
    assert ("ATTACK MODE double_vote" in log) is attack
