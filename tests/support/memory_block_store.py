"""In-memory block store: a reference double of the BlockStore contract for the storage tests.

Same semantics as the LMDB store (contiguous append-only log, atomic batches, pruning); a
simulated crash keeps the object, as a disk would keep its files.
"""

from __future__ import annotations

from zkpov.storage.block_store import (
    PruneReport,
    StorageError,
    StoreConfig,
    WriteBatch,
    compute_prune_floor,
    get_batch_commits,
)
from zkpov.types import BlockId, Height

__all__ = ["MemoryBlockStore"]


class MemoryBlockStore:
    """Dictionaries behind the BlockStore interface; ``write`` validates fully before changing."""

    def __init__(self, config: StoreConfig | None = None) -> None:
        self.config = config or StoreConfig()
        self._blocks: dict[bytes, bytes] = {}
        self._certificates: dict[bytes, bytes] = {}
        self._log: dict[int, BlockId] = {}
        self._tx_index: dict[bytes, Height] = {}
        self._state: dict[bytes, bytes] = {}
        self._retired: dict[bytes, Height] = {}
        self._base: Height | None = None
        self._closed = False

    def get_block(self, block_id: bytes) -> bytes | None:
        return self._open()._blocks.get(block_id)

    def get_certificate(self, block_id: bytes) -> bytes | None:
        return self._open()._certificates.get(block_id)

    def get_committed_id(self, height: int) -> BlockId | None:
        return self._open()._log.get(height)

    def get_committed_height(self) -> Height | None:
        log = self._open()._log
        return Height(max(log)) if log else None

    def get_base_height(self) -> Height | None:
        return self._open()._base

    def get_tx_height(self, tx_hash: bytes) -> Height | None:
        return self._open()._tx_index.get(tx_hash)

    def get_state(self, key: bytes) -> bytes | None:
        return self._open()._state.get(key)

    def iter_state(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        items = self._open()._state.items()
        return sorted((k, v) for k, v in items if k.startswith(prefix))

    def write(self, batch: WriteBatch) -> None:
        lookup = {h: self._log[h] for h, _ in batch.commits if h in self._log}
        fresh = get_batch_commits(batch, self._open().get_committed_height(), lookup)
        self._blocks.update(batch.blocks)
        self._certificates.update(batch.certificates)
        self._tx_index.update(batch.tx_index)
        self._process_state(batch.state)
        self._retired.update(batch.retired)
        self._process_commits(fresh)
        if fresh and self.config.keep_last is not None:
            self.prune(self.config.keep_last)

    def prune(self, keep_last: int) -> PruneReport:
        floor = compute_prune_floor(self._open().get_committed_height(), self._base, keep_last)
        if floor is None:
            return PruneReport(self._base or Height(0), 0, 0)
        removed = [self._log[h] for h in range(self._base or 0, floor) if h in self._log]
        for block_id in removed:
            self._blocks.pop(block_id, None)
            self._certificates.pop(block_id, None)
        stale = [tx for tx, height in self._tx_index.items() if height < floor]
        for tx in stale:
            del self._tx_index[tx]
        retired = [key for key, height in self._retired.items() if height <= floor]
        for key in retired:
            self._state.pop(key, None)
            del self._retired[key]
        self._base = floor
        return PruneReport(floor, len(removed), len(stale), len(retired))

    def close(self) -> None:
        self._closed = True

    def _process_state(self, changes: dict[bytes, bytes | None]) -> None:
        for key, value in changes.items():
            if value is None:
                self._state.pop(key, None)
            else:
                self._state[key] = value

    def _process_commits(self, fresh: list[tuple[Height, BlockId]]) -> None:
        for height, block_id in fresh:
            self._log[height] = block_id
            if self._base is None:
                self._base = height

    def _open(self) -> MemoryBlockStore:
        if self._closed:
            raise StorageError("the block store is closed")
        return self
