"""Accounts and transactions: balances with their Merkle proofs, submitted transfers."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.client.models.fields import AccountKey, Decimal, Hash

__all__ = ["Account", "AccountProof", "BroadcastResult", "TransferReceipt", "Tx"]


@dataclass(frozen=True)
class Tx:
    """``status``: committed, pending or dropped (then ``reason`` and ``message`` say why)."""

    hash: Hash
    status: str
    height: int | None
    index: int | None
    tx: bytes | None
    reason: str | None
    message: str | None


@dataclass(frozen=True)
class BroadcastResult:
    """``reason`` is empty when the transfer was accepted."""

    hash: Hash
    accepted: bool
    reason: str
    message: str


@dataclass(frozen=True)
class TransferReceipt:
    """What ``send_transfer`` returns: the node's answer, and the height once committed (when
    it was asked to wait)."""

    result: BroadcastResult
    height: int | None


@dataclass(frozen=True)
class AccountProof:
    """Siblings are field elements, 32-byte big-endian, three per level."""

    depth: int
    leaf: Hash
    siblings: tuple[tuple[Hash, ...], ...]


@dataclass(frozen=True)
class Account:
    """``public_key`` None: an empty slot. ``pending_nonce``: the next nonce to use.
    ``bonded``, ``unbonding``: what the staking ledger holds for the account's key."""

    index: Decimal
    public_key: AccountKey | None
    balance: Decimal
    nonce: int
    pending_nonce: int
    height: int
    state_root: Hash
    proof: AccountProof | None
    bonded: Decimal
    unbonding: Decimal
