"""The operator's CLI end to end: ``zkpov testnet``, ``zkpov start``, ``zkpov status`` and
``zkpov tx send --fee`` against a one-validator network (a real process, real BLS)."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.node.test_runtime import free_base_port
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file

ZKPOV = [sys.executable, "-m", "zkpov"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZKPOV, *args], capture_output=True, text=True, timeout=60, check=False)


def poll_status(rpc: str, until: float) -> dict[str, object]:
    while time.monotonic() < until:
        done = run("status", "--rpc", rpc)
        if done.returncode == 0:
            return json.loads(done.stdout)  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError("the node never answered /status")


def send(home: Path, target: bytes, rpc: str, nonce: int, fee: int) -> dict[str, object]:
    key = str(home.parent / "accounts" / "account0.json")
    done = run(
        "tx", "send", "--key", key, "--to", target.hex(), "--amount", "5",
        "--nonce", str(nonce), "--fee", str(fee), "--rpc", rpc,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_testnet_start_status_and_a_transfer_with_a_fee(tmp_path: Path) -> None:
    out = tmp_path / "net"
    made = run("testnet", "--validators", "1", "--output", str(out), "--accounts", "2",
               "--base-port", str(free_base_port(2)))  # fmt: skip
    assert made.returncode == 0, made.stderr
    home = out / "node0"
    config = load_node_config(home)
    write_node_config(dataclasses.replace(config, proofs_enabled=False, mempool_min_fee=2))
    rpc = "http://{}:{}".format(*config.rpc_listen)
    node = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.PIPE)
    try:
        status = poll_status(rpc, time.monotonic() + 60)
        assert "sync_info" in status
        target = read_key_file(out / "accounts" / "account1.json", KeyKind.ACCOUNT).public
        refused = send(home, target, rpc, nonce=1, fee=1)
        assert refused["accepted"] is False and "minimum" in str(refused)
        assert send(home, target, rpc, nonce=1, fee=2)["accepted"] is True
    finally:
        node.send_signal(signal.SIGINT)
        _, err = node.communicate(timeout=30)
    assert node.returncode == 0, err.decode()[-2000:]
