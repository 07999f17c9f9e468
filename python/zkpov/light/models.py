"""The ``/v1/light`` answers a light client reads, decoded by :mod:`zkpov.client.codec` (every
field present with its JSON type, hex of the exact length), and what the client keeps of what
its witnesses proved (:class:`Witnessed`, :class:`Conflict`)."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models import Decimal, Hash, Header, Proof, PublicKey
from zkpov.spec.messages import BlockHeader, QuorumCert

__all__ = ["Bootstrap", "BootstrapValidator", "Conflict", "Headers", "Proofs", "Witnessed"]


@dataclass(frozen=True)
class Witnessed:
    """A header one witness proved final with a verified commit QC."""

    rpc: str
    header: BlockHeader
    qc: QuorumCert


@dataclass(frozen=True)
class Conflict:
    """Two verified commit QCs for different blocks at one height (or two ends of one epoch):
    evidence of double votes."""

    height: int
    first: Witnessed
    second: Witnessed


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
