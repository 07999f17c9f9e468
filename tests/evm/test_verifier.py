"""zkpov.evm's Groth16 verifier contract on py-evm's Prague VM, with real zkpov proofs.

A pairing check in py-evm is pure Python (several seconds), so only the valid proof runs by
default; the other rejections that reach the pairing are marked slow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import curve_points as cp
from zkpov.crypto import schnorr, snark, vk_json
from zkpov.errors import ContractRevertedError, DecodeError, EvmError
from zkpov.evm import LocalChain, build_verifier, encode_proof, render_verifier

CONFIG = snark.CircuitConfig(1, 2)
GAS_CEILING = 260_000  # measured about 204k; a ceiling, not a benchmark


@dataclass(frozen=True)
class Deployed:
    chain: LocalChain
    address: str
    abi: list[dict[str, Any]]
    proof: bytes
    inputs: list[int]

    def verify(self, proof: bytes, inputs: list[int]) -> bool:
        result = self.chain.call(self.address, self.abi, "verify", [proof, inputs])
        assert result.execution_gas < GAS_CEILING
        return bool(result.value)


def prove(pk: snark.ProvingKey) -> tuple[bytes, list[int]]:
    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    state = AccountState(CONFIG.tree_depth)
    state.credit(1, alice.public_key, 100)
    proof, inputs = snark.prove(
        pk, state, [sign_transfer(alice.secret_key, 1, 2, bob.public_key, 7, 1)]
    )
    return proof, inputs.as_list()


@pytest.fixture(scope="module")
def deployed() -> Deployed:
    pk, vk = snark.insecure_setup(CONFIG, b"evm-verifier")
    abi, bytecode = build_verifier(vk_json.get_vk_points(vk, CONFIG.circuit_id))
    chain = LocalChain()
    proof, inputs = prove(pk)
    assert snark.verify(vk, inputs, proof)
    return Deployed(chain, chain.deploy(bytecode), abi, encode_proof(proof), inputs)


def test_accepts_a_valid_proof_within_the_gas_ceiling(deployed: Deployed) -> None:
    result = deployed.chain.call(
        deployed.address, deployed.abi, "verify", [deployed.proof, deployed.inputs]
    )
    assert result.value is True
    assert 150_000 < result.execution_gas < GAS_CEILING


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1, 2])
def test_rejects_each_public_input_plus_one(deployed: Deployed, index: int) -> None:
    inputs = list(deployed.inputs)
    inputs[index] = (inputs[index] + 1) % cp.SCALAR_MODULUS
    assert deployed.verify(deployed.proof, inputs) is False


@pytest.mark.parametrize("index", [0, 1, 2])
def test_reverts_on_an_input_plus_r(deployed: Deployed, index: int) -> None:
    inputs = list(deployed.inputs)
    inputs[index] += cp.SCALAR_MODULUS
    with pytest.raises(ContractRevertedError, match="public input not below r"):
        deployed.verify(deployed.proof, inputs)


@pytest.mark.slow
def test_rejects_a_and_c_swapped(deployed: Deployed) -> None:
    a, b, c = deployed.proof[:128], deployed.proof[128:384], deployed.proof[384:]
    assert deployed.verify(c + b + a, deployed.inputs) is False


@pytest.mark.slow
def test_rejects_a_proof_for_another_key(deployed: Deployed) -> None:
    other_pk, _ = snark.insecure_setup(CONFIG, b"another key")
    proof, inputs = prove(other_pk)
    assert deployed.verify(encode_proof(proof), inputs) is False


@pytest.mark.parametrize(
    ("start", "size", "name"), [(0, 128, "A"), (128, 256, "B"), (384, 128, "C")]
)
def test_reverts_on_a_point_at_infinity(
    deployed: Deployed, start: int, size: int, name: str
) -> None:
    proof = deployed.proof[:start] + bytes(size) + deployed.proof[start + size :]
    with pytest.raises(ContractRevertedError, match=f"{name} is the point at infinity"):
        deployed.verify(proof, deployed.inputs)


@pytest.mark.slow
def test_reverts_when_the_pairing_precompile_refuses_a_point(deployed: Deployed) -> None:
    y = int.from_bytes(deployed.proof[64:128], "big")
    off_curve = deployed.proof[:64] + ((y + 1) % cp.FIELD_MODULUS).to_bytes(64, "big")
    with pytest.raises(ContractRevertedError):
        deployed.verify(off_curve + deployed.proof[128:], deployed.inputs)


@pytest.mark.parametrize(
    ("proof_size", "input_count", "why"),
    [(511, 3, "proof must be 512 bytes"), (512, 2, "wrong number of public inputs")],
)
def test_reverts_on_wrong_lengths(
    deployed: Deployed, proof_size: int, input_count: int, why: str
) -> None:
    proof = (deployed.proof + bytes(1))[:proof_size]
    with pytest.raises(ContractRevertedError, match=why):
        deployed.verify(proof, deployed.inputs[:input_count])


def test_the_source_names_the_circuit_and_key() -> None:
    _, vk = snark.insecure_setup(CONFIG, b"evm-verifier")
    points = vk_json.get_vk_points(vk, CONFIG.circuit_id)
    source = render_verifier(points)
    assert CONFIG.circuit_id in source and points.key_sha256 in source
    assert source.startswith("# pragma version 0.4.3")


def test_encode_proof_refuses_a_wrong_length() -> None:
    with pytest.raises(DecodeError, match="191 bytes"):
        encode_proof(bytes(191))


def test_an_unknown_function_is_an_evm_error(deployed: Deployed) -> None:
    with pytest.raises(EvmError, match="no function 'prove'"):
        deployed.chain.call(deployed.address, deployed.abi, "prove", [])
