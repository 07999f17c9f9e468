"""Open a node's stores, refusing (one ``StoreFaultError`` line) a damaged or mismatched set.

- The block store (LMDB): a truncated ``data.mdb`` or damaged pages are refused
  (:mod:`~zkpov.storage.lmdb_file`, :mod:`~zkpov.storage.lmdb_store`).
- The slashing-protection database, as Lighthouse does it: a missing one is a refusal, unless
  the operator passes ``--init-slashing-protection`` for a key that has never signed (homes
  made by ``zkpov init``/``testnet``/the devnet get an empty one at setup). It must be readable,
  belong to this genesis and cover the safety data and the chain
  (:mod:`~zkpov.storage.slashing_coverage`); the safety data is then saved through a
  :class:`~zkpov.storage.slashing_coverage.ReservingSafetyStore` so it stays covered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from zkpov.chain.state import AccountState
from zkpov.consensus.factory import ChainStart
from zkpov.errors import StoreFaultError
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.block_store import StoreConfig
from zkpov.storage.lmdb_store import LmdbBlockStore
from zkpov.storage.safety_store import FileSafetyStore
from zkpov.storage.slashing_coverage import (
    ReservingSafetyStore,
    check_slashing_coverage,
    get_safety_mark,
)
from zkpov.storage.slashing_db import SignedKind, SlashingDB

__all__ = ["NodeStores", "create_slashing_db", "get_slashing_path", "open_stores"]

log = logging.getLogger(__name__)

Mark = tuple[int, int]  # (epoch, round)

SLASHING_DB_FILE = "slashing.sqlite"
SAFETY_FILE = "safety.bin"
BLOCKS_DIR = "blocks"
_INIT_HINT = "pass --init-slashing-protection only for a validator key that has never signed"


@dataclass
class NodeStores:
    store: LmdbBlockStore
    chain: CommittedChain
    safety: ReservingSafetyStore
    slashing: SlashingDB


def get_slashing_path(data: Path) -> Path:
    """The slashing database in the node's data directory (``db_dir``)."""
    return data / SLASHING_DB_FILE


def create_slashing_db(data: Path, genesis_hash: bytes) -> None:
    """An empty slashing database for a brand-new home (``init``, ``testnet``, the devnet)."""
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    SlashingDB(get_slashing_path(data), genesis_hash).close()


def open_stores(
    data: Path,
    keep_last: int | None,
    start: ChainStart,
    genesis: tuple[AccountState, bytes],
    pubkey: bytes,
    init_slashing: bool = False,
    epochs: bool = False,
) -> NodeStores:
    """The block store (pruned to ``keep_last`` heights), committed chain, safety data and
    slashing database in ``data``, all checked; ``genesis``: its accounts and hash."""
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    genesis_state, genesis_hash = genesis
    store = LmdbBlockStore(data / BLOCKS_DIR, StoreConfig(keep_last=keep_last))
    try:
        chain = CommittedChain(store, start, genesis_state, epochs=epochs)
        safety = FileSafetyStore(data / SAFETY_FILE)
        loaded = safety.load()
        init = (get_safety_mark(loaded) or (int(start.vset.epoch), 0)) if init_slashing else None
        path = get_slashing_path(data)
        slashing = open_slashing_db(path, genesis_hash, pubkey, (loaded, chain.height), init)
    except BaseException:
        store.close()
        raise
    return NodeStores(store, chain, ReservingSafetyStore(safety, slashing, pubkey), slashing)


def open_slashing_db(
    path: Path,
    genesis_hash: bytes,
    pubkey: bytes,
    signed: tuple[SafetyData | None, int],
    init_mark: Mark | None = None,
) -> SlashingDB:
    """The database at ``path``, checked against ``signed`` (the safety data and the committed
    height). Given ``init_mark``, a missing one is created with the key's watermarks there."""
    if init_mark is not None and not path.exists():
        return _init_slashing_db(path, genesis_hash, pubkey, init_mark)
    if not path.exists():
        raise StoreFaultError(f"no slashing-protection database at {path}; {_INIT_HINT}")
    db = SlashingDB(path, genesis_hash, create=False)
    try:
        check_slashing_coverage(db, pubkey, *signed)
    except BaseException:
        db.close()
        raise
    return db


def _init_slashing_db(path: Path, genesis_hash: bytes, pubkey: bytes, mark: Mark) -> SlashingDB:
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if leftover.exists():
            raise StoreFaultError(f"{leftover} is left without its database; move it away first")
    db = SlashingDB(path, genesis_hash)
    for kind in SignedKind:  # nothing at or below what the safety data allowed may be signed
        db.prune(pubkey, kind, *mark)
    log.warning("created a new, empty slashing-protection database at %s", path)
    return db
