"""Chain state containers (pyspec style: plain data, mutated only by ``process_*`` functions)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum

from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = [
    "ChainState",
    "Delegation",
    "Owner",
    "RegistryIndex",
    "Unbonding",
    "Validator",
    "ValidatorStatus",
    "copy_chain_state",
]

NO_STAKE = Stake(0)
FIRST_EPOCH = Epoch(0)
Owner = bytes  # an account identifier (the owner's public key bytes)
RegistryIndex = int  # position in ``ChainState.validators`` (consensus indices are per epoch)


class ValidatorStatus(Enum):
    PENDING = "pending"  # joined, active from the next epoch boundary
    ACTIVE = "active"
    EXITING = "exiting"  # asked to leave; leaves at the next epoch boundary
    EXITED = "exited"
    SLASHED = "slashed"  # ejected at the next epoch boundary, stake unbonding


@dataclass
class Validator:
    pubkey: BLSPubkey
    owner: Owner
    self_stake: Stake
    commission_bps: int
    status: ValidatorStatus = ValidatorStatus.PENDING
    slashed_amount: Stake = NO_STAKE
    delegated: Stake = NO_STAKE  # the sum of ChainState.delegations to this validator
    reward_ratio: int = 0  # rewards per unit of stake since joining, x RATIO_SCALE (F1)
    outstanding: int = 0  # rewards paid to this validator's holders, not yet settled


@dataclass(frozen=True)
class Delegation:
    delegator: Owner
    validator: RegistryIndex


@dataclass(frozen=True)
class Unbonding:
    owner: Owner
    amount: Stake
    release_epoch: Epoch
    validator: RegistryIndex | None = None  # whose stake it was (slashable for earlier offences)
    start_epoch: Epoch = FIRST_EPOCH


@dataclass
class ChainState:
    """Everything the economics track; ``active`` maps consensus index to registry index."""

    epoch: Epoch
    validators: list[Validator] = field(default_factory=list)
    delegations: dict[Delegation, Stake] = field(default_factory=dict)
    unbonding: list[Unbonding] = field(default_factory=list)
    balances: dict[Owner, int] = field(default_factory=dict)
    # the validator's reward_ratio when each holder's stake last changed (chain.distribution)
    reward_entries: dict[Delegation, int] = field(default_factory=dict)
    active: tuple[RegistryIndex, ...] = ()
    active_stakes: tuple[Stake, ...] = ()
    seed: bytes = bytes(32)
    randao_mix: bytes = bytes(32)  # this epoch's reveals mixed in (chain.seed.compute_randao_mix)
    blocks_in_epoch: int = 0
    height: int = 0
    initial_supply: int = 0
    minted: int = 0
    burned: int = 0
    deposited: int = 0  # bonds that came in from the account tree (chain.payload_ops)
    withdrawn: int = 0  # payouts that went out to the account tree


def copy_chain_state(state: ChainState) -> ChainState:
    """A copy no change to which reaches ``state`` (``copy.deepcopy``'s result, about 100x
    faster: only the validators are mutable inside the containers; keys, entries, tuples and
    bytes are immutable and shared)."""
    return dataclasses.replace(
        state,
        validators=[dataclasses.replace(v) for v in state.validators],
        delegations=dict(state.delegations),
        unbonding=list(state.unbonding),
        balances=dict(state.balances),
        reward_entries=dict(state.reward_entries),
    )
