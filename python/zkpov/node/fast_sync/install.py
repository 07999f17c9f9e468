"""Installs a verified checkpoint and its accounts into an empty store, in one LMDB write.

The write holds the checkpoint block as the first committed height (the store's base, as if
everything below had been pruned), the QC that certifies it as the root QC, every account, the
staking ledger at that height, the verified epoch endings, the rebuilt offence index
(``economics/offence/*`` keys, :mod:`.history`) and the proven-final height; after a crash it
is there whole or not at all. Before it, the slashing-protection database bars every kind up to
the round after the commit QC's (a bar without the install is harmless: the node replays
instead). After it, the safety data is raised to that same mark (:func:`compute_installed_safety`),
so the core never tries to sign at or below it: its pacemaker starts in the commit QC's round,
whose timeout the bar would refuse. It is written after the install, not before, because a
node that replays from genesis with safety data of a later epoch never signs (nor follows) its
earlier epochs; a crash between the two leaves no safety data, and the bar still refuses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from zkpov.chain.state import Account
from zkpov.consensus.evidence_index import Offence, encode_offence
from zkpov.consensus.safety import compute_observed_qc
from zkpov.errors import FastSyncError, StoreFaultError
from zkpov.node.fast_sync.checkpoint import Checkpoint
from zkpov.node.proving.proof_store import FINAL_KEY
from zkpov.node.state.account_store import put_account_entries
from zkpov.node.state.committed_chain import ROOT_BLOCK_KEY, ROOT_QC_KEY
from zkpov.node.state.economics import LEDGER_KEY, OFFENCE_PREFIX
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.node.state.mempool import compute_tx_hash
from zkpov.node.state.stores import BLOCKS_DIR, SAFETY_FILE, get_slashing_path
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.epochs import EpochEnding
from zkpov.spec.messages import QuorumCert
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_db import SignedKind, SlashingDB
from zkpov.types import Round

__all__ = ["compute_installed_safety", "get_committed_height", "install_checkpoint"]


def get_committed_height(data: Path) -> int | None:
    """The highest height the node's block store in ``data`` holds, None if it holds none."""
    if not (data / BLOCKS_DIR).exists():
        return None
    with LmdbBlockStore(data / BLOCKS_DIR) as store:
        return store.get_committed_height()


def install_checkpoint(
    data: Path, checkpoint: Checkpoint, accounts: list[tuple[int, Account]], ledger: bytes,
    endings: Sequence[EpochEnding], offences: Sequence[Offence], pubkey: bytes,
    genesis_hash: bytes,
) -> None:  # fmt: skip
    """Bars signing up to the round after the commit QC's, writes the checkpoint, then raises
    the safety data: ``FastSyncError`` if the store already holds a chain (nothing written)."""
    if get_committed_height(data) is not None:
        raise FastSyncError(f"the block store in {data} already holds a chain")
    qc = checkpoint.commit_qc
    _bar_signing(data, pubkey, genesis_hash, (int(qc.vote_data.epoch), int(qc.round) + 1))
    with LmdbBlockStore(data / BLOCKS_DIR) as store:
        batch = _make_batch(checkpoint, accounts).put_state(LEDGER_KEY, ledger)
        for ending in endings:
            batch.put_state(*EpochEndingStore.get_entry(ending))
        for offence in offences:
            batch.put_state(OFFENCE_PREFIX + encode_offence(offence), b"")
        store.write(batch)
    safety = FileSafetyStore(data / SAFETY_FILE)
    safety.save(compute_installed_safety(safety.load(), qc))


def _bar_signing(data: Path, pubkey: bytes, genesis_hash: bytes, mark: tuple[int, int]) -> None:
    try:
        db = SlashingDB(get_slashing_path(data), genesis_hash, create=False)
    except StoreFaultError as err:  # e.g. a new key started with --init-slashing-protection
        raise FastSyncError(f"cannot bar signing below the checkpoint: {err}") from err
    try:
        for kind in SignedKind:
            db.prune(pubkey, kind, *mark)
    finally:
        db.close()


def compute_installed_safety(stored: SafetyData | None, qc: QuorumCert) -> SafetyData:
    """Safety data past the commit QC ``qc``: votes, timeouts and proposals only above the
    round after it (the bar's mark), the QC observed; ``stored`` is only ever raised."""
    epoch = qc.vote_data.epoch
    if stored is not None and stored.epoch > epoch:
        return stored
    base = stored if stored is not None and stored.epoch == epoch else SafetyData(epoch)
    seen, past = compute_observed_qc(base, qc), Round(qc.round + 1)
    return dataclasses.replace(
        seen, last_voted_round=max(seen.last_voted_round, past),
        highest_timeout_round=max(seen.highest_timeout_round, past),
        last_proposed_round=max(seen.last_proposed_round, past),
    )  # fmt: skip


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
