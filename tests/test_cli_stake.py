"""``zkpov stake`` end to end against a one-validator network (a real ``zkpov start`` process):
a delegate, an undelegate and a create_validator sent by the CLI land in the node's staking
ledger and show in ``zkpov stake show``, ``/v1/staking/delegations`` and ``/account``; a
refusal is one line and exit 1."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.node.test_runtime import free_base_port
from tests.test_cli_node import ZKPOV, poll_status, run
from zkpov.chain.state import compute_account_index
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.genesis import read_genesis


@dataclass(frozen=True)
class Net:
    rpc: str
    accounts: Path
    depth: int

    def key_file(self, i: int) -> str:
        return str(self.accounts / f"account{i}.json")

    def index(self, i: int) -> int:
        public = read_key_file(Path(self.key_file(i)), KeyKind.ACCOUNT).public
        return compute_account_index(public, self.depth)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.rpc + path, timeout=10) as resp:
            return json.loads(resp.read())


def start_one_validator(out: Path, *testnet_args: str) -> Iterator[Net]:
    """A one-validator ``zkpov testnet`` in ``out`` (proofs off) with its node started; stops
    it on exit and checks it stopped cleanly. ``testnet_args`` are extra ``testnet`` options."""
    made = run("testnet", "--validators", "1", "--output", str(out),
               "--base-port", str(free_base_port(2)), *testnet_args)  # fmt: skip
    assert made.returncode == 0, made.stderr
    home = out / "node0"
    config = load_node_config(home)
    write_node_config(dataclasses.replace(config, proofs_enabled=False))
    rpc = "http://{}:{}".format(*config.rpc_listen)
    genesis = read_genesis(config.get_path(config.genesis_file))
    node = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.PIPE)
    try:
        assert "sync_info" in poll_status(rpc, time.monotonic() + 60)
        yield Net(rpc, out / "accounts", genesis.circuit_tree_depth)
    finally:
        node.send_signal(signal.SIGINT)
        _, err = node.communicate(timeout=30)
    assert node.returncode == 0, err.decode()[-2000:]


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    yield from start_one_validator(tmp_path_factory.mktemp("stake") / "net", "--accounts", "2")


def stake(net: Net, *args: str) -> subprocess.CompletedProcess[str]:
    return run("stake", *args, "--rpc", net.rpc)


def landed(done: subprocess.CompletedProcess[str]) -> int:
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["accepted"] is True and answer["height"] >= 1
    return int(answer["height"])


def test_a_delegate_and_undelegate_by_the_cli_show_in_the_ledger_and_the_account(
    net: Net,
) -> None:
    key, wait = net.key_file(0), ("--wait", "commit")
    landed(stake(net, "delegate", "--key", key, "--validator", "0", "--amount", "1000", *wait))
    landed(stake(net, "undelegate", "--key", key, "--validator", "0", "--amount", "400", *wait))
    shown = stake(net, "show", "--key", key)
    assert shown.returncode == 0, shown.stderr
    held = json.loads(shown.stdout)
    assert (held["delegated"], held["unbonding"], held["self_stake"]) == ("600", "400", "0")
    assert [(d["validator"], d["amount"]) for d in held["delegations"]] == [(0, "600")]
    assert [(u["amount"], u["matured"]) for u in held["unbonding_entries"]] == [("400", False)]
    assert net.get(f"/v1/staking/delegations?index={net.index(0)}")["delegated"] == "600"
    account = net.get(f"/account?index={net.index(0)}")
    assert (account["bonded"], account["unbonding"], account["nonce"]) == ("600", "400", 2)
    assert net.get("/v1/staking/supply")["deposited"] == "1000"
    assert net.get("/v1/staking/supply")["conserved"] is True


def test_create_validator_registers_the_new_bls_key_owned_by_the_account(
    net: Net, tmp_path: Path
) -> None:
    made = run("keys", "generate", "--kind", "validator", "--out", str(tmp_path / "v.json"))
    assert made.returncode == 0, made.stderr
    args = ("--key", net.key_file(1), "--validator-key", str(tmp_path / "v.json"))
    terms = ("--self-bond", str(10**8), "--commission-bps", "500", "--wait", "commit")
    landed(stake(net, "create-validator", *args, *terms))
    registered = net.get("/v1/staking/validator?index=1")
    owner = read_key_file(Path(net.key_file(1)), KeyKind.ACCOUNT).public
    assert registered["pubkey"] == made.stdout.strip() and registered["owner"] == owner.hex()
    assert (registered["self_stake"], registered["commission_bps"]) == (str(10**8), 500)
    assert registered["status"] == "pending"  # it enters the set at the next epoch
    again = stake(net, "create-validator", *args, "--self-bond", str(10**8))
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert "stake_rules" in again.stderr and "already registered" in again.stderr


def test_refusals_and_mistakes_are_one_line(net: Net) -> None:
    nothing = stake(net, "withdraw", "--key", net.key_file(1))
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert nothing.stderr.count("\n") == 1 and "no matured unbonding" in nothing.stderr
    missing = stake(net, "delegate", "--key", "/nonexistent", "--validator", "0", "--amount", "1")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    both = stake(net, "show", "--key", net.key_file(0), "--account", "3")
    assert both.returncode == 2 and "exactly one of --key and --account" in both.stderr
