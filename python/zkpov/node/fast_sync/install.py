"""Installs a verified checkpoint and its accounts into an empty store, in one LMDB write.

The write holds the checkpoint block as the first committed height (the store's base, as if
everything below had been pruned), the QC that certifies it as the root QC, every account, the
staking ledger at that height, the verified epoch endings, and the proven-final height; after a
crash it is there whole or not at all. Before it, the slashing-protection database bars every
round up to the commit QC's, so the node never signs at or below the checkpoint (a bar without
the install is harmless: the node replays instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zkpov.chain.state import Account
from zkpov.errors import FastSyncError, StoreFaultError
from zkpov.node.fast_sync.checkpoint import Checkpoint
from zkpov.node.proving.proof_store import FINAL_KEY
from zkpov.node.state.account_store import put_account_entries
from zkpov.node.state.committed_chain import ROOT_BLOCK_KEY, ROOT_QC_KEY
from zkpov.node.state.economics import LEDGER_KEY
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.node.state.mempool import compute_tx_hash
from zkpov.node.state.stores import BLOCKS_DIR, get_slashing_path
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.epochs import EpochEnding
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.slashing_db import SignedKind, SlashingDB

__all__ = ["get_committed_height", "install_checkpoint"]


def get_committed_height(data: Path) -> int | None:
    """The highest height the node's block store in ``data`` holds, None if it holds none."""
    if not (data / BLOCKS_DIR).exists():
        return None
    with LmdbBlockStore(data / BLOCKS_DIR) as store:
        return store.get_committed_height()


def install_checkpoint(
    data: Path, checkpoint: Checkpoint, accounts: list[tuple[int, Account]], ledger: bytes,
    endings: Sequence[EpochEnding], pubkey: bytes, genesis_hash: bytes,
) -> None:  # fmt: skip
    """Bars signing up to the checkpoint, then writes it: ``FastSyncError`` if the store
    already holds a chain (nothing written then)."""
    if get_committed_height(data) is not None:
        raise FastSyncError(f"the block store in {data} already holds a chain")
    qc = checkpoint.commit_qc
    try:
        db = SlashingDB(get_slashing_path(data), genesis_hash, create=False)
    except StoreFaultError as err:  # e.g. a new key started with --init-slashing-protection
        raise FastSyncError(f"cannot bar signing below the checkpoint: {err}") from err
    try:
        for kind in SignedKind:
            db.prune(pubkey, kind, int(qc.vote_data.epoch), int(qc.round))
    finally:
        db.close()
    with LmdbBlockStore(data / BLOCKS_DIR) as store:
        batch = _make_batch(checkpoint, accounts).put_state(LEDGER_KEY, ledger)
        for ending in endings:
            batch.put_state(*EpochEndingStore.get_entry(ending))
        store.write(batch)


def _make_batch(checkpoint: Checkpoint, accounts: list[tuple[int, Account]]) -> WriteBatch:
    block, root_qc = checkpoint.block, checkpoint.blocks[-1].qc
    batch = WriteBatch().put_block(block.id, encode_message(block))
    batch.commit(block.height, block.id).put_certificate(block.id, encode_message(root_qc))
    for tx in decode_payload(block.payload):
        batch.index_tx(compute_tx_hash(tx), block.height)
    batch.put_state(ROOT_BLOCK_KEY, encode_message(block))
    batch.put_state(ROOT_QC_KEY, encode_message(root_qc))
    batch.put_state(FINAL_KEY, block.height.to_bytes(8, "big"))
    return put_account_entries(batch, accounts)
