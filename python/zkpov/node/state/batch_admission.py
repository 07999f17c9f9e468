"""Signatures verified ahead, in one batch, for transfers that arrive together (``add_many``).

Admission stays one transfer at a time, in order, with ``Mempool.add``'s rules and answers; this
module only guesses which transfers will reach the signature check and verifies theirs first
(:func:`~zkpov.node.state.admission.check_signatures`). The guess replays the checks that come
before the signature over the batch as if each earlier candidate had been admitted (its nonce,
its debit, its claim on an empty recipient slot), so a sender's run of transfers all qualify
while junk that fails a cheap check costs no signature work. A wrong guess (an earlier
candidate's signature fails, or the pool is full) costs only speed: the mempool checks a
transfer with no verdict here on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from zkpov.chain.state import Account, AccountState, Transfer
from zkpov.errors import DecodeError
from zkpov.node.state.admission import PendingRun, Rejection, check_signatures, get_sender

__all__ = ["PoolView", "verify_ahead"]


class PoolView(Protocol):
    """What the guess reads of the mempool."""

    def is_pending(self, tx_hash: bytes) -> bool: ...

    def get_pending_run(self, sender: int) -> PendingRun: ...

    def get_holder(self, state: AccountState, index: int) -> bytes | None: ...

    def check_state(
        self, t: Transfer, state: AccountState, sender: Account | None, run: PendingRun,
        holder: bytes | None,
    ) -> Rejection | None: ...  # fmt: skip


def verify_ahead(
    pool: PoolView, state: AccountState, hashed: Sequence[tuple[bytes, bytes]]
) -> dict[bytes, Rejection | None]:
    """The signature verdicts (as ``check_signature`` gives them) of the ``(hash, transfer)``
    pairs likely to need one, by hash."""
    guess = _Guess(pool, state)
    candidates = [c for tx_hash, tx in hashed if (c := guess.take(tx_hash, tx)) is not None]
    verdicts = check_signatures(
        [(t, tx, sender) for _, t, tx, sender in candidates], state.chain_tag
    )
    return {c[0]: v for c, v in zip(candidates, verdicts, strict=True)}


class _Guess:
    """The pool as it would be with every candidate so far admitted: their hashes, runs and
    claims on empty slots, kept beside the pool (which is not touched)."""

    def __init__(self, pool: PoolView, state: AccountState) -> None:
        self.pool, self.state = pool, state
        self.hashes: set[bytes] = set()
        self.runs: dict[int, PendingRun] = {}
        self.claims: dict[int, bytes] = {}

    def take(self, tx_hash: bytes, tx: bytes) -> tuple[bytes, Transfer, bytes, Account] | None:
        """``tx`` as a candidate if it passes the checks before the signature; else None."""
        if tx_hash in self.hashes or self.pool.is_pending(tx_hash):
            return None
        try:
            t = Transfer.from_bytes_unchecked(tx)
        except DecodeError:
            return None
        sender = get_sender(self.state, t.sender)
        run = self.runs.get(t.sender) or self.pool.get_pending_run(t.sender)
        holder = self.claims.get(t.recipient) or self.pool.get_holder(self.state, t.recipient)
        if sender is None or self.pool.check_state(t, self.state, sender, run, holder):
            return None
        self._record(tx_hash, t, run)
        return tx_hash, t, tx, sender

    def _record(self, tx_hash: bytes, t: Transfer, run: PendingRun) -> None:
        self.hashes.add(tx_hash)
        self.runs[t.sender] = PendingRun(run.count + 1, run.debits + t.amount + t.fee)
        if self.state.get_account(t.recipient) is None:
            self.claims.setdefault(t.recipient, t.recipient_public_key)
