"""Verified validity proofs and the proven-final height, kept in the block store across restarts.

Without this, a restarted node forgot every proof it held in memory and its proven-final height
stalled (one stayed at 186 while its peers passed 437). The block store's state namespace holds:

- ``proofs/height/<height, 8 bytes big-endian>``: a flag byte (1: the proof settles its block,
  see :class:`~zkpov.node.proving.prover.ProofTracker`) and the 192-byte proof. Each is retired
  at ``height + 1``, so pruning drops it together with its block's body;
- ``proofs/final``: the proven-final height (8 bytes big-endian).

Proofs are written only after they were verified (or checked by consensus, when carried);
reading back checks every entry's shape and raises ``CorruptStoreError`` for a bad one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkpov.crypto.snark import PROOF_BYTES
from zkpov.storage.block_store import BlockStore, WriteBatch
from zkpov.storage.lmdb_store import CorruptStoreError

__all__ = ["ProofStore", "StoredProofs"]

PROOF_PREFIX = b"proofs/height/"
FINAL_KEY = b"proofs/final"


@dataclass
class StoredProofs:
    proven_final: int = 0
    proofs: dict[int, bytes] = field(default_factory=dict)
    settled: set[int] = field(default_factory=set)


class ProofStore:
    """Proofs and the proven-final height in ``store`` (one fsynced write each)."""

    def __init__(self, store: BlockStore) -> None:
        self.store = store

    def save_proof(self, height: int, proof: bytes, settled: bool) -> None:
        key = PROOF_PREFIX + height.to_bytes(8, "big")
        value = bytes([settled]) + proof
        self.store.write(WriteBatch().put_state(key, value).retire_state(key, height + 1))

    def save_proven_final(self, height: int) -> None:
        self.store.write(WriteBatch().put_state(FINAL_KEY, height.to_bytes(8, "big")))

    def load(self) -> StoredProofs:
        """What was saved (and not yet pruned); ``CorruptStoreError`` for a malformed entry."""
        stored = StoredProofs(_decode_height(self.store.get_state(FINAL_KEY) or bytes(8)))
        for key, value in self.store.iter_state(PROOF_PREFIX):
            height = _decode_height(key[len(PROOF_PREFIX) :])
            if len(value) != 1 + PROOF_BYTES or value[0] > 1:
                raise CorruptStoreError(f"the stored proof of height {height} is malformed")
            stored.proofs[height] = value[1:]
            if value[0]:
                stored.settled.add(height)
        return stored


def _decode_height(data: bytes) -> int:
    if len(data) != 8:
        raise CorruptStoreError(f"a stored proof height has {len(data)} bytes, expected 8")
    return int.from_bytes(data, "big")
