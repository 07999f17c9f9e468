"""``zkpov start --fast-sync URL``: join from a peer's proven checkpoint instead of replaying.

Fetch the checkpoint, verify it against the trusted genesis (:mod:`.verify`), fetch the accounts
chunk by chunk against its state root (:mod:`.state_fetch`), install both in one write
(:mod:`.install`); the node then replays only the later blocks through block sync. Any bad
answer ends fast sync with one WARNING line saying why, and the node replays from genesis.

Until block headers commit to the staking ledger, every checkpoint above genesis ends that way
too, after it was verified and before anything is written (:data:`LEDGER_REFUSAL`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from zkpov.chain.state import compute_chain_tag
from zkpov.crypto import snark
from zkpov.errors import FastSyncError
from zkpov.node.fast_sync.client import FastSyncClient
from zkpov.node.fast_sync.install import get_committed_height, install_checkpoint
from zkpov.node.fast_sync.state_fetch import fetch_state
from zkpov.node.fast_sync.verify import verify_checkpoint
from zkpov.node.ops.config import NodeConfig
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.bootstrap import build_validator_set
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, read_genesis

__all__ = ["FastSyncResult", "run_fast_sync"]

log = logging.getLogger(__name__)

# The node's staking ledger (:mod:`zkpov.node.state.economics`) is not in any header, so a
# checkpoint above genesis cannot carry one a joiner could check; installing the accounts alone
# would leave the node without the ledger every commit moves. Refused, cleanly, until headers
# commit to a staking root.
LEDGER_REFUSAL = (
    "the checkpoint verifies, but fast sync cannot carry the staking ledger yet (no header"
    " commits to it)"
)


@dataclass(frozen=True)
class FastSyncResult:
    height: int
    accounts: int
    proofs: int  # validity proofs verified with the checkpoint
    seconds: float


def run_fast_sync(config: NodeConfig, url: str) -> FastSyncResult | None:
    """Installs the peer's checkpoint into the node's empty store; None (after one line in the
    log) when the store already holds a chain or fast sync failed."""
    data = config.get_path(config.db_dir)
    held = get_committed_height(data)
    if held is not None:
        log.info("fast sync skipped: the store already holds height %d", held)
        return None
    try:
        return _sync(config, read_genesis(config.get_path(config.genesis_file)), url)
    except FastSyncError as err:
        log.warning("fast sync from %s failed, replaying from genesis: %s", url[:200], err)
        return None


def _sync(config: NodeConfig, genesis: Genesis, url: str) -> FastSyncResult:
    started, client = time.perf_counter(), FastSyncClient(url)
    claimed, checkpoint = client.get_checkpoint()
    genesis_hash = compute_genesis_hash(genesis)

    def get_vk() -> snark.VerifyingKey:
        cache = config.get_path(config.key_cache_dir)
        batch, depth = genesis.circuit_batch_size, genesis.circuit_tree_depth
        return load_circuit_keys(batch, depth, cache, genesis_hash, genesis.setup)[1]

    chain_tag = compute_chain_tag(genesis_hash)
    verify_checkpoint(claimed, checkpoint, build_validator_set(genesis), get_vk, chain_tag)
    root, height = int.from_bytes(checkpoint.block.state_root, "big"), checkpoint.height
    accounts = fetch_state(
        lambda level, position: client.get_chunk(height, level, position),
        height, genesis.circuit_tree_depth, root,
    )  # fmt: skip
    if height > 0:
        raise FastSyncError(LEDGER_REFUSAL)
    validator = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    install_checkpoint(config.get_path(config.db_dir), checkpoint, accounts, validator.public,
                       genesis_hash)  # fmt: skip
    proofs = len(checkpoint.proofs)
    result = FastSyncResult(height, len(accounts), proofs, time.perf_counter() - started)
    log.info(
        "fast sync: installed height %d (%d accounts, %d proofs verified) from %s in %.2f s",
        height, len(accounts), proofs, url[:200], result.seconds,
        extra={"height": height, "accounts": len(accounts), "proofs": proofs},
    )  # fmt: skip
    return result
