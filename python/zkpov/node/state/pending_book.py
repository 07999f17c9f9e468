"""The mempool's books: the pending operations as one contiguous nonce run per sender, with
what each sender's run debits, which empty account slots pending transfers claim (and for which
key), their encoded size and how many are staking ops. The policy (admission, eviction,
selection, the re-check after a commit) is :class:`~zkpov.node.state.mempool.Mempool`'s.
"""

from __future__ import annotations

from zkpov.chain.operations import StakeOp
from zkpov.chain.state import AccountState, Transfer
from zkpov.node.state.admission import PendingRun, Rejection
from zkpov.node.state.recent_drops import RecentDrops

__all__ = ["PendingBook", "PendingOp"]

PendingOp = Transfer | StakeOp


class PendingBook:
    """``dropped`` remembers what left without being committed, and why (``/tx``)."""

    def __init__(self) -> None:
        self._txs: dict[bytes, PendingOp] = {}
        self._size = 0  # the pending operations' encoded bytes
        self._stake_ops = 0  # how many of them are staking ops
        self._runs: dict[int, list[bytes]] = {}  # sender -> hashes, nonce order
        self._run_txs: dict[int, list[PendingOp]] = {}  # the same runs' operations (selection)
        self._debits: dict[int, int] = {}  # sender -> sum of pending amount + fee
        self._claims: dict[int, tuple[bytes, int]] = {}  # empty slot -> (key, pending count)
        self.dropped = RecentDrops()

    def on_change(self) -> None:
        """Called whenever an operation enters or leaves (caches built on the books)."""

    def __len__(self) -> int:
        return len(self._txs)

    @property
    def size_bytes(self) -> int:
        return self._size

    def is_pending(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    def get_pending(self, tx_hash: bytes) -> PendingOp | None:
        return self._txs.get(tx_hash)

    def get_pending_count(self, sender: int) -> int:
        return len(self._runs.get(sender, ()))

    def get_pending_run(self, sender: int) -> PendingRun:
        return PendingRun(len(self._runs.get(sender, ())), self._debits.get(sender, 0))

    def get_holder(self, state: AccountState, index: int) -> bytes | None:
        account = state.get_account(index)
        if account is not None:
            return account.public_key
        claim = self._claims.get(index)
        return None if claim is None else claim[0]

    def _insert(self, tx_hash: bytes, t: PendingOp, state: AccountState, size: int) -> None:
        self.on_change()
        self._txs[tx_hash] = t
        self._size += size
        self._runs.setdefault(t.sender, []).append(tx_hash)
        self._run_txs.setdefault(t.sender, []).append(t)
        self._debits[t.sender] = self._debits.get(t.sender, 0) + t.amount + t.fee
        if isinstance(t, StakeOp):
            self._stake_ops += 1
        elif state.get_account(t.recipient) is None:
            key, count = self._claims.get(t.recipient, (t.recipient_public_key, 0))
            self._claims[t.recipient] = (key, count + 1)

    def _remove(self, tx_hash: bytes) -> PendingOp:
        """Takes an operation out of the pool's books (the caller keeps the run contiguous)."""
        self.on_change()
        t = self._txs.pop(tx_hash)
        self._size -= len(t.to_bytes())
        run = self._runs[t.sender]
        del self._run_txs[t.sender][run.index(tx_hash)]
        run.remove(tx_hash)
        self._debits[t.sender] -= t.amount + t.fee
        if not run:
            del self._runs[t.sender], self._run_txs[t.sender], self._debits[t.sender]
        if isinstance(t, StakeOp):
            self._stake_ops -= 1
        else:
            self._release_claim(t)
        return t

    def _release_claim(self, t: Transfer) -> None:
        claim = self._claims.get(t.recipient)
        if claim is None or claim[0] != t.recipient_public_key:
            return
        if claim[1] > 1:
            self._claims[t.recipient] = (claim[0], claim[1] - 1)
        else:
            del self._claims[t.recipient]

    def _drop(self, tx_hash: bytes, rejection: Rejection) -> None:
        """Drops ``tx_hash`` and, so the run stays contiguous, its sender's later ones."""
        run = self._runs[self._txs[tx_hash].sender]
        later = run[run.index(tx_hash) + 1 :]
        self._remove(tx_hash)
        self.dropped.record(tx_hash, rejection)
        gap = Rejection("nonce_gap", "an earlier pending transfer of its sender was dropped")
        for other in later:
            self._remove(other)
            self.dropped.record(other, gap)
