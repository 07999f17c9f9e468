"""The relay against a real one-validator node (a ``zkpov start`` process, real BLS, real
Groth16 proofs of a tiny circuit: batch 1, depth 2): its committed headers and committing QCs
verify in the finality contract on py-evm, through the library and through ``zkpov evm
relay``; its validity proof verifies in the verifier contract built from the key it serves at
``/v1/circuit/vk``, which is the key ``zkpov circuit export-vk`` writes for its genesis."""

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

import pytest

from tests.node.test_runtime import free_base_port
from tests.test_cli_node import ZKPOV, run
from zkpov.chain.state import compute_account_index
from zkpov.client import ZkpovClient
from zkpov.crypto import schnorr, vk_json
from zkpov.evm import LocalChain, build_verifier
from zkpov.evm import light_client as lc
from zkpov.evm.relay import Deployment, get_committed, relay_finalized, relay_proof
from zkpov.node.ops.config import load_node_config, write_node_config
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.genesis import compute_genesis_hash, read_genesis


@dataclass(frozen=True)
class Net:
    rpc: str
    genesis: Path
    out: Path


def wait_for_height(rpc: str, height: int, until: float) -> None:
    with ZkpovClient(rpc) as client:
        while time.monotonic() < until:
            try:
                if client.commit().height >= height:
                    return
            except Exception:  # not serving yet
                pass
            time.sleep(0.3)
    raise AssertionError(f"the node never reached height {height}")


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    out = tmp_path_factory.mktemp("relay") / "net"
    made = run("testnet", "--validators", "1", "--output", str(out), "--accounts", "1",
               "--base-port", str(free_base_port(2)), "--batch-size", "1",
               "--depth", "2")  # fmt: skip
    assert made.returncode == 0, made.stderr
    home = out / "node0"
    config = load_node_config(home)
    write_node_config(dataclasses.replace(config, proofs_enabled=True))
    rpc = "http://{}:{}".format(*config.rpc_listen)
    node = subprocess.Popen([*ZKPOV, "start", "--home", str(home)], stderr=subprocess.PIPE)
    try:
        wait_for_height(rpc, 4, time.monotonic() + 90)
        yield Net(rpc, config.get_path(config.genesis_file), out)
    finally:
        node.send_signal(signal.SIGINT)
        node.communicate(timeout=30)


def find_committed_height(client: ZkpovClient) -> int:
    """A height the node holds a committing (child) QC for."""
    latest = client.commit().height
    for height in range(latest, 0, -1):
        if client.commit(height).commit_certificate is not None:
            return height
    raise AssertionError("no height has a committing QC")


def test_the_nodes_committed_header_is_proved_final(net: Net) -> None:
    genesis = read_genesis(net.genesis)
    setup = lc.get_genesis_setup(genesis)
    abi, bytecode = lc.build_light_client(genesis.chain_id, compute_genesis_hash(genesis), 1)
    chain = LocalChain()
    deployment = Deployment(chain, chain.deploy(bytecode, abi, setup.constructor_args()), abi)
    with ZkpovClient(net.rpc) as client:
        height = find_committed_height(client)
        header, qc = get_committed(client, height)
        result = relay_finalized(client, deployment, setup, height)
    assert result.height == height
    assert result.value == header.state_root
    assert qc.vote_data.parent_id == header.id
    assert result.execution_gas < 320_000


def test_cli_relay_prints_the_state_root(net: Net) -> None:
    with ZkpovClient(net.rpc) as client:
        height = find_committed_height(client)
        state_root = client.commit(height).header.state_root
    done = run("evm", "relay", "--rpc", net.rpc, "--genesis", str(net.genesis),
               "--height", str(height))  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["height"] == height and doc["state_root"] == state_root.hex()
    assert doc["epoch"] == 0 and doc["epoch_changes"] == []  # the node runs one epoch


def test_cli_relay_without_a_height_proves_the_latest_finalized_header(net: Net) -> None:
    """The tip's committing QC is not at ``/commit`` (its child is not committed yet): the
    relay takes the latest header and that QC from ``/light/finalized``."""
    with ZkpovClient(net.rpc) as client:
        before = client.finalized().height
    done = run("evm", "relay", "--rpc", net.rpc, "--genesis", str(net.genesis))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["height"] >= before and doc["epoch_changes"] == []
    with ZkpovClient(net.rpc) as client:
        assert doc["state_root"] == client.commit(doc["height"]).header.state_root.hex()


def test_cli_export_light_client_writes_the_setup(net: Net, tmp_path: Path) -> None:
    done = run("evm", "export-light-client", "--genesis", str(net.genesis),
               "--out", str(tmp_path / "lc"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    setup = lc.get_genesis_setup(read_genesis(net.genesis))
    doc = json.loads((tmp_path / "lc" / "LightClient.setup.json").read_text())
    assert doc["validator_commitment"] == "0x" + setup.commitment.hex()
    assert doc["quorum_power"] == setup.quorum_power
    assert (tmp_path / "lc" / "LightClient.bin").read_text().strip()
    source = (tmp_path / "lc" / "LightClient.vy").read_text()
    assert "verify_finalized" in source and "def submit_epoch_change(" in source
    bound = min(read_genesis(net.genesis).consensus.max_validators, lc.MAX_CONTRACT_VALIDATORS)
    assert f"MAX_VALIDATORS: constant(uint256) = {bound}" in source


def test_cli_relay_to_a_dead_node_is_one_line(net: Net) -> None:
    done = run("evm", "relay", "--rpc", "http://127.0.0.1:9", "--genesis", str(net.genesis))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error: ")


def send_proven_transfer(net: Net) -> int:
    """The height of a transfer from account 0 to a fresh key, once its block is proven."""
    sender = read_key_file(net.out / "accounts" / "account0.json", KeyKind.ACCOUNT).public
    recipient = schnorr.generate_keypair().public_key
    while compute_account_index(recipient, 2) == compute_account_index(sender, 2):
        recipient = schnorr.generate_keypair().public_key
    done = run("tx", "send", "--key", str(net.out / "accounts" / "account0.json"),
               "--to", recipient.hex(), "--amount", "5", "--fee", "1", "--rpc", net.rpc,
               "--wait", "proven", "--timeout", "50")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["height"])


def test_the_nodes_proof_verifies_in_the_verifier_of_its_served_key(net: Net) -> None:
    height = send_proven_transfer(net)
    with ZkpovClient(net.rpc) as client:
        served = json.loads(urllib.request.urlopen(net.rpc + "/v1/circuit/vk", timeout=10).read())
        points = vk_json.decode_vk_json(served)
        abi, bytecode = build_verifier(points)
        chain = LocalChain()
        verifier = Deployment(chain, chain.deploy(bytecode), abi)
        result = relay_proof(client, verifier, height)
    assert result.value is True and result.height == height
    assert result.execution_gas < 260_000
    exported = net.out / "vk.json"
    done = run("circuit", "export-vk", "--genesis", str(net.genesis), "--out", str(exported),
               "--key-cache", str(net.out / "circuit-keys"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(exported.read_text()) == served
