"""The mempool: verified pending transfers and staking ops, one contiguous nonce run per sender.

``add`` admits a transfer only if it would apply after its sender's pending ones on the committed
state (:mod:`~zkpov.node.state.admission`: cheap checks first, the signature last and once), so
junk never takes a slot; ``add_many`` gives the same answers for transfers that arrive together,
their signatures verified in one batch (:mod:`~zkpov.node.state.batch_admission`). At most
``max_per_sender`` are pending per sender. When the pool is full, a valid transfer paying more
than the cheapest sender's last pending transfer evicts that one (CometBFT's priority mempool
does the like); the newcomer's own sender is never the victim.
``select`` builds a proposal's batch (:mod:`~zkpov.node.state.selection`) with no signature
checks and no state copies. ``on_commit`` drops the committed transfers and re-checks the runs
of the senders and recipients the commit touched; what it drops, and every refusal, is kept in
a bounded memory (:mod:`~zkpov.node.state.recent_drops`) that ``/tx`` reads. Fees are burned
(``zkpov.chain.state``), so priority buys inclusion, not a proposer's favour. A staking op
(:mod:`~zkpov.node.state.stake_admission`) joins its sender's run like a transfer and is also
checked against the committed staking ledger, at admission and after every commit; a payout is
never a transaction (the staking rules make them), so it is refused as malformed.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from zkpov.chain.containers import ChainState
from zkpov.chain.operations import (
    MAX_OPERATION_BYTES,
    Operation,
    Payout,
    StakeOp,
    get_touched_accounts,
    parse_operation,
)
from zkpov.chain.state import Account, AccountState, Transfer
from zkpov.errors import DecodeError
from zkpov.node.state.admission import (
    PendingRun,
    Rejection,
    check_cheap,
    check_recipient,
    check_signature,
    get_sender,
)
from zkpov.node.state.batch_admission import verify_ahead
from zkpov.node.state.pending_book import PendingBook, PendingOp
from zkpov.node.state.selection import select_transfers
from zkpov.node.state.stake_admission import StakeRules

__all__ = ["AddResult", "Mempool", "PendingOp", "compute_tx_hash"]


DEFAULT_MAX_PER_SENDER = 16


def compute_tx_hash(tx: bytes) -> bytes:
    return hashlib.sha256(tx).digest()


@dataclass(frozen=True)
class AddResult:
    tx_hash: bytes
    accepted: bool
    reason: str = ""  # a code of admission.REJECT_REASONS when refused
    message: str = ""


def _refuse(tx_hash: bytes, rejection: Rejection) -> AddResult:
    return AddResult(tx_hash, False, rejection.reason, rejection.message)


class Mempool(PendingBook):
    """``get_state`` gives the committed accounts; ``is_committed`` says whether a transfer hash
    is in the committed chain; ``on_rejected`` hears each refusal's reason (the metrics);
    ``stakes`` gives the committed staking ledger (without it, staking ops are refused)."""

    def __init__(
        self,
        get_state: Callable[[], AccountState],
        max_txs: int = 5000,
        max_bytes: int = 16 * 1024 * 1024,
        min_fee: int = 0,
        max_per_sender: int = DEFAULT_MAX_PER_SENDER,
        is_committed: Callable[[bytes], bool] = lambda tx_hash: False,
        on_rejected: Callable[[str], None] = lambda reason: None,
        stakes: StakeRules | None = None,
    ) -> None:
        self.get_state, self.is_committed, self.on_rejected = get_state, is_committed, on_rejected
        self.max_txs = min(max_txs, max_bytes // MAX_OPERATION_BYTES)
        self.min_fee, self.max_per_sender, self.stakes = min_fee, max_per_sender, stakes
        super().__init__()
        self._cheapest: list[tuple[int, int, int, bytes]] | None = None  # see _find_victim

    # -- admission ----------------------------------------------------------------------------

    def add(self, tx: bytes) -> AddResult:
        """Admits an encoded transfer or says why not; never raises for bad input."""
        return self._add(tx, compute_tx_hash(tx), {})

    def add_many(self, txs: Sequence[bytes]) -> list[AddResult]:
        """``add`` for each of ``txs``, in order, with the same answers; the signatures of those
        likely to need one are verified first, in one batch (``batch_admission``)."""
        hashed = [(compute_tx_hash(tx), tx) for tx in txs]
        if len(hashed) < 2:  # nothing to batch
            return [self._add(tx, tx_hash, {}) for tx_hash, tx in hashed]
        verdicts = verify_ahead(self, self.get_state(), hashed)
        return [self._add(tx, tx_hash, verdicts) for tx_hash, tx in hashed]

    def _add(self, tx: bytes, tx_hash: bytes, verdicts: dict[bytes, Rejection | None]) -> AddResult:
        rejection = self._admit(tx, tx_hash, verdicts)
        if rejection is not None:
            self.dropped.record(tx_hash, rejection)
            self.on_rejected(rejection.reason)
            return _refuse(tx_hash, rejection)
        self.dropped.forget(tx_hash)
        return AddResult(tx_hash, True)

    def _admit(
        self, tx: bytes, tx_hash: bytes, verdicts: dict[bytes, Rejection | None]
    ) -> Rejection | None:
        """Checks ``tx`` cheapest first and inserts it if it passes; the signature's verdict
        comes from ``verdicts`` when it holds one."""
        if tx_hash in self._txs:
            return Rejection("duplicate", "already in the mempool")
        try:
            t = parse_operation(tx)
        except DecodeError as err:
            return Rejection("malformed", str(err))
        if isinstance(t, Payout):
            return Rejection(
                "malformed", "a payout is not a transaction: the staking rules make it"
            )
        state = self.get_state()
        sender = get_sender(state, t.sender)
        rejection = self._check_before_signature(t, state, sender)
        if rejection is not None or sender is None:
            return self._explain(tx_hash, rejection)
        if (rejection := self._check_room(t)) is not None:
            return rejection
        rejection = (
            verdicts[tx_hash]
            if tx_hash in verdicts
            else self._check_signature(t, tx, sender, state.chain_tag)
        )
        if rejection is None:
            self._make_room(t.sender)
            self._insert(tx_hash, t, state, len(tx))
        return rejection

    def _check_before_signature(
        self, t: PendingOp, state: AccountState, sender: Account | None
    ) -> Rejection | None:
        run = self.get_pending_run(t.sender)
        if isinstance(t, Transfer):
            return self.check_state(t, state, sender, run, self.get_holder(state, t.recipient))
        if self.stakes is None:
            return Rejection("stake_rules", "this mempool takes no staking operations")
        if t.sender >> state.depth:
            return Rejection("malformed", f"the sender is outside the tree of {state.depth}")
        cheap = check_cheap(t, sender, run, self.min_fee, self.max_per_sender)
        if cheap is not None or sender is None:
            return cheap
        has_one = any(isinstance(op, StakeOp) for op in self._run_txs.get(t.sender, ()))
        pool = self.stakes.check_pool(has_one, self._stake_ops)
        return pool or self.stakes.check_ledger(t, sender)

    def _check_signature(
        self, t: PendingOp, tx: bytes, sender: Account, chain_tag: int
    ) -> Rejection | None:
        if isinstance(t, Transfer):
            return check_signature(t, tx, sender, chain_tag)
        assert self.stakes is not None  # _check_before_signature refused it otherwise
        return self.stakes.check_signatures(t, tx, sender, chain_tag)

    def _explain(self, tx_hash: bytes, rejection: Rejection | None) -> Rejection | None:
        """A used nonce: a replay of this very transfer, or another one took the nonce."""
        used = rejection is not None and rejection.reason == "nonce_too_low"
        if used and self.is_committed(tx_hash):
            return Rejection("already_committed", "this transfer is already committed")
        return rejection

    def check_state(
        self, t: Transfer, state: AccountState, sender: Account | None, run: PendingRun,
        holder: bytes | None,
    ) -> Rejection | None:  # fmt: skip
        """The checks before the pool's room and the signature, given the sender's pending
        ``run`` and the key the recipient slot ``holder``s."""
        if max(t.sender, t.recipient) >> state.depth:
            return Rejection("malformed", f"an account index is outside the tree of {state.depth}")
        cheap = check_cheap(t, sender, run, self.min_fee, self.max_per_sender)
        return cheap or check_recipient(t, holder)

    def on_change(self) -> None:
        self._cheapest = None

    def _check_room(self, t: PendingOp) -> Rejection | None:
        if len(self._txs) < self.max_txs:
            return None
        victim = self._find_victim(t.sender)
        if victim is None or self._txs[victim].fee >= t.fee:
            return Rejection("mempool_full", "the mempool is full of transfers paying as much")
        return None

    def _find_victim(self, newcomer: int) -> bytes | None:
        """The cheapest last pending transfer of any other sender (the longest run on ties).
        The two cheapest tails are kept until the pool changes: refusals do not rescan it."""
        if self._cheapest is None:
            tails = [(self._txs[run[-1]].fee, -len(run), sender, run[-1])
                     for sender, run in self._runs.items()]  # fmt: skip
            self._cheapest = heapq.nsmallest(2, tails)
        return next((tail[3] for tail in self._cheapest if tail[2] != newcomer), None)

    def _make_room(self, newcomer: int) -> None:
        if len(self._txs) >= self.max_txs:
            victim = self._find_victim(newcomer)
            if victim is not None:
                self._drop(victim, Rejection("evicted", "a transfer paying more took its slot"))

    # -- proposals and commits ----------------------------------------------------------------

    def select(
        self, state: AccountState, limit: int, ledger: ChainState | None = None
    ) -> list[Operation]:
        """Up to ``limit`` pending operations (and the payouts they owe) that apply in order on
        ``state`` and ``ledger`` (a proposal's parent), highest fee first among each sender's
        next one; staking ops only with a ledger."""
        config = None if self.stakes is None else self.stakes.config
        return select_transfers(self._run_txs, state, limit, ledger, config)

    def on_commit(self, txs: Iterable[bytes]) -> int:
        """After a commit: drops the committed transfers, then re-checks the pending runs of
        the senders and recipients they touched against the new committed state, and every
        pending staking op against the new ledger. Returns how many pending operations it
        dropped as no longer valid."""
        touched: set[int] = set()
        for tx in txs:
            touched.update(get_touched_accounts(parse_operation(tx)))
            tx_hash = compute_tx_hash(tx)
            if tx_hash in self._txs:
                self._remove(tx_hash)
        before, state = len(self._txs), self.get_state()
        for index in touched:
            self._recheck_sender(state, index)
        for index in touched & set(self._claims):
            self._recheck_claim(state, index)
        self._recheck_stake_ops(state)
        return before - len(self._txs)

    def _recheck_stake_ops(self, state: AccountState) -> None:
        if self.stakes is None or not self._stake_ops:
            return
        pending = [(h, t) for h, t in self._txs.items() if isinstance(t, StakeOp)]
        for tx_hash, t in pending:
            sender = state.get_account(t.sender)
            if tx_hash in self._txs and sender is not None:
                rejection = self.stakes.check_ledger(t, sender)
                if rejection is not None:
                    self._drop(tx_hash, rejection)

    def _recheck_sender(self, state: AccountState, sender: int) -> None:
        account, run = state.get_account(sender), self._runs.get(sender)
        if not run or account is None:
            return
        used = Rejection("nonce_too_low", "a committed transfer used its nonce")
        while run and self._txs[run[0]].nonce <= account.nonce:
            self.dropped.record(run[0], used)
            self._remove(run[0])
            run = self._runs.get(sender)
        if run:
            self._recheck_balance(account, run)

    def _recheck_balance(self, account: Account, run: list[bytes]) -> None:
        if self._txs[run[0]].nonce != account.nonce + 1:
            self._drop(run[0], Rejection("nonce_gap", "the committed nonce left a gap"))
            return
        spent = 0
        for tx_hash in list(run):
            t = self._txs[tx_hash]
            spent += t.amount + t.fee
            if spent > account.balance:
                message = f"the committed balance {account.balance} no longer covers it"
                self._drop(tx_hash, Rejection("insufficient_balance", message))
                return

    def _recheck_claim(self, state: AccountState, index: int) -> None:
        account = state.get_account(index)
        if account is None:
            return
        key = self._claims.pop(index)[0]
        if key == account.public_key:
            return
        wrong = [
            h for h, t in self._txs.items() if isinstance(t, Transfer) and t.recipient == index
        ]
        mismatch = Rejection("recipient_key_mismatch", f"account {index} now holds another key")
        for tx_hash in wrong:
            if tx_hash in self._txs:
                self._drop(tx_hash, mismatch)
