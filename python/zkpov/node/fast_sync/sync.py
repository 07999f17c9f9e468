"""``zkpov start --fast-sync URL``: join from a peer's proven checkpoint instead of replaying.

Fetch the checkpoint, verify it against the trusted genesis through its epoch changes
(:mod:`.verify`), fetch the accounts
chunk by chunk against its state root (:mod:`.state_fetch`) and the staking ledger against its
header's staking root (:mod:`.ledger_chunks`), and the headers and evidence below it linked to
it, from which the committed offence index is rebuilt (:mod:`.history`); install all of them in
one write (:mod:`.install`); the node then replays only the later blocks through block sync. Any bad
answer ends fast sync with one WARNING line saying why, and the node replays from genesis.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from zkpov.chain.state import compute_chain_tag
from zkpov.crypto import snark
from zkpov.errors import FastSyncError
from zkpov.node.fast_sync.client import FastSyncClient
from zkpov.node.fast_sync.history import compute_offences, fetch_history
from zkpov.node.fast_sync.install import get_committed_height, install_checkpoint
from zkpov.node.fast_sync.ledger_chunks import fetch_ledger
from zkpov.node.fast_sync.state_fetch import fetch_state
from zkpov.node.fast_sync.verify import verify_checkpoint
from zkpov.node.ops.config import NodeConfig
from zkpov.node.ops.key_cache import load_circuit_keys
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.state.bootstrap import build_validator_set
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, read_genesis

__all__ = ["FastSyncResult", "run_fast_sync"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FastSyncResult:
    height: int
    accounts: int
    proofs: int  # validity proofs verified with the checkpoint
    offences: int  # in the installed offence index
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
    endings = verify_checkpoint(
        claimed, checkpoint, build_validator_set(genesis), get_vk, chain_tag
    )
    root, height = int.from_bytes(checkpoint.block.state_root, "big"), checkpoint.height
    accounts = fetch_state(
        lambda level, position: client.get_chunk(height, level, position),
        height, genesis.circuit_tree_depth, root,
    )  # fmt: skip
    ledger = fetch_ledger(
        lambda index: client.get_ledger_chunk(height, index), height,
        checkpoint.block.staking_root,
    )  # fmt: skip
    history = fetch_history(lambda start: client.get_history_page(height, start), checkpoint.block)
    offences = compute_offences(history)
    validator = read_key_file(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    install_checkpoint(config.get_path(config.db_dir), checkpoint, accounts, ledger, endings,
                       offences, validator.public, genesis_hash)  # fmt: skip
    proofs = len(checkpoint.proofs)
    seconds = time.perf_counter() - started
    result = FastSyncResult(height, len(accounts), proofs, len(offences), seconds)
    log.info(
        "fast sync: installed height %d (%d accounts, %d proofs verified, %d offences from %d"
        " blocks) from %s in %.2f s", height, len(accounts), proofs, len(offences),
        len(history), url[:200], seconds,
        extra={"height": height, "accounts": len(accounts), "proofs": proofs},
    )  # fmt: skip
    return result
