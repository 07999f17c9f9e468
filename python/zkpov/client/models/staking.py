"""The staking ledger: validators' stake and rewards, the supply, an account's delegations."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models.fields import AccountKey, Decimal, PublicKey

__all__ = ["DelegationEntry", "Delegations", "StakingValidator", "Supply", "UnbondingEntry"]


@dataclass(frozen=True)
class StakingValidator:
    """A validator in the staking ledger (``/v1/staking/validator``)."""

    index: int
    pubkey: PublicKey
    owner: bytes
    status: str
    self_stake: Decimal
    delegated: Decimal
    stake: Decimal
    slashed: Decimal
    commission_bps: int
    balance: Decimal
    owner_pending: Decimal
    outstanding: Decimal
    height: int


@dataclass(frozen=True)
class Supply:
    """The staking ledger's supply (``/v1/staking/supply``): initial + minted - burned ==
    total == bonded + unbonding + balances + outstanding (rewards pooled, not yet settled)
    when ``conserved``."""

    height: int
    initial: Decimal
    minted: Decimal
    burned: Decimal
    slashed: Decimal
    total: Decimal
    bonded: Decimal
    unbonding: Decimal
    balances: Decimal
    outstanding: Decimal
    deposited: Decimal
    withdrawn: Decimal
    conserved: bool


@dataclass(frozen=True)
class DelegationEntry:
    validator: int
    amount: Decimal
    pending_reward: Decimal


@dataclass(frozen=True)
class UnbondingEntry:
    amount: Decimal
    release_epoch: int
    validator: int | None
    matured: bool


@dataclass(frozen=True)
class Delegations:
    """What the staking ledger holds for an account's key (``/v1/staking/delegations``)."""

    account: Decimal
    owner: AccountKey | None
    self_stake: Decimal
    delegated: Decimal
    unbonding: Decimal
    delegations: tuple[DelegationEntry, ...]
    unbonding_entries: tuple[UnbondingEntry, ...]
    truncated: bool
    epoch: int
    height: int
