"""zkpov.crypto.snark: real Groth16 proofs of a small transfer-batch circuit (batch 2, depth 8)."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.state import AccountState, Transfer, compute_batch_commitment, sign_transfer
from zkpov.crypto import poseidon, schnorr, snark
from zkpov.errors import DecodeError, ProofError

CONFIG = snark.CircuitConfig(batch_size=2, tree_depth=8)
ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()


@pytest.fixture(scope="module")
def keys() -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    return snark.insecure_setup(CONFIG, b"test-seed")


@pytest.fixture(scope="module")
def other_vk() -> snark.VerifyingKey:
    return snark.insecure_setup(snark.CircuitConfig(1, 2), b"test-seed")[1]


def genesis() -> AccountState:
    state = AccountState(CONFIG.tree_depth)
    state.credit(1, ALICE.public_key, 100)
    state.credit(9, BOB.public_key, 5)
    return state


def pay(amount: int, nonce: int, to: int = 9) -> Transfer:
    return sign_transfer(ALICE.secret_key, 1, to, BOB.public_key, amount, nonce)


@pytest.fixture(scope="module")
def proven(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> tuple[bytes, snark.PublicInputs, list[Transfer]]:
    transfers = [pay(10, 1), pay(20, 2, to=33)]
    proof, inputs = snark.prove(keys[0], genesis(), transfers)
    return proof, inputs, transfers


def test_valid_batch_proves_and_verifies(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
    proven: tuple[bytes, snark.PublicInputs, list[Transfer]],
) -> None:
    proof, inputs, transfers = proven
    state = genesis()
    assert inputs.pre_root == state.root
    assert inputs.post_root == state.apply_transfers(transfers)
    assert inputs.commitment == compute_batch_commitment(transfers)
    assert len(proof) == snark.PROOF_BYTES
    assert snark.verify(keys[1], inputs, proof)
    assert snark.verify(keys[1], inputs.as_list(), proof)


def test_prove_leaves_the_pre_state_alone(
    proven: tuple[bytes, snark.PublicInputs, list[Transfer]],
) -> None:
    assert proven[1].pre_root == genesis().root


@pytest.mark.parametrize(
    ("transfers", "why"),
    [
        ([pay(101, 1)], "exceeds balance"),
        ([sign_transfer(BOB.secret_key, 1, 9, BOB.public_key, 1, 1)], "signature"),
        ([pay(1, 2)], "nonce"),
        ([pay(1, 1), pay(1, 1)], "transfer 1: nonce"),
        ([pay(1, 1, to=1 << 8)], "does not fit"),
        ([pay(1, 1), pay(1, 2), pay(1, 3)], "do not fit a batch of 2"),
    ],
)
def test_invalid_batches_raise_proof_error_before_proving(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey], transfers: list[Transfer], why: str
) -> None:
    with pytest.raises(ProofError, match=why):
        snark.prove(keys[0], genesis(), transfers)


def test_prove_rejects_a_state_of_another_depth(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    with pytest.raises(ProofError, match="depth"):
        snark.prove(keys[0], AccountState(10), [])


def test_flipping_any_proof_byte_fails(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
    proven: tuple[bytes, snark.PublicInputs, list[Transfer]],
) -> None:
    proof, inputs, _ = proven
    for i in range(len(proof)):
        for bit in (0, 7):
            bad = bytearray(proof)
            bad[i] ^= 1 << bit
            with contextlib.suppress(DecodeError):
                assert not snark.verify(keys[1], inputs, bytes(bad)), f"byte {i} bit {bit}"


def test_changing_any_public_input_fails(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
    proven: tuple[bytes, snark.PublicInputs, list[Transfer]],
) -> None:
    proof, inputs, _ = proven
    for i in range(3):
        for delta in (1, poseidon.MODULUS - 1):
            bad = inputs.as_list()
            bad[i] = (bad[i] + delta) % poseidon.MODULUS
            assert not snark.verify(keys[1], bad, proof)
        out_of_range = inputs.as_list()
        out_of_range[i] += poseidon.MODULUS
        with pytest.raises(DecodeError):
            snark.verify(keys[1], out_of_range, proof)
    with pytest.raises(DecodeError):
        snark.verify(keys[1], inputs.as_list()[:2], proof)


def test_another_circuits_vk_rejects(
    other_vk: snark.VerifyingKey, proven: tuple[bytes, snark.PublicInputs, list[Transfer]]
) -> None:
    proof, inputs, _ = proven
    assert not snark.verify(other_vk, inputs, proof)
    other_seed = snark.insecure_setup(snark.CircuitConfig(1, 2), b"another-seed")[1]
    assert other_seed != other_vk


def test_batch_verify_accepts_good_and_rejects_one_bad(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
    proven: tuple[bytes, snark.PublicInputs, list[Transfer]],
) -> None:
    proof, inputs, _ = proven
    empty_proof, empty_inputs = snark.prove(keys[0], genesis(), [])
    good = [(inputs, proof), (empty_inputs, empty_proof)] * 2
    assert snark.batch_verify(keys[1], good)
    bad_inputs = snark.PublicInputs(inputs.pre_root, inputs.post_root, inputs.commitment + 1)
    assert not snark.batch_verify(keys[1], [*good, (bad_inputs, proof)])
    assert not snark.batch_verify(keys[1], [(empty_inputs, proof), *good])
    with pytest.raises(ValueError, match="at least one"):
        snark.batch_verify(keys[1], [])


def test_verifying_key_round_trips_and_rejects_garbage(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    data = keys[1].to_bytes()
    assert snark.VerifyingKey.from_bytes(data) == keys[1]
    for bad in (data[:-1], data + b"\x00", b"\x00" * len(data)):
        with pytest.raises(DecodeError):
            snark.VerifyingKey.from_bytes(bad)


def flip_byte(path: Path, offset: int = -100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1
    path.write_bytes(bytes(data))


def test_key_cache_round_trips_and_detects_corruption(tmp_path: Path) -> None:
    config = CONFIG
    pk, vk = snark.load_or_create_insecure_keys(config, tmp_path, b"cache")
    key_file, matrices_file = sorted(tmp_path.iterdir(), key=lambda p: p.suffix)
    assert (key_file.suffix, matrices_file.suffix) == (".pk", ".r1cs")
    assert key_file.name.startswith(config.circuit_id)
    assert matrices_file.stat().st_mode & 0o777 == 0o600
    pk2, vk2 = snark.load_or_create_insecure_keys(config, tmp_path, b"cache")
    assert vk2 == vk and pk2.to_bytes() == pk.to_bytes()
    assert pk2.matrices_to_bytes() == pk.matrices_to_bytes()
    proof, inputs = snark.prove(pk2, genesis(), [pay(5, 1)])
    assert snark.verify(vk, inputs, proof)
    flip_byte(matrices_file)
    with pytest.raises(DecodeError, match="corrupt"):
        snark.load_or_create_insecure_keys(config, tmp_path, b"cache")
    flip_byte(key_file)
    with pytest.raises(DecodeError, match="corrupt"):
        snark.load_or_create_insecure_keys(config, tmp_path, b"cache")


# delta_g1 in an uncompressed proving key: alpha_g1, 3 G2 points, the 8-byte length and 4 input
# points of the vk, then beta_g1 (G1 96 bytes, G2 192).
_DELTA_G1_AT = 96 + 3 * 192 + 8 + 4 * 96 + 96


def test_key_cache_rejects_a_point_outside_the_subgroup_with_a_recomputed_hash(
    tmp_path: Path,
) -> None:
    # The file's SHA-256 is unkeyed: an attacker who swaps a point recomputes it.
    pk, _ = snark.load_or_create_insecure_keys(CONFIG, tmp_path, b"swap")
    key_file = next(tmp_path.glob("*.pk"))
    data, body = key_file.read_bytes(), bytearray(pk.to_bytes())
    magic = data[: len(data) - len(body) - 32]
    # (0, 2) is on y^2 = x^3 + 4 but outside G1's prime-order subgroup; little-endian x then y.
    point = bytes(48) + (2).to_bytes(48, "little")
    body[_DELTA_G1_AT : _DELTA_G1_AT + 96] = point
    key_file.write_bytes(magic + hashlib.sha256(bytes(body)).digest() + bytes(body))
    with pytest.raises(DecodeError, match="subgroup"):
        snark.load_or_create_insecure_keys(CONFIG, tmp_path, b"swap")


def test_matrices_of_another_circuit_do_not_load(
    keys: tuple[snark.ProvingKey, snark.VerifyingKey],
) -> None:
    other = snark.insecure_setup(snark.CircuitConfig(1, 4), b"other")[0]
    with pytest.raises(DecodeError, match="do not fit"):
        keys[0].load_matrices(other.matrices_to_bytes())
    data = keys[0].matrices_to_bytes()
    for bad in (data[:-1], data + b"\x00", b""):
        with pytest.raises(DecodeError):
            keys[0].load_matrices(bad)
    keys[0].load_matrices(data)


def test_circuit_id_depends_on_config() -> None:
    ids = {snark.CircuitConfig(b, d).circuit_id for b in (1, 2) for d in (8, 10)}
    assert len(ids) == 4
    for bad in ((0, 8), (2, 7), (2, 0), (2, 64)):
        with pytest.raises(ValueError):
            snark.CircuitConfig(*bad)


def test_circuit_stats_small_config() -> None:
    stats = snark.get_circuit_stats(CONFIG)
    assert stats.public_input_count == 3
    assert stats.poseidon == 243 and stats.range_check == 65
    assert stats.constraint_count < 2 * stats.constraints_per_transfer + 2


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), pos=st.integers(0, 600), bit=st.integers(0, 7))
def test_decoders_fuzz(
    data: bytes, pos: int, bit: int, keys: tuple[snark.ProvingKey, snark.VerifyingKey]
) -> None:
    vk_bytes = bytearray(keys[1].to_bytes())
    vk_bytes[pos % len(vk_bytes)] ^= 1 << bit
    for candidate in (data, bytes(vk_bytes)):
        try:
            snark.VerifyingKey.from_bytes(candidate)
        except DecodeError as err:
            assert str(err)
    try:
        assert snark.verify(keys[1], [0, 0, 0], data[:192].ljust(192, b"\x00")) in (True, False)
    except DecodeError as err:
        assert str(err)


@pytest.mark.slow
def test_default_config_proves_and_verifies() -> None:
    config = snark.CircuitConfig()
    assert (config.batch_size, config.tree_depth) == (2, 32)
    pk, vk = snark.insecure_setup(config, b"slow")
    state = AccountState(config.tree_depth)
    state.credit(2**32 - 1, ALICE.public_key, 10)
    transfers = [sign_transfer(ALICE.secret_key, 2**32 - 1, 0, BOB.public_key, 10, 1)]
    proof, inputs = snark.prove(pk, state, transfers)
    assert snark.verify(vk, inputs, proof)
    assert inputs.post_root == state.apply_transfers(transfers)
