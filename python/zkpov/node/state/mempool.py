"""The mempool: pending transfers with size caps, a fee floor, fee priority and nonce order.

``add`` decodes, caps and applies the fee floor; it does not execute (a transfer's validity
depends on the state it lands on). When the pool is full, a transfer paying more than the
cheapest one queued evicts it (as CometBFT's priority mempool does); otherwise it is refused.
``select`` builds a proposal's batch: the highest fee first among each sender's next nonce, each
transfer kept only if it applies on top of the ones before it, up to ``limit`` (the prover's
capacity). Fees are burned (``zkpov.chain.state``), so priority buys inclusion, not a proposer's
favour.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
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
    def __init__(
        self, max_txs: int = 5000, max_bytes: int = 16 * 1024 * 1024, min_fee: int = 0
    ) -> None:
        self.max_txs, self.max_bytes, self.min_fee = max_txs, max_bytes, min_fee
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
        if transfer.fee < self.min_fee:
            return AddResult(
                tx_hash, False, f"fee {transfer.fee} is below the minimum {self.min_fee}"
            )
        if self._is_full(len(tx)) and not self._evict_cheaper_than(transfer.fee):
            return AddResult(tx_hash, False, "mempool is full of transfers paying at least as much")
        self._txs[tx_hash] = transfer
        return AddResult(tx_hash, True)

    def _is_full(self, extra_bytes: int) -> bool:
        return len(self._txs) >= self.max_txs or self.size_bytes + extra_bytes > self.max_bytes

    def _evict_cheaper_than(self, fee: int) -> bool:
        """Drops the cheapest queued transfer (its sender's highest nonce on ties) if it pays
        less than ``fee``."""
        if not self._txs:
            return False
        victim = min(self._txs, key=lambda h: (self._txs[h].fee, -self._txs[h].nonce))
        if self._txs[victim].fee >= fee:
            return False
        del self._txs[victim]
        return True

    def select(self, state: AccountState, limit: int) -> list[Transfer]:
        """Up to ``limit`` transfers, highest fee first among each sender's next nonce, that
        apply in order on a copy of ``state``."""
        queues = _queues_by_sender(self._txs.values())
        heap = [(-queue[-1].fee, sender) for sender, queue in queues.items()]
        heapq.heapify(heap)
        scratch, chosen = state.copy(), list[Transfer]()
        while heap and len(chosen) < limit:
            _, sender = heapq.heappop(heap)
            transfer = queues[sender].pop()
            if _applies(scratch, transfer):  # else a replaced nonce, a gap or a bad transfer
                chosen.append(transfer)
            if queues[sender]:
                heapq.heappush(heap, (-queues[sender][-1].fee, sender))
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


def _queues_by_sender(transfers: Iterable[Transfer]) -> dict[int, list[Transfer]]:
    """Each sender's transfers, highest nonce first (so ``pop()`` yields the next nonce); of two
    transfers with one nonce, the higher fee comes first."""
    queues: dict[int, list[Transfer]] = defaultdict(list)
    for transfer in transfers:
        queues[transfer.sender].append(transfer)
    for queue in queues.values():
        queue.sort(key=lambda t: (t.nonce, -t.fee), reverse=True)
    return queues


def _applies(scratch: AccountState, transfer: Transfer) -> bool:
    try:
        scratch.apply_transfers([transfer])
    except (InvalidTransfer, DecodeError):
        return False
    return True


def _is_stale(state: AccountState, transfer: Transfer) -> bool:
    account = state.get_account(transfer.sender)
    return account is not None and account.nonce >= transfer.nonce
