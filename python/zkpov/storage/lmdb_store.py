"""LMDB block store: the embedded default (one environment directory, eight named databases).

Each :meth:`LmdbBlockStore.write` is one LMDB write transaction, committed with ``fsync``
(``sync=True, metasync=True``): after a crash, even ``kill -9``, a batch is either fully there or
absent, and nothing that ``write`` returned from is lost. Heights are 8-byte big-endian keys so
the committed log and the per-height tx lists iterate in order. The map grows by doubling when
full. LMDB forbids opening one environment twice in a process; this module refuses it up front.
A truncated ``data.mdb`` is refused before it is mapped (:mod:`~zkpov.storage.lmdb_file`), and
LMDB's own errors on damaged pages become :class:`CorruptStoreError`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import lmdb

from zkpov.errors import DecodeError, StoreFaultError
from zkpov.storage.block_store import (
    HASH_BYTES,
    PruneReport,
    StorageError,
    StoreConfig,
    WriteBatch,
    compute_prune_floor,
    get_batch_commits,
)
from zkpov.storage.lmdb_file import check_data_file
from zkpov.types import BlockId, Height

__all__ = ["CorruptStoreError", "LmdbBlockStore"]

_SCHEMA_VERSION = b"\x00\x00\x00\x01"
_DB_NAMES = (
    b"blocks", b"certificates", b"log", b"tx_index", b"tx_by_height", b"state", b"retired", b"meta",
)  # fmt: skip
_MAX_MAP_SIZE = 1 << 40
_OPEN_PATHS: set[str] = set()
_OPEN_LOCK = threading.Lock()
T = TypeVar("T")


class CorruptStoreError(StorageError, DecodeError, StoreFaultError):
    """Bytes read back from the store do not decode, or LMDB finds its pages damaged."""


def encode_height(height: int) -> bytes:
    return height.to_bytes(8, "big")


def decode_height(data: bytes) -> Height:
    if len(data) != 8:
        raise CorruptStoreError(f"stored height has {len(data)} bytes, expected 8")
    return Height(int.from_bytes(data, "big"))


class LmdbBlockStore:
    """The :class:`~zkpov.storage.block_store.BlockStore` on LMDB at directory ``path``."""

    def __init__(self, path: str | os.PathLike[str], config: StoreConfig | None = None) -> None:
        self.config = config or StoreConfig()
        self.path = Path(path)
        self._closed = False
        self._key = _claim_path(self.path)
        try:
            self._env = _open_env(self.path, self.config.map_size)
        except BaseException:
            _release_path(self._key)
            raise
        try:
            self._dbs = self._open_dbs()
            self._check_schema()
        except BaseException:
            self.close()
            raise

    def get_block(self, block_id: bytes) -> bytes | None:
        return self._get(b"blocks", block_id)

    def get_certificate(self, block_id: bytes) -> bytes | None:
        return self._get(b"certificates", block_id)

    def get_committed_id(self, height: int) -> BlockId | None:
        value = self._get(b"log", encode_height(height))
        return None if value is None else BlockId(_check_id(value))

    def get_committed_height(self) -> Height | None:
        return self._read(lambda txn: _get_tip(txn, self._dbs[b"log"]))

    def get_base_height(self) -> Height | None:
        value = self._get(b"meta", b"base")
        return None if value is None else decode_height(value)

    def get_tx_height(self, tx_hash: bytes) -> Height | None:
        value = self._get(b"tx_index", tx_hash)
        return None if value is None else decode_height(value)

    def get_state(self, key: bytes) -> bytes | None:
        return self._get(b"state", key)

    def iter_state(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        return self._read(lambda txn: _scan_prefix(txn, self._dbs[b"state"], prefix))

    def write(self, batch: WriteBatch) -> None:
        self._write(lambda txn: self._process_batch(txn, batch))

    def prune(self, keep_last: int) -> PruneReport:
        return self._write(lambda txn: self._process_prune(txn, keep_last))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._env.close()
            _release_path(self._key)

    def __enter__(self) -> LmdbBlockStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _process_batch(self, txn: Any, batch: WriteBatch) -> None:
        log = self._dbs[b"log"]
        named = {h: txn.get(encode_height(h), db=log) for h, _ in batch.commits}
        lookup = {h: bytes(v) for h, v in named.items() if v is not None}
        fresh = get_batch_commits(batch, _get_tip(txn, log), lookup)
        self._put_all(txn, b"blocks", batch.blocks.items())
        self._put_all(txn, b"certificates", batch.certificates.items())
        self._process_tx_index(txn, batch.tx_index)
        self._process_state(txn, batch.state)
        for key, height in batch.retired.items():
            txn.put(encode_height(height) + key, b"", db=self._dbs[b"retired"])
        self._process_commits(txn, fresh)
        if fresh and self.config.keep_last is not None:
            self._process_prune(txn, self.config.keep_last)

    def _process_tx_index(self, txn: Any, entries: dict[bytes, Height]) -> None:
        for tx_hash, height in entries.items():
            txn.put(tx_hash, encode_height(height), db=self._dbs[b"tx_index"])
            txn.put(encode_height(height) + tx_hash, b"", db=self._dbs[b"tx_by_height"])

    def _process_state(self, txn: Any, changes: dict[bytes, bytes | None]) -> None:
        for key, value in changes.items():
            if value is None:
                txn.delete(key, db=self._dbs[b"state"])
            else:
                txn.put(key, value, db=self._dbs[b"state"])

    def _process_commits(self, txn: Any, fresh: list[tuple[Height, BlockId]]) -> None:
        for height, block_id in fresh:
            txn.put(encode_height(height), block_id, db=self._dbs[b"log"])
        if fresh and txn.get(b"base", db=self._dbs[b"meta"]) is None:
            txn.put(b"base", encode_height(fresh[0][0]), db=self._dbs[b"meta"])

    def _process_prune(self, txn: Any, keep_last: int) -> PruneReport:
        raw_base = txn.get(b"base", db=self._dbs[b"meta"])
        base = None if raw_base is None else decode_height(bytes(raw_base))
        floor = compute_prune_floor(_get_tip(txn, self._dbs[b"log"]), base, keep_last)
        if floor is None or base is None:
            return PruneReport(base or Height(0), 0, 0)
        blocks = sum(self._prune_height(txn, h) for h in range(base, floor))
        txs = self._prune_index(txn, b"tx_by_height", b"tx_index", floor)
        states = self._prune_index(txn, b"retired", b"state", Height(floor + 1))
        txn.put(b"base", encode_height(floor), db=self._dbs[b"meta"])
        return PruneReport(floor, blocks, txs, states)

    def _prune_height(self, txn: Any, height: int) -> int:
        block_id = txn.get(encode_height(height), db=self._dbs[b"log"])
        if block_id is None:
            return 0
        txn.delete(block_id, db=self._dbs[b"certificates"])
        return 1 if txn.delete(block_id, db=self._dbs[b"blocks"]) else 0

    def _prune_index(self, txn: Any, index: bytes, target: bytes, below: Height) -> int:
        """Drop index entries ``height|key`` below ``below`` and their ``key`` in ``target``."""
        cursor = txn.cursor(db=self._dbs[index])
        limit = encode_height(below)
        stale: list[bytes] = []
        for key in cursor.iternext(values=False):
            if bytes(key[:8]) >= limit:
                break
            stale.append(bytes(key))
        for key in stale:
            txn.delete(key, db=self._dbs[index])
            txn.delete(key[8:], db=self._dbs[target])
        return len(stale)

    def _put_all(self, txn: Any, name: bytes, items: Any) -> None:
        for key, value in items:
            txn.put(key, value, db=self._dbs[name])

    def _open_dbs(self) -> dict[bytes, Any]:
        try:
            return {name: self._env.open_db(name) for name in _DB_NAMES}
        except lmdb.Error as exc:
            raise CorruptStoreError(f"cannot open the LMDB store at {self.path}: {exc}") from exc

    def _check_schema(self) -> None:
        version = self._get(b"meta", b"schema")
        if version is None:
            self._write(lambda txn: txn.put(b"schema", _SCHEMA_VERSION, db=self._dbs[b"meta"]))
        elif version != _SCHEMA_VERSION:
            raise CorruptStoreError(f"unknown store schema {version.hex()} at {self.path}")

    def _get(self, name: bytes, key: bytes) -> bytes | None:
        if not isinstance(key, bytes) or not key:
            raise StorageError("a key must be non-empty bytes")
        value = self._read(lambda txn: txn.get(key, db=self._dbs[name]))
        return None if value is None else bytes(value)

    def _read(self, body: Callable[[Any], T]) -> T:
        self._check_open()
        try:
            with self._env.begin(write=False) as txn:
                return body(txn)
        except lmdb.Error as exc:
            raise CorruptStoreError(f"cannot read the LMDB store at {self.path}: {exc}") from exc

    def _write(self, body: Callable[[Any], T]) -> T:
        self._check_open()
        for _ in range(8):
            try:
                with self._env.begin(write=True) as txn:
                    return body(txn)
            except lmdb.MapFullError:
                self._grow_map()
            except lmdb.Error as exc:
                message = f"cannot write the LMDB store at {self.path}: {exc}"
                raise CorruptStoreError(message) from exc
        raise StorageError("the LMDB map is full and cannot grow further")

    def _grow_map(self) -> None:
        size = self._env.info()["map_size"] * 2
        if size > _MAX_MAP_SIZE:
            raise StorageError("the LMDB map is full at its 1 TiB ceiling")
        self._env.set_mapsize(size)

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the block store is closed")


def _open_env(path: Path, map_size: int) -> Any:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_data_file(path / "data.mdb")
    try:
        env = lmdb.open(
            str(path), map_size=map_size, max_dbs=len(_DB_NAMES), subdir=True, mode=0o600,
            sync=True, metasync=True, lock=True, readahead=False,
        )  # fmt: skip
        env.reader_check()  # free reader slots left by killed processes
    except lmdb.Error as exc:
        raise StorageError(f"cannot open LMDB store at {path}: {exc}") from exc
    return env


def _get_tip(txn: Any, log: Any) -> Height | None:
    cursor = txn.cursor(db=log)
    return decode_height(bytes(cursor.key())) if cursor.last() else None


def _scan_prefix(txn: Any, db: Any, prefix: bytes) -> list[tuple[bytes, bytes]]:
    cursor = txn.cursor(db=db)
    found: list[tuple[bytes, bytes]] = []
    if not (cursor.set_range(prefix) if prefix else cursor.first()):
        return found
    for key, value in cursor:
        if not bytes(key).startswith(prefix):
            break
        found.append((bytes(key), bytes(value)))
    return found


def _check_id(value: bytes) -> bytes:
    if len(value) != HASH_BYTES:
        raise CorruptStoreError(f"stored block id has {len(value)} bytes, expected {HASH_BYTES}")
    return value


def _claim_path(path: Path) -> str:
    key = os.path.realpath(path)
    with _OPEN_LOCK:
        if key in _OPEN_PATHS:
            raise StorageError(f"the store at {path} is already open in this process")
        _OPEN_PATHS.add(key)
    return key


def _release_path(key: str) -> None:
    with _OPEN_LOCK:
        _OPEN_PATHS.discard(key)
