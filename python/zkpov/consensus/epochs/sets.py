"""An epoch's validator set as the chain state elects it: members, keys, stakes and seed."""

from __future__ import annotations

from zkpov.chain.containers import ChainState
from zkpov.spec.epochs import EpochSet

__all__ = ["EpochSet", "get_epoch_set"]


def get_epoch_set(state: ChainState) -> EpochSet:
    """The active set of ``state``'s epoch (after the transition that elected it)."""
    pubkeys = tuple(state.validators[i].pubkey for i in state.active)
    return EpochSet(state.epoch, tuple(state.active), pubkeys, state.active_stakes, state.seed)
