"""What the RPC reads of the staking ledger (:mod:`zkpov.node.state.economics`): one
validator's stake, slashing and rewards, and the supply equation, at the committed height.

The ledger's balances are not the account tree's: rewards accrue to the validator's BLS key in
the staking ledger. An account's stake (``/v1/staking/delegations``, ``/account``) is what the
ledger holds for its owner, the account's key: the self stake of the validators it created, its
delegations, and its unbonding entries (a withdraw pays the matured ones into the account).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.chain.containers import ChainState, Owner
from zkpov.chain.distribution import compute_pending_reward
from zkpov.chain.staking import get_total_stake, get_validator_stake
from zkpov.chain.transition import is_supply_conserved

__all__ = [
    "MAX_LISTED",
    "DelegationRecord",
    "DelegationsRecord",
    "StakingValidatorRecord",
    "SupplyRecord",
    "UnbondingRecord",
    "compute_delegations",
    "compute_staking_validator",
    "compute_supply",
    "get_holdings",
]

MAX_LISTED = 1024  # delegations or unbonding entries listed per answer (totals count them all)


@dataclass(frozen=True)
class StakingValidatorRecord:
    index: int  # registry index (equal to the consensus index while the set is the genesis set)
    pubkey: bytes
    owner: bytes
    status: str
    self_stake: int
    delegated: int
    stake: int
    slashed: int
    commission_bps: int
    balance: int  # the owner's liquid balance in the ledger: commission and settled rewards
    owner_pending: int  # the owner's rewards on its self stake not settled yet (F1, lazy)
    outstanding: int  # rewards in this validator's pool, owed to its holders
    height: int


@dataclass(frozen=True)
class SupplyRecord:
    """``initial + minted - burned == total == balances + bonded + unbonding + outstanding``
    when ``conserved``; ``burned`` counts slashed stake (the node burns no fees in the ledger
    yet); ``outstanding``: rewards in validators' pools, not yet settled to their holders."""

    height: int
    initial: int
    minted: int
    burned: int
    slashed: int
    total: int
    bonded: int
    unbonding: int
    balances: int
    outstanding: int
    deposited: int  # bonds in from the account tree (staking ops)
    withdrawn: int  # payouts out to the account tree (withdraws)
    conserved: bool


@dataclass(frozen=True)
class DelegationRecord:
    validator: int
    amount: int
    pending_reward: int  # unsettled (F1, lazy): paid into the ledger balance when it changes


@dataclass(frozen=True)
class UnbondingRecord:
    amount: int
    release_epoch: int
    validator: int | None
    matured: bool  # a withdraw may take it now


@dataclass(frozen=True)
class DelegationsRecord:
    """What the ledger holds for the owner of account ``account`` (``owner`` None: an empty
    slot); lists hold at most ``MAX_LISTED`` entries each (``truncated``), totals count all."""

    account: int
    owner: bytes | None
    self_stake: int
    delegated: int
    unbonding: int
    delegations: tuple[DelegationRecord, ...]
    unbonding_entries: tuple[UnbondingRecord, ...]
    truncated: bool
    epoch: int
    height: int


def compute_staking_validator(state: ChainState, index: int) -> StakingValidatorRecord | None:
    if not 0 <= index < len(state.validators):
        return None
    v = state.validators[index]
    stake = int(get_validator_stake(state, index))
    return StakingValidatorRecord(
        index, bytes(v.pubkey), v.owner, v.status.value, int(v.self_stake),
        stake - int(v.self_stake), stake, int(v.slashed_amount), v.commission_bps,
        state.balances.get(v.owner, 0), compute_pending_reward(state, v.owner, index),
        v.outstanding, state.height,
    )  # fmt: skip


def compute_supply(state: ChainState) -> SupplyRecord:
    bonded = sum(int(v.self_stake) for v in state.validators) + sum(state.delegations.values())
    return SupplyRecord(
        state.height, state.initial_supply, state.minted, state.burned,
        sum(int(v.slashed_amount) for v in state.validators), get_total_stake(state), bonded,
        sum(u.amount for u in state.unbonding), sum(state.balances.values()),
        sum(v.outstanding for v in state.validators), state.deposited, state.withdrawn,
        is_supply_conserved(state),
    )  # fmt: skip


def get_holdings(state: ChainState, owner: Owner | None) -> tuple[int, int]:
    """``(bonded, unbonding)`` of ``owner``: self stake plus delegations, and unbonding."""
    if owner is None:
        return 0, 0
    own = sum(int(v.self_stake) for v in state.validators if v.owner == owner)
    delegated = sum(a for d, a in state.delegations.items() if d.delegator == owner)
    return own + delegated, sum(u.amount for u in state.unbonding if u.owner == owner)


def compute_delegations(state: ChainState, account: int, owner: Owner | None) -> DelegationsRecord:
    mine = [(d.validator, int(a)) for d, a in state.delegations.items() if d.delegator == owner]
    entries = [u for u in state.unbonding if u.owner == owner]
    listed = tuple(
        DelegationRecord(v, a, compute_pending_reward(state, owner, v) if owner else 0)
        for v, a in sorted(mine)[:MAX_LISTED]
    )
    unbonding = tuple(
        UnbondingRecord(u.amount, u.release_epoch, u.validator, u.release_epoch <= state.epoch)
        for u in entries[:MAX_LISTED]
    )
    own = sum(int(v.self_stake) for v in state.validators if owner and v.owner == owner)
    truncated = max(len(mine), len(entries)) > MAX_LISTED
    return DelegationsRecord(
        account, owner, own, sum(a for _, a in mine), sum(u.amount for u in entries), listed,
        unbonding, truncated, state.epoch, state.height,
    )  # fmt: skip
