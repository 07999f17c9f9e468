"""What the RPC reads of the staking ledger (:mod:`zkpov.node.state.economics`): one
validator's stake, slashing and rewards, and the supply equation, at the committed height.

The ledger's balances are not the account tree's: rewards accrue to the validator's BLS key in
the staking ledger until staking transactions move them into accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.chain.containers import ChainState
from zkpov.chain.distribution import compute_pending_reward
from zkpov.chain.staking import get_total_stake, get_validator_stake
from zkpov.chain.transition import is_supply_conserved

__all__ = [
    "StakingValidatorRecord",
    "SupplyRecord",
    "compute_staking_validator",
    "compute_supply",
]


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
    conserved: bool


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
        sum(v.outstanding for v in state.validators), is_supply_conserved(state),
    )  # fmt: skip
