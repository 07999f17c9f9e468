"""A proposal's transfers from the pending runs, without verifying or executing anything.

Admission verified each pending transfer once and checked it against the committed state, so a
sender's pending transfers are a contiguous nonce run that its committed balance covers. The
parent block may sit above the committed root (its uncommitted ancestors may hold some of a run,
or another proposer's transfers), so selection re-checks each pick with cheap lookups on the
parent's state: the sender's nonce (where its run resumes), its balance, the recipient slot's key
and balance. The highest fee first among the senders' next transfers: O(n + k log n) for n
senders and k picks (one heap build, k pops).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkpov.chain.operations import StakeOp
from zkpov.chain.state import MAX_AMOUNT, Account, AccountState, Transfer

__all__ = ["select_transfers"]


@dataclass
class _Batch:
    """The picks so far and what they changed, over the parent's ``state``."""

    state: AccountState
    chosen: list[Transfer] = field(default_factory=list)
    accounts: dict[int, Account | None] = field(default_factory=dict)

    def get(self, index: int) -> Account | None:
        if index not in self.accounts:
            self.accounts[index] = self.state.get_account(index)
        return self.accounts[index]

    def take(self, t: Transfer | StakeOp) -> bool:
        """Adds ``t`` if it applies after the picks so far (its signature was verified).
        Blocks do not carry staking ops yet: one ends its sender's picks."""
        if isinstance(t, StakeOp):
            return False
        sender = self.get(t.sender)
        if sender is None or sender.nonce + 1 != t.nonce or sender.balance < t.amount + t.fee:
            return False
        debited = Account(sender.public_key, sender.balance - t.amount - t.fee, t.nonce)
        credited = _credit(debited if t.recipient == t.sender else self.get(t.recipient), t)
        if credited is None:
            return False
        self.accounts[t.sender], self.accounts[t.recipient] = debited, credited
        self.chosen.append(t)
        return True


def _credit(recipient: Account | None, t: Transfer) -> Account | None:
    if recipient is None:
        return Account(t.recipient_public_key, t.amount, 0)
    if recipient.public_key != t.recipient_public_key:
        return None
    if recipient.balance + t.amount > MAX_AMOUNT:
        return None
    return Account(recipient.public_key, recipient.balance + t.amount, recipient.nonce)


def _resume_at(run: Sequence[Transfer | StakeOp], account: Account | None) -> int | None:
    """Where ``run`` continues on a state where the sender is ``account``; None if nowhere."""
    if account is None or not run:
        return None
    offset = account.nonce + 1 - run[0].nonce
    return offset if 0 <= offset < len(run) else None


def select_transfers(
    runs: Mapping[int, Sequence[Transfer | StakeOp]], state: AccountState, limit: int
) -> list[Transfer]:
    """Up to ``limit`` transfers that apply in order on ``state``, highest fee first among each
    sender's next one; a sender whose next transfer does not apply contributes no more."""
    batch = _Batch(state)
    heap = [(-run[0].fee, sender, -1) for sender, run in runs.items() if run]
    heapq.heapify(heap)
    while heap and len(batch.chosen) < limit:
        _, sender, at = heapq.heappop(heap)
        run = runs[sender]
        if at < 0:  # first visit: skip what the parent's ancestors already hold
            start = _resume_at(run, batch.get(sender))
            if start is not None:
                heapq.heappush(heap, (-run[start].fee, sender, start))
            continue
        if batch.take(run[at]) and at + 1 < len(run):
            heapq.heappush(heap, (-run[at + 1].fee, sender, at + 1))
    return batch.chosen
