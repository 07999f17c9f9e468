"""Validator sets: a page of the set signing at a height, and how each epoch changed it."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models.blocks import Header, QuorumCert
from zkpov.client.models.fields import Decimal, Hash, PublicKey

__all__ = ["EpochChange", "EpochChanges", "NextValidator", "Validator", "Validators"]


@dataclass(frozen=True)
class Validator:
    """``index`` and ``voting_power``: the validator in its epoch's committed set (frozen at the
    epoch boundary; what QCs weigh). ``stake`` and ``slashed``: the staking ledger's live view
    (entry ``registry_index``; None: not registered)."""

    index: int
    pubkey: PublicKey
    voting_power: Decimal
    leader_weight: Decimal
    stake: Decimal
    slashed: Decimal
    registry_index: int | None


@dataclass(frozen=True)
class Validators:
    """One page of the committed validator set of ``epoch``, signing at ``block_height``
    (``validator_set_commitment``: the one its headers carry); ledger fields as of
    ``ledger_height``."""

    block_height: int
    epoch: int
    count: int
    total: int
    total_power: Decimal
    validator_set_commitment: Hash
    ledger_height: int
    validators: tuple[Validator, ...]


@dataclass(frozen=True)
class NextValidator:
    pubkey: PublicKey
    stake: Decimal


@dataclass(frozen=True)
class EpochChange:
    """How epoch ``header.epoch`` ended: the reconfiguration header (it names the next set), the
    suffix headers up to the one ``commit_certificate`` commits, and the next set."""

    header: Header
    suffix: tuple[Header, ...]
    commit_certificate: QuorumCert
    next_validators: tuple[NextValidator, ...]


@dataclass(frozen=True)
class EpochChanges:
    """``/v1/light/updates``: at most 64 epoch changes from ``from_epoch`` on (a light client
    decodes them strictly with :func:`zkpov.node.rpc.epoch_changes.decode_epoch_updates`)."""

    from_epoch: int
    current_epoch: int
    updates: tuple[EpochChange, ...]
