"""The block store interface: blocks, certificates, committed log, indexes, a state namespace.

Values are opaque bytes (the node encodes blocks and certificates with
``zkpov.spec.codec.messages``), so the store depends on no consensus type and its on-disk
format never changes with them.

- blocks:        block id (32 bytes) -> encoded block
- certificates:  block id -> encoded certificate (the QC that certifies the block)
- committed log: height -> block id, append-only; a height once committed never changes
- tx index:      tx hash (32 bytes) -> height of the committed block that holds it
- state:         key (1..512 bytes) -> value, for the account tree and other node state
- retired state: (height, key) -> marks a state entry that state at ``height`` and later no
                 longer needs (e.g. a tree node replaced at that height, as in Jellyfish Merkle)

Every change goes through a :class:`WriteBatch` applied by :meth:`BlockStore.write` in one atomic
transaction: after a crash either all of a batch is there or none of it. :meth:`BlockStore.prune`
drops block bodies, certificates and tx-index entries of old committed heights, and the state
entries retired at or below the new floor; the committed log (32 bytes a height) is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from zkpov.errors import ZkpovError
from zkpov.types import BlockId, Height

__all__ = [
    "HASH_BYTES",
    "MAX_STATE_KEY_BYTES",
    "BlockStore",
    "CommitConflictError",
    "PruneReport",
    "StorageError",
    "StoreConfig",
    "WriteBatch",
    "compute_prune_floor",
    "get_batch_commits",
]

HASH_BYTES = 32
MAX_STATE_KEY_BYTES = 512
MAX_VALUE_BYTES = 64 * 1024 * 1024


class StorageError(ZkpovError):
    """The store cannot do what was asked (closed, out of space, corrupt, or a bad argument)."""


class CommitConflictError(StorageError):
    """A batch would rewrite or skip a committed height: committed data is final and contiguous."""


@dataclass(frozen=True)
class StoreConfig:
    """Store settings. ``keep_last``: prune after every committing write so that only the last
    ``keep_last`` heights keep their bodies (None keeps everything: an archive node).
    ``map_size``: the LMDB map size in bytes (grown automatically when full)."""

    keep_last: int | None = None
    map_size: int = 1 << 30

    def __post_init__(self) -> None:
        if self.keep_last is not None:
            compute_prune_floor(None, None, self.keep_last)
        if isinstance(self.map_size, bool) or not isinstance(self.map_size, int):
            raise StorageError("map_size must be an integer")
        if not 1 << 20 <= self.map_size <= 1 << 40:
            raise StorageError("map_size must be between 1 MiB and 1 TiB")


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed: heights below ``floor`` lost their bodies, certificates, tx entries;
    state entries retired at or below ``floor`` were deleted."""

    floor: Height
    blocks_removed: int
    tx_entries_removed: int
    state_entries_removed: int = 0


@dataclass
class WriteBatch:
    """Changes applied together by :meth:`BlockStore.write`; put_/commit methods check inputs."""

    blocks: dict[bytes, bytes] = field(default_factory=dict)
    certificates: dict[bytes, bytes] = field(default_factory=dict)
    commits: list[tuple[Height, BlockId]] = field(default_factory=list)
    tx_index: dict[bytes, Height] = field(default_factory=dict)
    state: dict[bytes, bytes | None] = field(default_factory=dict)
    retired: dict[bytes, Height] = field(default_factory=dict)

    def put_block(self, block_id: bytes, data: bytes) -> WriteBatch:
        self.blocks[_check_hash(block_id, "block id")] = _check_value(data)
        return self

    def put_certificate(self, block_id: bytes, data: bytes) -> WriteBatch:
        self.certificates[_check_hash(block_id, "block id")] = _check_value(data)
        return self

    def commit(self, height: int, block_id: bytes) -> WriteBatch:
        """Append ``block_id`` at ``height`` to the committed log (heights must be contiguous)."""
        self.commits.append((Height(_check_height(height)), BlockId(_check_hash(block_id, "id"))))
        return self

    def index_tx(self, tx_hash: bytes, height: int) -> WriteBatch:
        self.tx_index[_check_hash(tx_hash, "tx hash")] = Height(_check_height(height))
        return self

    def put_state(self, key: bytes, value: bytes) -> WriteBatch:
        self.state[_check_state_key(key)] = _check_value(value)
        return self

    def delete_state(self, key: bytes) -> WriteBatch:
        self.state[_check_state_key(key)] = None
        return self

    def retire_state(self, key: bytes, height: int) -> WriteBatch:
        """State at ``height`` and later no longer needs ``key``: a prune whose floor reaches
        ``height`` deletes it (versions below the floor are no longer readable anyway). Retire
        only keys that are never written again, e.g. tree nodes keyed by the version that wrote
        them (Jellyfish Merkle style); a rewritten key would still be deleted."""
        self.retired[_check_state_key(key)] = Height(_check_height(height))
        return self

    def is_empty(self) -> bool:
        parts = (
            self.blocks,
            self.certificates,
            self.commits,
            self.tx_index,
            self.state,
            self.retired,
        )
        return not any(parts)


class BlockStore(Protocol):
    """Durable (or, for tests, in-memory) home of a node's chain data."""

    def get_block(self, block_id: bytes) -> bytes | None: ...

    def get_certificate(self, block_id: bytes) -> bytes | None: ...

    def get_committed_id(self, height: int) -> BlockId | None: ...

    def get_committed_height(self) -> Height | None:
        """The highest committed height, or None before the first commit."""

    def get_base_height(self) -> Height | None:
        """The lowest height whose block body is still kept (raised by pruning)."""

    def get_tx_height(self, tx_hash: bytes) -> Height | None: ...

    def get_state(self, key: bytes) -> bytes | None: ...

    def iter_state(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        """All state entries whose key starts with ``prefix``, in key order."""

    def write(self, batch: WriteBatch) -> None:
        """Apply ``batch`` atomically; durable when this returns (``CommitConflictError``)."""

    def prune(self, keep_last: int) -> PruneReport:
        """Drop bodies, certificates and tx entries of all but the last ``keep_last`` heights."""

    def close(self) -> None: ...


def get_batch_commits(
    batch: WriteBatch, tip: Height | None, lookup: Mapping[Height, bytes]
) -> list[tuple[Height, BlockId]]:
    """The batch's commits that are new; ``CommitConflictError`` if any rewrites or skips a height.

    ``lookup`` maps already committed heights named by the batch to their stored ids.
    """
    fresh: dict[Height, BlockId] = {}
    last = tip
    for height, block_id in batch.commits:
        if last is not None and height <= last:
            _check_same(height, block_id, fresh.get(height) or lookup.get(height))
            continue
        if last is not None and height != last + 1:
            raise CommitConflictError(f"commit at height {height} skips height {last + 1}")
        fresh[height] = block_id
        last = height
    return list(fresh.items())


def compute_prune_floor(tip: Height | None, base: Height | None, keep_last: int) -> Height | None:
    """First height to keep after pruning to ``keep_last`` heights, or None if nothing to prune."""
    if isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 1:
        raise StorageError(f"keep_last must be a positive integer, got {keep_last!r}")
    if tip is None or base is None:
        return None
    floor = tip - keep_last + 1
    return Height(floor) if floor > base else None


def _check_same(height: int, block_id: bytes, stored: bytes | None) -> None:
    if stored != block_id:
        raise CommitConflictError(f"height {height} is already committed to another block")


def _check_hash(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_BYTES:
        raise StorageError(f"{what} must be {HASH_BYTES} bytes")
    return value


def _check_height(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise StorageError(f"height must be an integer in [0, 2**63), got {value!r}")
    return value


def _check_value(value: bytes) -> bytes:
    if not isinstance(value, bytes) or len(value) > MAX_VALUE_BYTES:
        raise StorageError(f"value must be bytes of at most {MAX_VALUE_BYTES} bytes")
    return value


def _check_state_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or not 0 < len(key) <= MAX_STATE_KEY_BYTES:
        raise StorageError(f"state key must be 1..{MAX_STATE_KEY_BYTES} bytes")
    return key
