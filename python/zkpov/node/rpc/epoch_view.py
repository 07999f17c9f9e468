"""The RPC's read side of epochs: which epoch a committed height belongs to, and a set of a past
epoch as ``/validators`` describes it (from the stored endings; epoch 0 is the genesis set), and
whether a QC commits a header (what ``/commit`` and ``/light/finalized`` may serve)."""

from __future__ import annotations

from collections.abc import Sequence

from zkpov.chain.containers import ChainState
from zkpov.chain.staking import get_validator_stake
from zkpov.node.rpc.view import ValidatorInfo
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.spec.messages import BlockHeader, QuorumCert
from zkpov.types import BLSPubkey, Stake, ValidatorIndex

__all__ = ["describe_set", "get_epoch_at", "is_commit_qc"]


def get_epoch_at(height: int, ledger: ChainState, endings: EpochEndingStore | None) -> int | None:
    """The epoch committed ``height`` (<= the ledger's) belongs to: epoch e holds the heights
    after e-1's reconfiguration block up to its own. None if an ending it needs is not held."""
    if height > ledger.height - ledger.blocks_in_epoch or ledger.epoch == 0:
        return int(ledger.epoch)
    low, high = 0, int(ledger.epoch) - 1  # the first epoch whose R is at or above ``height``
    while low < high:
        middle = (low + high) // 2
        ending = None if endings is None else endings.get(middle)
        if ending is None:
            return None
        low, high = (low, middle) if ending.block.height >= height else (middle + 1, high)
    return low


def describe_set(
    ledger: ChainState,
    pubkeys: Sequence[BLSPubkey],
    stakes: Sequence[Stake],
    weights: Sequence[int] | None = None,
) -> tuple[ValidatorInfo, ...]:
    """An epoch's committed set with the powers it has (leader weights: ``weights``, else the
    powers); ``stake`` and ``slashed`` are the ledger's now, from its registry entry found by
    key (the registry never drops one)."""
    registry = {bytes(v.pubkey): i for i, v in enumerate(ledger.validators)}
    infos = []
    for i, (pk, power) in enumerate(zip(pubkeys, stakes, strict=True)):
        index = registry[bytes(pk)]
        stake = int(get_validator_stake(ledger, index))
        slashed = int(ledger.validators[index].slashed_amount)
        weight = int(power) if weights is None else weights[i]
        infos.append(ValidatorInfo(ValidatorIndex(i), pk, power, weight, stake, slashed, index))
    return tuple(infos)


def is_commit_qc(qc: QuorumCert, header: BlockHeader, child_id: bytes) -> bool:
    """``qc`` commits ``header`` under the 2-chain rule: a QC of its epoch on its child
    ``child_id``, one round later (not the next epoch's root QC, which repeats its round)."""
    data = qc.vote_data
    return (
        data.block_id == child_id and data.epoch == header.epoch
        and data.parent_id == header.id and data.parent_round == header.round
        and data.round == header.round + 1
    )  # fmt: skip
