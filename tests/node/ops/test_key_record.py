"""zkpov.node.ops.key_record through load_circuit_keys: a node refuses keys that are not the
ones its genesis setup implies, in one line, before writing anything."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from zkpov.crypto import snark
from zkpov.errors import KeySetupMismatchError
from zkpov.node.ops.key_cache import CEREMONY_TAG, compute_setup_seed, load_circuit_keys
from zkpov.node.ops.key_record import get_record_path
from zkpov.node.state.genesis_setup import CeremonySetup

GENESIS_A = b"\x0a" * 32
GENESIS_B = b"\x0b" * 32
CONFIG = snark.CircuitConfig(1, 2)


def key_path(cache: Path, genesis_hash: bytes) -> Path:
    return snark.get_cache_path(cache, CONFIG, compute_setup_seed(genesis_hash))


def files(cache: Path) -> dict[str, bytes]:
    """The cache's key files (the lock file, made to wait on, holds no key)."""
    return {p.name: p.read_bytes() for p in sorted(cache.iterdir()) if p.name != "keys.lock"}


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two caches: keys for genesis A, keys for genesis B."""
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    load_circuit_keys(1, 2, a, GENESIS_A)
    load_circuit_keys(1, 2, b, GENESIS_B)
    return a, b


def refused(cache: Path, genesis_hash: bytes, *setup: CeremonySetup) -> str:
    before = files(cache)
    with pytest.raises(KeySetupMismatchError) as info:
        load_circuit_keys(1, 2, cache, genesis_hash, *setup)
    assert files(cache) == before  # nothing written
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_cache_records_its_genesis_and_loads_again(caches: tuple[Path, Path]) -> None:
    a, _ = caches
    assert get_record_path(key_path(a, GENESIS_A)).exists()
    pk, vk = load_circuit_keys(1, 2, a, GENESIS_A)
    assert vk == pk.verifying_key


def test_keys_of_another_genesis_renamed_into_place_are_refused(
    caches: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = caches
    src, dst = key_path(a, GENESIS_A), key_path(tmp_path, GENESIS_B)
    for suffix in (".pk", ".r1cs", ".json"):
        shutil.copy(src.with_suffix(suffix), dst.with_suffix(suffix))
    message = refused(tmp_path, GENESIS_B)
    assert f"made for genesis {GENESIS_A.hex()[:16]}" in message
    assert "insecure" in message


def test_a_proving_key_swapped_under_another_record_is_refused(
    caches: tuple[Path, Path], tmp_path: Path
) -> None:
    """Genesis B's record beside genesis A's proving key (and no matrices yet: none are
    written)."""
    a, b = caches
    shutil.copy(key_path(a, GENESIS_A), key_path(tmp_path, GENESIS_B))
    record = get_record_path(key_path(b, GENESIS_B))
    shutil.copy(record, get_record_path(key_path(tmp_path, GENESIS_B)))
    assert "embeds verifying key" in refused(tmp_path, GENESIS_B)


def test_a_proving_key_without_a_record_is_refused(
    caches: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = caches
    shutil.copy(key_path(a, GENESIS_A), key_path(tmp_path, GENESIS_A))
    assert "no readable record" in refused(tmp_path, GENESIS_A)


def ceremony_cache(caches: tuple[Path, Path], tmp_path: Path, pinned: bytes) -> CeremonySetup:
    """Genesis A's keys placed where a ceremony genesis pinning ``pinned`` looks for its key."""
    a, _ = caches
    setup = CeremonySetup(pinned, b"\x01" * 32)
    dst = snark.get_cache_path(tmp_path, CONFIG, CEREMONY_TAG + pinned)
    for suffix in (".pk", ".r1cs"):
        shutil.copy(key_path(a, GENESIS_A).with_suffix(suffix), dst.with_suffix(suffix))
    return setup


def test_a_ceremony_key_with_the_pinned_hash_loads(
    caches: tuple[Path, Path], tmp_path: Path
) -> None:
    _, vk_a = load_circuit_keys(1, 2, caches[0], GENESIS_A)
    pinned = hashlib.sha256(vk_a.to_bytes()).digest()
    setup = ceremony_cache(caches, tmp_path, pinned)
    assert load_circuit_keys(1, 2, tmp_path, GENESIS_B, setup)[1] == vk_a


def test_a_ceremony_key_with_another_hash_is_refused(
    caches: tuple[Path, Path], tmp_path: Path
) -> None:
    setup = ceremony_cache(caches, tmp_path, b"\xee" * 32)
    message = refused(tmp_path, GENESIS_B, setup)
    assert "genesis.setup.verifying_key_sha256 eeeeeeee" in message


def test_a_missing_ceremony_key_is_refused_and_never_generated(tmp_path: Path) -> None:
    setup = CeremonySetup(b"\xee" * 32, b"\x01" * 32)
    assert "no ceremony proving key" in refused(tmp_path, GENESIS_B, setup)
