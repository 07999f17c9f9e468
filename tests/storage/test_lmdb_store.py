"""Block store: LMDB and in-memory stores follow one contract; LMDB survives kill -9."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.memory_block_store import MemoryBlockStore
from zkpov.storage.block_store import (
    BlockStore,
    CommitConflictError,
    StorageError,
    StoreConfig,
    WriteBatch,
)
from zkpov.storage.lmdb_store import CorruptStoreError, LmdbBlockStore


def block_id(height: int) -> bytes:
    return hashlib.sha256(b"block%d" % height).digest()


def tx_hash(height: int) -> bytes:
    return hashlib.sha256(b"tx%d" % height).digest()


def commit_batch(height: int) -> WriteBatch:
    bid = block_id(height)
    return (
        WriteBatch()
        .put_block(bid, b"block-%d" % height)
        .put_certificate(bid, b"qc-%d" % height)
        .commit(height, bid)
        .index_tx(tx_hash(height), height)
    )


@pytest.fixture(params=["lmdb", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlockStore]:
    opened: BlockStore = (
        LmdbBlockStore(tmp_path / "db") if request.param == "lmdb" else MemoryBlockStore()
    )
    yield opened
    opened.close()


def test_empty_store_reads_none(store: BlockStore) -> None:
    assert store.get_committed_height() is None
    assert store.get_base_height() is None
    assert store.get_block(block_id(0)) is None
    assert store.get_committed_id(0) is None
    assert store.get_tx_height(tx_hash(0)) is None


def test_committed_log_appends_and_reads_back(store: BlockStore) -> None:
    for height in range(5):
        store.write(commit_batch(height))
    assert store.get_committed_height() == 4
    assert store.get_base_height() == 0
    assert store.get_committed_id(3) == block_id(3)
    assert store.get_block(block_id(3)) == b"block-3"
    assert store.get_certificate(block_id(3)) == b"qc-3"
    assert store.get_tx_height(tx_hash(2)) == 2


def test_commit_may_not_skip_or_rewrite_a_height(store: BlockStore) -> None:
    store.write(commit_batch(0))
    with pytest.raises(CommitConflictError, match="skips"):
        store.write(commit_batch(2))
    with pytest.raises(CommitConflictError, match="another block"):
        store.write(WriteBatch().commit(0, block_id(7)))
    store.write(WriteBatch().commit(0, block_id(0)))  # the same commit again is idempotent
    assert store.get_committed_height() == 0


def test_a_rejected_batch_changes_nothing(store: BlockStore) -> None:
    store.write(commit_batch(0))
    bad = commit_batch(1).put_state(b"k", b"v").commit(5, block_id(5))
    with pytest.raises(CommitConflictError):
        store.write(bad)
    assert store.get_block(block_id(1)) is None
    assert store.get_state(b"k") is None
    assert store.get_committed_height() == 0


def test_state_namespace_puts_deletes_and_scans_by_prefix(store: BlockStore) -> None:
    batch = WriteBatch().put_state(b"acct/b", b"2").put_state(b"acct/a", b"1")
    store.write(batch.put_state(b"other", b"x"))
    store.write(WriteBatch().delete_state(b"other"))
    assert store.iter_state(b"acct/") == [(b"acct/a", b"1"), (b"acct/b", b"2")]
    assert store.get_state(b"other") is None


def test_prune_keeps_the_last_heights_and_the_log(store: BlockStore) -> None:
    for height in range(10):
        store.write(commit_batch(height))
    report = store.prune(keep_last=3)
    assert (report.floor, report.blocks_removed, report.tx_entries_removed) == (7, 7, 7)
    assert store.get_base_height() == 7
    assert store.get_block(block_id(6)) is None and store.get_certificate(block_id(6)) is None
    assert store.get_tx_height(tx_hash(6)) is None
    assert store.get_block(block_id(7)) == b"block-7"
    assert store.get_committed_id(0) == block_id(0)
    assert store.prune(keep_last=3).blocks_removed == 0


@pytest.mark.parametrize("bad", [0, -1, True, "3"])
def test_prune_rejects_a_bad_keep_last(store: BlockStore, bad: object) -> None:
    with pytest.raises(StorageError):
        store.prune(keep_last=bad)  # type: ignore[arg-type]


def test_keep_last_knob_prunes_on_every_commit(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db", StoreConfig(keep_last=2)) as store:
        for height in range(6):
            store.write(commit_batch(height))
        assert store.get_base_height() == 4
        assert store.get_block(block_id(3)) is None


@pytest.mark.parametrize(
    "build",
    [
        lambda b: b.put_block(b"short", b"x"),
        lambda b: b.commit(-1, block_id(0)),
        lambda b: b.index_tx(tx_hash(0), 2**63),
        lambda b: b.put_state(b"", b"x"),
        lambda b: b.put_state(b"k" * 513, b"x"),
        lambda b: b.put_state(b"k", "not bytes"),
    ],
)
def test_batch_rejects_bad_arguments(build: object) -> None:
    with pytest.raises(StorageError):
        build(WriteBatch())  # type: ignore[operator]


def test_closed_store_refuses_use(store: BlockStore) -> None:
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.get_committed_height()


def test_lmdb_reopens_with_data_and_files_are_private(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db") as store:
        store.write(commit_batch(0).put_state(b"k", b"v"))
    assert (tmp_path / "db").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "db" / "data.mdb").stat().st_mode & 0o777 == 0o600
    with LmdbBlockStore(tmp_path / "db") as store:
        assert store.get_committed_id(0) == block_id(0)
        assert store.get_state(b"k") == b"v"


def test_lmdb_refuses_a_second_open_in_one_process(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db"), pytest.raises(StorageError, match="already open"):
        LmdbBlockStore(tmp_path / "db")


def test_lmdb_grows_its_map_when_full(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db", StoreConfig(map_size=1 << 20)) as store:
        for height in range(6):
            bid = block_id(height)
            store.write(WriteBatch().put_block(bid, os.urandom(512 * 1024)).commit(height, bid))
        assert store.get_committed_height() == 5


def test_lmdb_rejects_a_foreign_schema(tmp_path: Path) -> None:
    import lmdb

    env = lmdb.open(str(tmp_path / "db"), max_dbs=8)
    meta = env.open_db(b"meta")
    with env.begin(write=True) as txn:
        txn.put(b"schema", b"\x00\x00\x00\x63", db=meta)
    env.close()
    with pytest.raises(CorruptStoreError, match="schema"):
        LmdbBlockStore(tmp_path / "db")


_WRITER = """
import hashlib, os, sys
from zkpov.storage.block_store import WriteBatch
from zkpov.storage.lmdb_store import LmdbBlockStore
store = LmdbBlockStore(sys.argv[1])
for height in range(100000):
    bid = hashlib.sha256(b"block%d" % height).digest()
    batch = WriteBatch().put_block(bid, os.urandom(4096)).commit(height, bid)
    store.write(batch.index_tx(hashlib.sha256(b"tx%d" % height).digest(), height))
    print(height, flush=True)
"""


def test_lmdb_keeps_every_acknowledged_commit_after_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "db"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acknowledged = -1
    while acknowledged < 40:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)  # mid-write: no close, no clean shutdown
    proc.wait(timeout=10)
    with LmdbBlockStore(path) as store:
        tip = store.get_committed_height()
        assert tip is not None and tip >= acknowledged
        for height in range(tip + 1):
            assert store.get_committed_id(height) == block_id(height)
            assert store.get_block(block_id(height)) is not None
            assert store.get_tx_height(tx_hash(height)) == height


def test_prune_deletes_state_retired_at_or_below_the_floor(store: BlockStore) -> None:
    store.write(commit_batch(0).put_state(b"node/v0", b"old").put_state(b"node/keep", b"k"))
    store.write(commit_batch(1).put_state(b"node/v1", b"new").retire_state(b"node/v0", 1))
    store.write(commit_batch(2).retire_state(b"node/v1", 3))
    for height in range(3, 5):
        store.write(commit_batch(height))
    assert store.prune(keep_last=4).state_entries_removed == 1  # floor 1
    assert store.get_state(b"node/v0") is None
    assert store.get_state(b"node/v1") == b"new"  # state at heights 1, 2 still needs it
    assert store.prune(keep_last=2).state_entries_removed == 1  # floor 3
    assert store.get_state(b"node/v1") is None
    assert store.get_state(b"node/keep") == b"k"


def test_retired_state_survives_reopen_until_pruned(tmp_path: Path) -> None:
    with LmdbBlockStore(tmp_path / "db") as store:
        store.write(commit_batch(0).put_state(b"n", b"v").retire_state(b"n", 1))
        store.write(commit_batch(1))
    with LmdbBlockStore(tmp_path / "db") as store:
        assert store.get_state(b"n") == b"v"
        assert store.prune(keep_last=1).state_entries_removed == 1
        assert store.get_state(b"n") is None
