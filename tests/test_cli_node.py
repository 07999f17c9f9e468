"""The operator's CLI end to end against a one-validator network (a real process, real BLS):
``zkpov testnet``, ``zkpov start``, ``zkpov status``, ``zkpov tx send`` (its nonce from the
node, ``--wait commit``, one-line refusals), ``zkpov account show --proof``, and the mempool's
refusals with their reasons over HTTP."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.node.test_runtime import free_base_port
from tests.support.chain_tag import get_chain_tag
from zkpov.chain.state import (
    Account,
    AccountProof,
    compute_account_index,
    sign_transfer,
    verify_account_proof,
)
from zkpov.crypto import snark
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.key_cache import compute_setup_seed, load_circuit_keys
from zkpov.node.ops.keys import KeyKind, SecretKeyFile, read_key_file
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis

ZKPOV = [sys.executable, "-m", "zkpov"]
MIN_FEE = 2


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZKPOV, *args], capture_output=True, text=True, timeout=60, check=False)


def poll_status(rpc: str, until: float) -> dict[str, object]:
    while time.monotonic() < until:
        done = run("status", "--rpc", rpc)
        if done.returncode == 0:
            return json.loads(done.stdout)  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError("the node never answered /status")


@dataclass(frozen=True)
class Net:
    rpc: str
    accounts: Path
    depth: int
    chain_tag: int

    def key(self, i: int) -> SecretKeyFile:
        return read_key_file(self.accounts / f"account{i}.json", KeyKind.ACCOUNT)

    def index(self, i: int) -> int:
        return compute_account_index(self.key(i).public, self.depth)


def http(net: Net, path: str, body: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        net.rpc + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    out = tmp_path_factory.mktemp("cli") / "net"
    made = run("testnet", "--validators", "1", "--output", str(out), "--accounts", "2",
               "--base-port", str(free_base_port(2)))  # fmt: skip
    assert made.returncode == 0, made.stderr
    home = out / "node0"
    config = load_node_config(home)
    write_node_config(dataclasses.replace(config, proofs_enabled=False, mempool_min_fee=MIN_FEE))
    rpc = "http://{}:{}".format(*config.rpc_listen)
    genesis = read_genesis(config.get_path(config.genesis_file))
    node = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.PIPE)
    try:
        assert "sync_info" in poll_status(rpc, time.monotonic() + 60)
        yield Net(rpc, out / "accounts", genesis.circuit_tree_depth, get_chain_tag(genesis))
    finally:
        node.send_signal(signal.SIGINT)
        _, err = node.communicate(timeout=30)
    assert node.returncode == 0, err.decode()[-2000:]


def test_status_says_how_the_keys_were_made(net: Net) -> None:
    status = run("status", "--rpc", net.rpc)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["node_info"]["setup"] == "insecure"


def send(net: Net, *extra: str) -> subprocess.CompletedProcess[str]:
    key, to = str(net.accounts / "account0.json"), net.key(1).public.hex()
    return run("tx", "send", "--key", key, "--to", to, "--amount", "5", "--rpc", net.rpc, *extra)


def test_tx_send_fills_the_nonce_waits_for_the_commit_and_refuses_in_one_line(net: Net) -> None:
    refused = send(net, "--fee", "1")
    assert refused.returncode == 1 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "fee_too_low" in refused.stderr
    landed = send(net, "--fee", str(MIN_FEE), "--wait", "commit", "--timeout", "60")
    assert landed.returncode == 0, landed.stderr
    result = json.loads(landed.stdout)
    assert result["accepted"] is True and result["height"] >= 1
    _, tx = http(net, f"/tx?hash={result['hash']}")
    assert tx["status"] == "committed" and tx["height"] == result["height"]
    replay = send(net, "--fee", str(MIN_FEE), "--nonce", "1")
    assert replay.returncode == 1 and "already_committed" in replay.stderr


def transfer(net: Net, nonce: int, amount: int = 5, fee: int = MIN_FEE) -> bytes:
    key, to = net.key(0), net.key(1).public
    t = sign_transfer(key.secret, net.index(0), net.index(1), to, amount, nonce, fee, net.chain_tag)
    return t.to_bytes()


def refuse(net: Net, tx: bytes) -> str:
    status, body = http(net, "/broadcast_tx", {"tx": tx.hex()})
    assert status == 200 and body["accepted"] is False and body["message"], body
    _, found = http(net, f"/tx?hash={hashlib.sha256(tx).hexdigest()}")
    assert found["status"] == "dropped" and found["reason"] == body["reason"]
    return str(body["reason"])


def test_junk_is_refused_with_a_reason_over_http(net: Net) -> None:
    _, account = http(net, f"/account?index={net.index(0)}")
    nonce, balance = account["pending_nonce"], int(account["balance"])
    flipped = bytearray(transfer(net, nonce))
    flipped[-32] ^= 1  # the low bit of the signature's scalar
    assert refuse(net, bytes(flipped)) == "bad_signature"
    assert refuse(net, transfer(net, nonce, amount=balance)) == "insufficient_balance"
    assert refuse(net, transfer(net, nonce + 1)) == "nonce_gap"
    metrics = urllib.request.urlopen(net.rpc + "/metrics", timeout=10).read().decode()
    assert 'zkpov_mempool_rejected_transfers_total{reason="bad_signature"} 1.0' in metrics


def test_account_and_its_proof_verify_against_the_committed_root(net: Net) -> None:
    shown = run("account", "show", "--index", str(net.index(1)), "--proof", "--rpc", net.rpc)
    assert shown.returncode == 0 and "verified here" in shown.stdout, shown.stderr
    as_json = run("account", "show", "--public-key", net.key(1).public.hex(), "--json",
                  "--rpc", net.rpc)  # fmt: skip
    assert json.loads(as_json.stdout)["index"] == str(net.index(1)), as_json.stderr
    outside = run("account", "show", "--index", str(2**net.depth), "--rpc", net.rpc)
    assert outside.returncode == 1 and len(outside.stderr.strip().splitlines()) == 1
    key = net.key(0).public.hex()
    _, doc = http(net, f"/account?public_key={key}&proof=true")
    _, status = http(net, "/status")
    assert doc["public_key"] == key and doc["index"] == str(net.index(0))
    assert doc["state_root"] == status["sync_info"]["latest_state_root"]  # no transfer in flight
    proof = doc["proof"]
    rows = tuple((int(a, 16), int(b, 16), int(c, 16)) for a, b, c in proof["siblings"])
    leaf = Account(bytes.fromhex(key), int(doc["balance"]), doc["nonce"]).leaf()
    assert int(proof["leaf"], 16) == leaf
    checked = AccountProof(net.depth, net.index(0), leaf, rows)
    assert verify_account_proof(int(doc["state_root"], 16), checked)
    tampered = AccountProof(net.depth, net.index(0), leaf + 1, rows)
    assert not verify_account_proof(int(doc["state_root"], 16), tampered)


def test_tx_send_waits_until_the_block_is_proven(tmp_path: Path) -> None:
    out = tmp_path / "net"
    made = run("testnet", "--validators", "1", "--output", str(out), "--accounts", "2",
               "--base-port", str(free_base_port(2)))  # fmt: skip
    assert made.returncode == 0, made.stderr
    home = out / "node0"
    config = load_node_config(home)
    assert config.proofs_enabled
    rpc = "http://{}:{}".format(*config.rpc_listen)
    node = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.PIPE)
    try:
        poll_status(rpc, time.monotonic() + 120)
        target = read_key_file(out / "accounts" / "account1.json", KeyKind.ACCOUNT).public
        done = run("tx", "send", "--key", str(out / "accounts" / "account0.json"), "--to",
                   target.hex(), "--amount", "5", "--wait", "proven", "--timeout", "50",
                   "--rpc", rpc)  # fmt: skip
        assert done.returncode == 0, done.stderr
        height = json.loads(done.stdout)["height"]
        sync = poll_status(rpc, time.monotonic() + 5)["sync_info"]
        assert isinstance(sync, dict) and sync["proven_final_height"] >= height
    finally:
        node.send_signal(signal.SIGINT)
        _, err = node.communicate(timeout=30)
    assert node.returncode == 0, err.decode()[-2000:]


def test_start_refuses_a_key_cache_of_another_genesis_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "net"
    layout = create_testnet(out, 1, accounts=1, circuit=(1, 2), base_port=free_base_port(2))
    config = snark.CircuitConfig(1, 2)
    other = b"\x0a" * 32
    load_circuit_keys(1, 2, tmp_path / "other", other)
    src = snark.get_cache_path(tmp_path / "other", config, compute_setup_seed(other))
    seed = compute_setup_seed(compute_genesis_hash(layout.genesis))
    dst = snark.get_cache_path(out / "circuit-keys", config, seed)
    dst.parent.mkdir()
    for suffix in (".pk", ".r1cs", ".json"):
        shutil.copy(src.with_suffix(suffix), dst.with_suffix(suffix))
    before = get_files(out)
    done = run("start", "--home", str(layout.homes[0]))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: proving key")
    assert f"made for genesis {other.hex()[:16]}" in done.stderr
    assert get_files(out) == before  # nothing written: no store opened


def get_files(root: Path) -> dict[Path, bytes]:
    """Every file under ``root`` with its bytes, but the lock files a start takes."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.suffix != ".lock"}
