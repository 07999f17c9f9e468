"""``zkpov circuit export-vk`` and ``zkpov circuit verify`` on a real genesis and a real proof."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkpov.chain.state import AccountState, sign_transfer
from zkpov.cli import main
from zkpov.crypto import schnorr, snark
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.ops.setup import create_testnet
from zkpov.node.state.genesis import compute_genesis_hash

CIRCUIT = (1, 2)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("net") / "net"
    create_testnet(root, 1, accounts=1, circuit=CIRCUIT)
    return root


@pytest.fixture(scope="module")
def vk_file(net: Path) -> Path:
    out = net / "vk.json"
    cache = net / "circuit-keys"
    result = CliRunner().invoke(main, ["circuit", "export-vk", "--genesis",
                                       str(net / "node0" / "genesis.json"), "--out", str(out),
                                       "--key-cache", str(cache)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out


@pytest.fixture(scope="module")
def proven(net: Path) -> tuple[str, list[int]]:
    from zkpov.node.state.genesis import read_genesis

    genesis = read_genesis(net / "node0" / "genesis.json")
    pk, _ = load_circuit_keys(*CIRCUIT, net / "circuit-keys", compute_genesis_hash(genesis))
    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    state = AccountState(CIRCUIT[1])
    state.credit(0, alice.public_key, 50)
    proof, inputs = snark.prove(
        pk, state, [sign_transfer(alice.secret_key, 0, 3, bob.public_key, 5, 1)]
    )
    return proof.hex(), inputs.as_list()


def test_export_vk_writes_the_nodes_key(vk_file: Path, net: Path) -> None:
    doc = json.loads(vk_file.read_text())
    assert doc["format"] == "zkpov-groth16-vk/1"
    assert doc["circuit_id"] == snark.CircuitConfig(*CIRCUIT).circuit_id
    assert doc["public_input_count"] == 3


def verify(vk_file: Path, proof: str, inputs: list[int]) -> tuple[int, str]:
    args = ["circuit", "verify", "--vk", str(vk_file), "--proof", proof,
            "--inputs", ",".join(str(x) for x in inputs)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output.strip()


def test_verify_accepts_the_proof(vk_file: Path, proven: tuple[str, list[int]]) -> None:
    assert verify(vk_file, *proven) == (0, "OK")
    assert verify(vk_file, "0x" + proven[0], proven[1]) == (0, "OK")


def test_verify_rejects_a_changed_input(vk_file: Path, proven: tuple[str, list[int]]) -> None:
    proof, inputs = proven
    assert verify(vk_file, proof, [inputs[0], inputs[1] + 1, inputs[2]]) == (1, "invalid proof")


@pytest.mark.parametrize(
    ("proof", "inputs", "why"),
    [
        ("zz", "1,2,3", "expected hex bytes"),
        (None, "1,2", "takes 3 public inputs, got 2"),
        (None, "1,x,3", "comma-separated integers"),
        ("00" * 191, "1,2,3", "proof"),
    ],
)
def test_verify_mistakes_are_one_line(
    vk_file: Path, proven: tuple[str, list[int]], proof: str | None, inputs: str, why: str
) -> None:
    args = ["circuit", "verify", "--vk", str(vk_file), "--proof", proof or proven[0],
            "--inputs", inputs]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert why in result.output
    assert "Traceback" not in result.output


def test_a_tampered_vk_file_is_one_line(tmp_path: Path, vk_file: Path) -> None:
    doc = json.loads(vk_file.read_text())
    doc["key_sha256"] = "00" * 32
    bad = tmp_path / "vk.json"
    bad.write_text(json.dumps(doc))
    code, output = verify(bad, "00", [1, 2, 3])
    assert code == 1
    assert output == "error: vk key_sha256 does not match its points"
