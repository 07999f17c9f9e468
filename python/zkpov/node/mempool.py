"""The mempool: pending transfers with size caps, deduplication and per-sender nonce order.

``add`` decodes and caps; it does not execute (a transfer's validity depends on the state it
lands on). ``select`` builds a proposal's batch: transfers in (sender, nonce) order, each kept
only if it applies on top of the ones before it, up to ``limit`` (the prover's capacity).
Transfers carry no fee in this version, so there is no fee ordering or fee floor yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from zkpov.chain.state import TRANSFER_BYTES, AccountState, InvalidTransfer, Transfer
from zkpov.errors import DecodeError

__all__ = ["AddResult", "Mempool", "compute_tx_hash"]


def compute_tx_hash(tx: bytes) -> bytes:
    return hashlib.sha256(tx).digest()


@dataclass(frozen=True)
class AddResult:
    tx_hash: bytes
    accepted: bool
    reason: str = ""


class Mempool:
    def __init__(self, max_txs: int = 5000, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_txs, self.max_bytes = max_txs, max_bytes
        self._txs: dict[bytes, Transfer] = {}

    def __len__(self) -> int:
        return len(self._txs)

    @property
    def size_bytes(self) -> int:
        return len(self._txs) * TRANSFER_BYTES

    def add(self, tx: bytes) -> AddResult:
        """Queues an encoded transfer; ``DecodeError`` if it does not decode."""
        transfer = Transfer.from_bytes(tx)
        tx_hash = compute_tx_hash(tx)
        if tx_hash in self._txs:
            return AddResult(tx_hash, False, "already in the mempool")
        if len(self._txs) >= self.max_txs or self.size_bytes + len(tx) > self.max_bytes:
            return AddResult(tx_hash, False, "mempool is full")
        self._txs[tx_hash] = transfer
        return AddResult(tx_hash, True)

    def select(self, state: AccountState, limit: int) -> list[Transfer]:
        """Up to ``limit`` transfers that apply in order on a copy of ``state``."""
        scratch, chosen = state.copy(), list[Transfer]()
        for transfer in sorted(self._txs.values(), key=lambda t: (t.sender, t.nonce)):
            if len(chosen) >= limit:
                break
            try:
                scratch.apply_transfers([transfer])
            except (InvalidTransfer, DecodeError):
                continue
            chosen.append(transfer)
        return chosen

    def remove(self, txs: Iterable[bytes]) -> None:
        """Drops committed (or otherwise settled) transfers by their encoded bytes."""
        for tx in txs:
            self._txs.pop(compute_tx_hash(tx), None)

    def remove_stale(self, state: AccountState) -> int:
        """Drops transfers whose nonce the committed state has passed; returns how many."""
        stale = [h for h, t in self._txs.items() if _is_stale(state, t)]
        for tx_hash in stale:
            del self._txs[tx_hash]
        return len(stale)


def _is_stale(state: AccountState, transfer: Transfer) -> bool:
    account = state.get_account(transfer.sender)
    return account is not None and account.nonce >= transfer.nonce
