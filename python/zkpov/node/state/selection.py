"""A proposal's transfers from the pending runs, without verifying or executing anything.

Admission verified each pending transfer once and checked it against the committed state, so a
sender's pending transfers are a contiguous nonce run that its committed balance covers. The
parent block may sit above the committed root (its uncommitted ancestors may hold some of a run,
or another proposer's transfers), so selection re-checks each pick with cheap lookups on the
parent's state: the sender's nonce (where its run resumes), its balance, the recipient slot's key
and balance. The highest fee first among the senders' next transfers: O(n + k log n) for n
senders and k picks (one heap build, k pops).

A staking op is picked only when the parent's staking ledger is given: its ledger side runs on a
copy of the batch's ledger (the parent's, then each earlier staking pick's), and a withdraw
brings the payout it owes right after it, a slot of its own. The proof of possession is not
checked again here (admission did; every voter does).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkpov.chain.containers import ChainState, copy_chain_state
from zkpov.chain.operations import Operation, Payout, StakeOp
from zkpov.chain.stake_ops import process_stake_ledger
from zkpov.chain.state import MAX_AMOUNT, Account, AccountState, Transfer
from zkpov.config import ConsensusConfig
from zkpov.errors import ValidatorError

__all__ = ["select_transfers"]


@dataclass
class _Batch:
    """The picks so far and what they changed, over the parent's ``state`` and ``ledger``."""

    state: AccountState
    limit: int
    ledger: ChainState | None = None
    config: ConsensusConfig | None = None
    chosen: list[Operation] = field(default_factory=list)
    accounts: dict[int, Account | None] = field(default_factory=dict)

    def get(self, index: int) -> Account | None:
        if index not in self.accounts:
            self.accounts[index] = self.state.get_account(index)
        return self.accounts[index]

    def take(self, t: Transfer | StakeOp) -> bool:
        """Adds ``t`` if it applies after the picks so far (its signature was verified)."""
        if isinstance(t, StakeOp):
            return self._take_stake(t)
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

    def _take_stake(self, op: StakeOp) -> bool:
        sender = self.get(op.sender)
        if self.ledger is None or self.config is None or not _can_debit(sender, op):
            return False
        assert sender is not None  # _can_debit
        staged = copy_chain_state(self.ledger)
        try:
            owed = process_stake_ledger(staged, self.config, op, sender.public_key, _checked)
        except ValidatorError:
            return False
        balance = sender.balance - op.amount - op.fee + owed
        if (owed and len(self.chosen) + 2 > self.limit) or balance > MAX_AMOUNT:
            return False
        self.ledger = staged
        self.accounts[op.sender] = Account(sender.public_key, balance, op.nonce)
        self.chosen.append(op)
        if owed:
            self.chosen.append(Payout(op.sender, sender.public_key, owed))
        return True


def _can_debit(sender: Account | None, op: StakeOp) -> bool:
    return (
        sender is not None and sender.nonce + 1 == op.nonce and sender.balance >= op.amount + op.fee
    )


def _checked(public_key: bytes, proof: bytes) -> bool:
    """Admission verified every pending create_validator's proof of possession."""
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
    runs: Mapping[int, Sequence[Transfer | StakeOp]],
    state: AccountState,
    limit: int,
    ledger: ChainState | None = None,
    config: ConsensusConfig | None = None,
) -> list[Operation]:
    """Up to ``limit`` operations that apply in order on ``state`` (and ``ledger``, without
    which no staking op is picked), highest fee first among each sender's next one; a sender
    whose next operation does not apply contributes no more."""
    batch = _Batch(state, limit, ledger, config)
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
