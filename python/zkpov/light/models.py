"""The ``/v1/light`` answers a light client reads, decoded by :mod:`zkpov.client.codec` (every
field present with its JSON type, hex of the exact length)."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models import Decimal, Hash, Header, Proof, PublicKey

__all__ = ["Bootstrap", "BootstrapValidator", "Headers", "Proofs"]


@dataclass(frozen=True)
class BootstrapValidator:
    pubkey: PublicKey
    stake: Decimal


@dataclass(frozen=True)
class Bootstrap:
    genesis_hash: Hash
    epoch: int
    validators: tuple[BootstrapValidator, ...]
    total_stake: Decimal
    validator_set_commitment: Hash


@dataclass(frozen=True)
class Proofs:
    proven_final_height: int | None
    proofs: tuple[Proof, ...]


@dataclass(frozen=True)
class Headers:
    headers: tuple[Header, ...]
