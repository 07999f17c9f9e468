"""A block payload's operations on both sides: the account tree (proven) and the staking ledger
(re-executed), and the payouts the ledger owes.

The payload is a list of operations of any kind (:mod:`zkpov.chain.operations`), applied in
order. Transfers touch only the accounts. A staking op runs its ledger rules first
(:func:`~zkpov.chain.stake_ops.process_stake_ledger`), then its account side (nonce, signature,
debit of bond plus fee). A withdraw owes its owner what it took out of the
ledger: the very next operation must be exactly that :class:`~zkpov.chain.operations.Payout`
(recipient, key, amount), which credits the account; a payout anywhere else, or another one, is
an :class:`~zkpov.errors.InvalidPayoutError`. So every validator recomputes the payout list
from its own ledger, and the proof's public commitment (which folds every operation's digest)
covers the payouts it agreed to.

The ledger tracks what crossed between the two sides (``ChainState.deposited``: bonds in,
``withdrawn``: payouts out), so its supply check stays exact.

Callers work on copies: an error leaves the ledger and accounts part-way (the node's validity
checker and committed chain discard them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkpov.chain.containers import ChainState, Owner
from zkpov.chain.operations import Operation, Payout, StakeOp
from zkpov.chain.stake_ops import PopVerify, process_stake_ledger
from zkpov.chain.state import AccountState, InvalidTransfer, Transfer
from zkpov.config import ConsensusConfig
from zkpov.errors import InvalidPayoutError

__all__ = ["GetOwner", "get_account_owner", "process_payload_operations"]

GetOwner = Callable[[int], Owner]  # an account index -> its key (the ledger owner)


def process_payload_operations(
    ledger: ChainState,
    config: ConsensusConfig,
    ops: Sequence[Operation],
    get_owner: GetOwner,
    pop_verify: PopVerify,
    accounts: AccountState | None = None,
) -> None:
    """Applies ``ops`` in order to ``ledger`` and, if given, ``accounts`` (without them: the
    ledger side only, for replaying committed blocks). ``InvalidTransfer`` (account rules),
    ``ValidatorError`` (ledger rules) or ``InvalidPayoutError`` (payouts)."""
    owed: Payout | None = None
    transfers: list[Transfer] = []
    for op in ops:
        if isinstance(op, Transfer):
            transfers.append(op)
            continue
        _flush(accounts, transfers)
        owed = _process_one(ledger, config, op, owed, get_owner, pop_verify)
        if accounts is not None:
            accounts.apply_operations([op])
    _flush(accounts, transfers)
    if owed is not None:
        raise InvalidPayoutError(f"the withdraw of account {owed.recipient} lacks its payout")


def _flush(accounts: AccountState | None, transfers: list[Transfer]) -> None:
    if accounts is not None and transfers:
        accounts.apply_transfers(transfers)
    transfers.clear()


def _process_one(
    ledger: ChainState,
    config: ConsensusConfig,
    op: StakeOp | Payout,
    owed: Payout | None,
    get_owner: GetOwner,
    pop_verify: PopVerify,
) -> Payout | None:
    """The ledger side of a staking op or payout; returns the payout now owed (or None)."""
    if isinstance(op, Payout):
        if op != owed:
            raise InvalidPayoutError(f"payout {op} is not what the staking rules owe ({owed})")
        return None
    if owed is not None:
        raise InvalidPayoutError(f"the withdraw of account {owed.recipient} lacks its payout")
    owner = get_owner(op.sender)
    amount = process_stake_ledger(ledger, config, op, owner, pop_verify)
    ledger.deposited += op.amount
    ledger.withdrawn += amount
    return Payout(op.sender, owner, amount) if amount else None


def get_account_owner(accounts: AccountState) -> GetOwner:
    """The ledger owner of each sender: its account's key (``InvalidTransfer`` if empty)."""

    def get_owner(index: int) -> Owner:
        account = accounts.get_account(index) if index >> accounts.depth == 0 else None
        if account is None:
            raise InvalidTransfer(f"sender account {index} does not exist")
        return account.public_key

    return get_owner
