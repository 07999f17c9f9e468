"""The devnet's Groth16 keys, generated once per key cache and loaded from it afterwards.

The keys come from ``insecure_setup`` seeded with the genesis hash, so every node of a devnet
derives the same keys (devnets only: anyone who knows the genesis can forge proofs). Nodes that
share one cache directory take turns under a lock file there: the first generates the keys
(about a minute at the devnet's default circuit), the others wait and then load them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from zkpov.crypto import snark
from zkpov.node.ops.lock import hold_file_lock

__all__ = ["KEY_CACHE_LOCK_FILE", "compute_setup_seed", "load_circuit_keys"]

log = logging.getLogger(__name__)

KEY_CACHE_LOCK_FILE = "keys.lock"
DEVNET_SEED_TAG = b"zkpov-devnet"


def compute_setup_seed(genesis_hash: bytes) -> bytes:
    """The seed of a genesis's ``insecure_setup`` keys: anyone holding the genesis can derive
    them, and so forge proofs."""
    return DEVNET_SEED_TAG + genesis_hash


def load_circuit_keys(
    batch_size: int, depth: int, cache_dir: Path, genesis_hash: bytes
) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
    """The devnet keys of this genesis and circuit, from ``cache_dir`` or generated into it."""
    config = snark.CircuitConfig(batch_size=batch_size, tree_depth=depth)
    seed = compute_setup_seed(genesis_hash)
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with hold_file_lock(cache_dir / KEY_CACHE_LOCK_FILE, wait=True):
        if snark.get_cache_path(cache_dir, config, seed).exists():
            return snark.load_or_create_insecure_keys(config, cache_dir, seed)
        return _generate(config, cache_dir, seed)


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
