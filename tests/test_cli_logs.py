"""``zkpov start --log-format json`` on a real one-validator node: one JSON object per line, a line
per committed block, the key-generation progress, proofs produced and verified, the start-up
configuration; no secret key anywhere in the log; a second ``start`` on the home is refused."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from zkpov.devnet.processes import find_free_base_port
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file

ZKPOV = [sys.executable, "-m", "zkpov"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZKPOV, *args], capture_output=True, text=True, timeout=60, check=False)


def read_records(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def wait_for(log: Path, message_part: str, until: float) -> None:
    while time.monotonic() < until:
        if any(message_part in r["message"] for r in read_records(log)):
            return
        time.sleep(0.3)
    raise AssertionError(f"no {message_part!r} in the node's log:\n{log.read_text()[-3000:]}")


def make_home(out: Path) -> Path:
    port = str(find_free_base_port(2))
    made = run("testnet", "--validators", "1", "--output", str(out), "--accounts", "2",
               "--base-port", port, "--batch-size", "1", "--depth", "4")  # fmt: skip
    assert made.returncode == 0, made.stderr
    return out / "node0"


def send_transfer(out: Path, rpc: str) -> None:
    target = read_key_file(out / "accounts" / "account1.json", KeyKind.ACCOUNT).public
    key = str(out / "accounts" / "account0.json")
    done = run("tx", "send", "--key", key, "--to", target.hex(), "--amount", "5",
               "--nonce", "1", "--rpc", rpc)  # fmt: skip
    assert done.returncode == 0, done.stderr


def secrets_of(home: Path) -> list[str]:
    config = load_node_config(home)
    validator = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    node = read_key_file(config.get_path(config.node_key_file), KeyKind.NODE)
    return [validator.secret.hex(), node.secret.hex()]


def test_json_logs_of_a_real_node_and_no_secret_in_them(tmp_path: Path) -> None:
    out = tmp_path / "net"
    home = make_home(out)
    config = load_node_config(home)
    write_node_config(dataclasses.replace(config, key_cache_dir="data/circuit-keys"))
    rpc = "http://{}:{}".format(*config.rpc_listen)
    log = tmp_path / "node.log"
    with log.open("wb") as sink:
        args = ["start", "--home", str(home), "--log-format", "json", "--log-level", "debug"]
        node = subprocess.Popen([*ZKPOV, *args], stderr=sink)
    try:
        wait_for(log, "committed block 2 ", time.monotonic() + 90)
        second = run("start", "--home", str(home))
        assert second.returncode == 1
        assert second.stderr.splitlines() == [
            f"error: home {home} is in use by another process (pid {node.pid})"
        ]
        send_transfer(out, rpc)
        wait_for(log, "verified the proof of block", time.monotonic() + 90)
    finally:
        node.send_signal(signal.SIGINT)
        node.wait(timeout=30)
    assert node.returncode == 0
    check_records(read_records(log))
    text = log.read_text()
    for secret in secrets_of(home):
        assert secret not in text.lower()


def check_records(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert {"timestamp", "level", "logger", "message"} <= set(record)
    messages = [r["message"] for r in records]
    assert any(m.startswith("generating circuit keys (batch 1, depth 4)") for m in messages)
    assert any(m.startswith("circuit keys ready in") for m in messages)
    assert any(m.startswith("proved block") for m in messages)
    starting = next(r for r in records if "starting" in r["message"])
    assert starting["chain_id"] == "zkpov-devnet" and starting["validator_index"] == 0
    assert {"epoch", "p2p_listen", "rpc_listen", "peers"} <= set(starting)
    commits = [r for r in records if r["message"].startswith("committed block")]
    assert [r["height"] for r in commits] == list(range(1, len(commits) + 1))
    assert {"round", "transfers", "proposer", "latency_s"} <= set(commits[0])
    assert sum(r["transfers"] for r in commits) == 1
