"""The committed epoch endings a node keeps, so that it can serve epoch-change proofs.

Each ending (epoch e's reconfiguration block R, its suffix, the commit QC and epoch e+1's set)
is written under ``epochs/ending/<e as 8 big-endian bytes>`` in the same LMDB batch as the
commit of R (:meth:`EpochEndingStore.get_entry`, staged in the committed chain), encoded by
:mod:`zkpov.spec.codec.epochs`. :meth:`EpochEndingStore.get_epoch_change_proof` is
what a peer behind by epochs is served, and what a light client following the epochs reads.
"""

from __future__ import annotations

from zkpov.chain.containers import ChainState
from zkpov.errors import DecodeError
from zkpov.spec.codec.epochs import decode_epoch_ending, encode_epoch_ending
from zkpov.spec.epochs import MAX_EPOCH_CHANGE_PROOF_LENGTH, EpochChangeProof, EpochEnding
from zkpov.storage.block_store import BlockStore, StorageError, WriteBatch

__all__ = ["ENDING_PREFIX", "EpochEndingStore", "get_registry_index"]

ENDING_PREFIX = b"epochs/ending/"


def _key(epoch: int) -> bytes:
    return ENDING_PREFIX + epoch.to_bytes(8, "big")


class EpochEndingStore:
    """Committed endings in the node's block store, oldest epoch first."""

    def __init__(self, store: BlockStore) -> None:
        self.store = store

    @staticmethod
    def get_entry(ending: EpochEnding) -> tuple[bytes, bytes]:
        """The key and value that store ``ending`` (to write beside the commit of its R)."""
        return _key(ending.block.epoch), encode_epoch_ending(ending)

    def put(self, ending: EpochEnding) -> None:
        """Writes (fsynced) how epoch ``ending.block.epoch`` ended; rewriting one is a no-op."""
        key = _key(ending.block.epoch)
        if self.store.get_state(key) is None:
            self.store.write(WriteBatch().put_state(key, encode_epoch_ending(ending)))

    def load(self) -> list[EpochEnding]:
        """Every stored ending; ``StorageError`` if one does not decode (a damaged store)."""
        return [self._decode(raw) for _, raw in self.store.iter_state(ENDING_PREFIX)]

    def get(self, epoch: int) -> EpochEnding | None:
        if not 0 <= epoch < 2**64:
            return None
        raw = self.store.get_state(_key(epoch))
        return None if raw is None else self._decode(raw)

    def get_epoch_change_proof(self, from_epoch: int) -> EpochChangeProof | None:
        """The committed endings of ``from_epoch``, ``from_epoch + 1``, ... (at most 64, in
        order, stopping at the first this node does not hold), or None if it holds none."""
        endings: list[EpochEnding] = []
        for epoch in range(from_epoch, from_epoch + MAX_EPOCH_CHANGE_PROOF_LENGTH):
            ending = self.get(epoch)
            if ending is None:
                break
            endings.append(ending)
        return EpochChangeProof(tuple(endings)) if endings else None

    def get_members(self, epoch: int, ledger: ChainState) -> tuple[int, ...] | None:
        """Registry indices of ``epoch``'s set, in consensus order (None: epoch 0, whose
        consensus indices are the registry's, or an epoch this store cannot name)."""
        if epoch == ledger.epoch and epoch:
            return tuple(ledger.active)
        ending = self.get(epoch - 1) if epoch else None
        return None if ending is None else ending.next_set.members

    @staticmethod
    def _decode(raw: bytes) -> EpochEnding:
        try:
            return decode_epoch_ending(raw)
        except DecodeError as err:
            raise StorageError(f"a stored epoch ending does not decode: {err}") from err


def get_registry_index(
    endings: EpochEndingStore, ledger: ChainState, epoch: int, index: int
) -> int:
    """The registry index of consensus ``index`` in ``epoch`` (itself where none is known)."""
    members = endings.get_members(epoch, ledger)
    return members[index] if members is not None and index < len(members) else index
