"""The devnet's Groth16 keys, generated once per key cache and loaded from it afterwards.

The keys come from ``insecure_setup`` seeded with the genesis hash, so every node of a devnet
derives the same keys (devnets only: anyone who knows the genesis can forge proofs). Nodes that
share one cache directory take turns under a lock file there: the first generates the keys
(about a minute at the devnet's default circuit), the others wait and then load them.

Each key is checked against the genesis ``setup`` before anything is written beside it
(:mod:`zkpov.node.ops.key_record`, ``KeySetupMismatchError``). A ceremony genesis's key is
looked up as ``<circuit id>-<tag of ceremony + pinned SHA-256>.pk`` and never generated.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from zkpov.crypto import snark
from zkpov.errors import KeySetupMismatchError
from zkpov.node.ops.key_record import (
    check_pinned_key,
    check_record_genesis,
    check_record_key,
    compute_key_sha256,
    write_key_record,
)
from zkpov.node.ops.lock import hold_file_lock
from zkpov.node.state.genesis_setup import (
    INSECURE_SETUP,
    CeremonySetup,
    GenesisSetup,
    encode_setup,
)

__all__ = [
    "KEY_CACHE_LOCK_FILE",
    "compute_setup_seed",
    "get_ceremony_key_path",
    "install_ceremony_key",
    "load_circuit_keys",
]

log = logging.getLogger(__name__)

KEY_CACHE_LOCK_FILE = "keys.lock"
DEVNET_SEED_TAG = b"zkpov-devnet"
CEREMONY_TAG = b"zkpov-ceremony"


def compute_setup_seed(genesis_hash: bytes) -> bytes:
    """The seed of a genesis's ``insecure_setup`` keys: anyone holding the genesis can derive
    them, and so forge proofs."""
    return DEVNET_SEED_TAG + genesis_hash


def load_circuit_keys(
    batch_size: int,
    depth: int,
    cache_dir: Path,
    genesis_hash: bytes,
    setup: GenesisSetup = INSECURE_SETUP,
) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    """The keys of this genesis and circuit, from ``cache_dir`` (insecure keys are generated
    into it if missing); ``KeySetupMismatchError`` for a key the genesis does not imply."""
    config = snark.CircuitConfig(batch_size=batch_size, tree_depth=depth)
    if isinstance(setup, CeremonySetup):
        return _load_ceremony_keys(config, cache_dir, setup)
    seed = compute_setup_seed(genesis_hash)
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with hold_file_lock(cache_dir / KEY_CACHE_LOCK_FILE, wait=True):
        path = snark.get_cache_path(cache_dir, config, seed)
        if path.exists():
            check_record_genesis(path, genesis_hash)
            check = lambda pk: check_record_key(path, pk.verifying_key)  # noqa: E731
            return snark.load_or_create_insecure_keys(config, cache_dir, seed, check)
        keys = _generate(config, cache_dir, seed)
        write_key_record(path, genesis_hash, keys[1])
        return keys


def get_ceremony_key_path(
    cache_dir: Path, config: snark.CircuitConfig, verifying_key_sha256: bytes
) -> Path:
    return snark.get_cache_path(cache_dir, config, CEREMONY_TAG + verifying_key_sha256)


def install_ceremony_key(
    cache_dir: Path, pk: snark.ProvingKey, transcript_sha256: bytes
) -> dict[str, str]:
    """Writes a ceremony's proving key where a node of a genesis pinning it looks; returns
    that genesis's ``setup`` value."""
    setup = CeremonySetup(compute_key_sha256(pk.verifying_key), transcript_sha256)
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = get_ceremony_key_path(cache_dir, pk.config, setup.verifying_key_sha256)
    with hold_file_lock(cache_dir / KEY_CACHE_LOCK_FILE, wait=True):
        snark.write_cached_key(path, pk)
    return encode_setup(setup)


def _load_ceremony_keys(
    config: snark.CircuitConfig, cache_dir: Path, setup: CeremonySetup
) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    seed = CEREMONY_TAG + setup.verifying_key_sha256
    path = snark.get_cache_path(cache_dir, config, seed)
    if not path.exists():
        raise KeySetupMismatchError(
            f"no ceremony proving key {path} for genesis.setup.verifying_key_sha256"
            f" {setup.verifying_key_sha256.hex()[:16]}"
        )
    with hold_file_lock(cache_dir / KEY_CACHE_LOCK_FILE, wait=True):
        check = lambda pk: check_pinned_key(setup, pk.verifying_key, path)  # noqa: E731
        keys = snark.load_or_create_insecure_keys(config, cache_dir, seed, check)
    check_pinned_key(setup, keys[1], path)  # a key that vanished meanwhile was generated: refused
    return keys


def _generate(
    config: snark.CircuitConfig, cache_dir: Path, seed: bytes
) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    log.info(
        "generating circuit keys (batch %d, depth %d); this can take about a minute",
        config.batch_size, config.tree_depth,
        extra={"batch_size": config.batch_size, "depth": config.tree_depth},
    )  # fmt: skip
    started = time.monotonic()
    keys = snark.load_or_create_insecure_keys(config, cache_dir, seed)
    seconds = round(time.monotonic() - started, 1)
    log.info("circuit keys ready in %.1f s", seconds, extra={"seconds": seconds})
    return keys
