"""A staking op moves both sides together: the account tree (proven) and the staking ledger
(:class:`~zkpov.chain.containers.ChainState`, re-executed by every validator).

:func:`process_stake_operation` checks the ledger side on a copy first, then applies the account
side (all or nothing, natively), then installs the ledger copy, so a refusal on either side
changes neither. The bond (``op.amount``) leaves the signer's account and enters the ledger as
stake through the owner's ledger balance, which it only passes through; the fee is burned on the
account side. A withdraw also returns the :class:`~zkpov.chain.operations.Payout` the rules owe
(all the ledger holds liquid for the owner: matured unbonding, released or not, commission and
rewards; taken out of the ledger), applied in the same step: a block that
carries the withdraw must carry exactly that payout right after it. So
``sum(account balances) + get_total_stake(ledger)`` drops by exactly the fees.

The ledger owner of an account is its Schnorr public key (``Owner`` is key bytes).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import fields

from zkpov.chain.containers import ChainState, Delegation, Owner, Unbonding, ValidatorStatus
from zkpov.chain.distribution import compute_pending_reward, get_holder_stake, process_settlement
from zkpov.chain.operations import OpCode, Operation, Payout, StakeOp
from zkpov.chain.staking import process_delegate, process_join, process_undelegate
from zkpov.chain.state import AccountState, InvalidTransfer
from zkpov.config import ConsensusConfig
from zkpov.errors import ValidatorError
from zkpov.types import BLSPubkey, Stake

__all__ = [
    "PopVerify",
    "check_stake_operation",
    "is_withdrawable",
    "process_stake_ledger",
    "process_stake_operation",
    "process_withdraw",
]

PopVerify = Callable[[bytes, bytes], bool]
NOTHING_TO_WITHDRAW = "no matured unbonding, ledger balance or reward to withdraw"
_LEAVING = (ValidatorStatus.EXITED, ValidatorStatus.SLASHED, ValidatorStatus.EXITING)


def process_stake_operation(
    accounts: AccountState,
    ledger: ChainState,
    config: ConsensusConfig,
    op: StakeOp,
    pop_verify: PopVerify,
) -> list[Operation]:
    """Applies ``op`` to both sides; returns the operations applied to the accounts (``op``,
    then a withdraw's payout). ``ValidatorError`` (ledger rules) or ``InvalidTransfer``
    (account rules: nonce, signature, balance) leave both sides unchanged."""
    owner = _get_owner(accounts, op.sender)
    staged = copy.deepcopy(ledger)
    owed = process_stake_ledger(staged, config, op, owner, pop_verify)
    applied: list[Operation] = [op]
    if owed:
        applied.append(Payout(op.sender, owner, owed))
    accounts.apply_operations(applied)
    for field in fields(ChainState):
        setattr(ledger, field.name, getattr(staged, field.name))
    return applied


def _get_owner(accounts: AccountState, index: int) -> Owner:
    account = accounts.get_account(index)
    if account is None:
        raise InvalidTransfer(f"sender account {index} does not exist")
    return account.public_key


def process_stake_ledger(
    state: ChainState, config: ConsensusConfig, op: StakeOp, owner: Owner, pop_verify: PopVerify
) -> int:
    """The ledger's part of ``op`` on ``state``; returns what a withdraw owes (else 0). On an
    error ``state`` may be part-way: run it on a copy."""
    if op.op is OpCode.CREATE_VALIDATOR:
        _bond(state, owner, op.amount)
        key, pop = BLSPubkey(op.bls_public_key), op.proof_of_possession
        process_join(
            state, config, owner, key, pop, Stake(op.amount), op.commission_bps, pop_verify
        )
    elif op.op is OpCode.DELEGATE:
        _bond(state, owner, op.amount)
        process_delegate(state, owner, op.target, Stake(op.amount))
    elif op.op is OpCode.UNDELEGATE:
        process_undelegate(state, config, owner, op.target, Stake(op.unbond_amount))
    elif op.op is OpCode.WITHDRAW:
        return process_withdraw(state, owner)
    else:
        _process_edit(state, owner, op.target, op.commission_bps)
    return 0


def _bond(state: ChainState, owner: Owner, amount: int) -> None:
    """The bond debited from the account enters the ledger as the owner's balance, which the
    ledger rule that follows debits again."""
    state.balances[owner] = state.balances.get(owner, 0) + amount


def process_withdraw(state: ChainState, owner: Owner) -> int:
    """Takes out of the ledger all it holds liquid for ``owner`` and returns the sum: its
    matured unbonding entries, and its ledger balance (where an epoch boundary releases
    matured unbonding, and where commission and settled rewards land), after settling its
    pending rewards. ``ValidatorError`` if that is nothing."""
    for index in _get_held(state, owner):
        process_settlement(state, owner, index)
    matured = [u for u in state.unbonding if _is_matured(state, u, owner)]
    state.unbonding = [u for u in state.unbonding if not _is_matured(state, u, owner)]
    owed = sum(u.amount for u in matured) + state.balances.pop(owner, 0)
    if not owed:
        raise ValidatorError(NOTHING_TO_WITHDRAW)
    return owed


def _get_held(state: ChainState, owner: Owner) -> list[int]:
    """The validators ``owner`` has stake on (one look-up per validator, none per delegator)."""
    return [i for i in range(len(state.validators)) if get_holder_stake(state, owner, i)]


def _is_matured(state: ChainState, entry: Unbonding, owner: Owner) -> bool:
    return entry.owner == owner and entry.release_epoch <= state.epoch


def is_withdrawable(state: ChainState, owner: Owner) -> bool:
    """Whether a withdraw by ``owner`` would pay anything (:func:`process_withdraw`)."""
    if state.balances.get(owner, 0) > 0:
        return True
    if any(_is_matured(state, u, owner) for u in state.unbonding):
        return True
    return any(compute_pending_reward(state, owner, i) for i in _get_held(state, owner))


def _process_edit(state: ChainState, owner: Owner, index: int, commission_bps: int) -> None:
    _check_editable(state, owner, index)
    state.validators[index].commission_bps = commission_bps


def check_stake_operation(
    state: ChainState, config: ConsensusConfig, op: StakeOp, owner: Owner
) -> None:
    """The ledger rules ``op`` must pass on ``state`` (what :func:`process_stake_operation`'s
    ledger side checks, bar the proof of possession), without changing or copying anything:
    the cheap check for mempool admission. ``ValidatorError`` saying which rule fails."""
    if op.op is OpCode.CREATE_VALIDATOR:
        _check_join(state, config, op)
    elif op.op is OpCode.DELEGATE:
        _check_takes_delegations(state, op.target)
    elif op.op is OpCode.UNDELEGATE:
        if state.delegations.get(Delegation(owner, op.target), 0) < op.unbond_amount:
            raise ValidatorError("cannot undelegate more than is delegated")
    elif op.op is OpCode.WITHDRAW:
        if not is_withdrawable(state, owner):
            raise ValidatorError(NOTHING_TO_WITHDRAW)
    else:
        _check_editable(state, owner, op.target)


def _check_join(state: ChainState, config: ConsensusConfig, op: StakeOp) -> None:
    if op.amount < config.min_stake:
        raise ValidatorError(f"stake {op.amount} below min_stake {config.min_stake}")
    if any(v.pubkey == op.bls_public_key for v in state.validators):
        raise ValidatorError("public key already registered")


def _check_takes_delegations(state: ChainState, index: int) -> None:
    if not 0 <= index < len(state.validators) or state.validators[index].status in _LEAVING:
        raise ValidatorError(f"validator {index} does not take delegations")


def _check_editable(state: ChainState, owner: Owner, index: int) -> None:
    if not 0 <= index < len(state.validators):
        raise ValidatorError(f"no validator {index}")
    if state.validators[index].owner != owner:
        raise ValidatorError("only the owner may edit a validator")
    if state.validators[index].status in _LEAVING:
        raise ValidatorError(f"validator {index} is leaving")
