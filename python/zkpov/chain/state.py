"""Account state: a Poseidon sparse Merkle tree of accounts, signed transfers, native apply.

Encoding (the circuit in ``rust/circuits`` proves exactly these rules):

* The tree is 4-ary with ``depth`` address bits (default 32, even), hashed with width-5
  Poseidon; an account sits at its index in ``[0, 2**depth)``. See ``rust/state/smt.rs``.
* Leaf = ``Poseidon5(tag=1; pk_x, pk_y, balance, nonce)``; an empty slot is the leaf 0.
* A transfer's signed message is ``poseidon.hash_n([sender + recipient * 2**64, to_x, to_y,
  amount + fee * 2**64, nonce, chain_tag])`` (each packed pair below 2**64, so the packing is
  injective) where ``(to_x, to_y)`` is the recipient's public key and ``chain_tag`` the
  network's (:func:`compute_chain_tag` of its genesis hash), so a transfer signed for one network
  fails the signature check on any other; the batch commitment folds
  ``acc = poseidon.hash2(acc, digest)`` over the batch from ``acc = 0``, with ``digest =
  Poseidon5(tag=2; message, R_x, R_y, s)`` binding the signature bytes (circuit version 4;
  version 5 adds staking ops and payouts with the same message shape,
  :mod:`zkpov.chain.operations`).
* Transfer bytes (136): sender u64 BE, recipient u64 BE, recipient public key (32), amount u64
  BE, fee u64 BE, nonce u64 BE, Schnorr signature (64).
* Rules, in order: the sender exists; ``nonce == sender.nonce + 1``; the signature verifies under
  the sender's key; ``amount + fee <= balance``; the sender is debited ``amount + fee`` (the fee
  is burned: it leaves the supply, as Ethereum's base fee does); then the recipient is either an
  empty slot (a new account with ``recipient_public_key`` and nonce 0) or holds that key, and its
  balance stays below ``2**64``. A self-transfer only bumps the nonce.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from zkpov.crypto import accounts, schnorr
from zkpov.crypto.curve_points import SCALAR_MODULUS
from zkpov.errors import DecodeError, ProposalError

__all__ = [
    "DEFAULT_TREE_DEPTH",
    "MAX_AMOUNT",
    "TRANSFER_BYTES",
    "Account",
    "AccountProof",
    "AccountState",
    "EncodableOperation",
    "InvalidTransfer",
    "Transfer",
    "compute_account_index",
    "compute_batch_commitment",
    "compute_chain_tag",
    "compute_transfer_message",
    "sign_transfer",
    "verify_account_proof",
]

DEFAULT_TREE_DEPTH = 32
MAX_AMOUNT = 2**64 - 1
TRANSFER_BYTES = 136
_LAYOUT = struct.Struct(">QQ32sQQQ64s")
_INDEX_DST = b"zkpov/account-index"
_CHAIN_TAG_DST = b"zkpov/chain-tag"


class EncodableOperation(Protocol):
    def to_bytes(self) -> bytes: ...


class InvalidTransfer(ProposalError):
    """A transfer (or a batch) breaks a state rule; the state is left unchanged."""


def _check_u64(name: str, value: int) -> None:
    if not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise DecodeError(f"{name} must be an int in [0, 2**64), got {value!r}")


def _check_bytes(name: str, value: bytes, size: int) -> None:
    if not isinstance(value, bytes) or len(value) != size:
        raise DecodeError(f"{name} must be {size} bytes")


@dataclass(frozen=True)
class Account:
    public_key: bytes
    balance: int
    nonce: int

    def leaf(self) -> int:
        return accounts.compute_account_leaf(self.public_key, self.balance, self.nonce)


@dataclass(frozen=True)
class Transfer:
    """A signed transfer of ``amount`` from account ``sender`` to account ``recipient``, paying
    ``fee`` (burned; the mempool orders by it and may demand a minimum)."""

    sender: int
    recipient: int
    recipient_public_key: bytes
    amount: int
    nonce: int
    signature: bytes
    fee: int = 0

    def __post_init__(self) -> None:
        for name in ("sender", "recipient", "amount", "nonce", "fee"):
            _check_u64(name, getattr(self, name))
        _check_bytes("recipient_public_key", self.recipient_public_key, schnorr.PUBLIC_KEY_BYTES)
        _check_bytes("signature", self.signature, schnorr.SIGNATURE_BYTES)

    def message(self, chain_tag: int = 0) -> int:
        """The field element the sender signs for the network of ``chain_tag``."""
        return compute_transfer_message(
            self.sender, self.recipient, self.recipient_public_key, self.amount, self.nonce,
            fee=self.fee, chain_tag=chain_tag,
        )  # fmt: skip

    def to_bytes(self) -> bytes:
        return _LAYOUT.pack(
            self.sender,
            self.recipient,
            self.recipient_public_key,
            self.amount,
            self.fee,
            self.nonce,
            self.signature,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Transfer:
        """Decodes 136 bytes; ``DecodeError`` on a bad length, key or signature encoding."""
        transfer = cls.from_bytes_unchecked(data)
        accounts.check_transfer_bytes(data)
        return transfer

    @classmethod
    def from_bytes_unchecked(cls, data: bytes) -> Transfer:
        """The fields of 136 bytes without decoding the key and signature points (cheap, for
        checks that come before expensive ones); ``DecodeError`` on a bad length."""
        if not isinstance(data, bytes) or len(data) != TRANSFER_BYTES:
            raise DecodeError(f"transfer must be {TRANSFER_BYTES} bytes")
        sender, recipient, key, amount, fee, nonce, signature = _LAYOUT.unpack(data)
        return cls(sender, recipient, key, amount, nonce, signature, fee)


def compute_transfer_message(
    sender: int,
    recipient: int,
    recipient_public_key: bytes,
    amount: int,
    nonce: int,
    fee: int = 0,
    chain_tag: int = 0,
) -> int:
    return accounts.compute_transfer_message(
        sender, recipient, recipient_public_key, amount, fee, nonce, chain_tag
    )


def compute_chain_tag(genesis_hash: bytes) -> int:
    """The network's chain tag: SHA-256("zkpov/chain-tag" || genesis hash) mod r (BLS12-381's
    scalar field), the field element every transfer message of that network carries."""
    digest = hashlib.sha256(_CHAIN_TAG_DST + genesis_hash).digest()
    return int.from_bytes(digest, "big") % SCALAR_MODULUS


def sign_transfer(
    secret_key: bytes,
    sender: int,
    recipient: int,
    recipient_public_key: bytes,
    amount: int,
    nonce: int,
    fee: int = 0,
    chain_tag: int = 0,
) -> Transfer:
    """Builds and signs a transfer with the sender's Schnorr secret key for the network of
    ``chain_tag`` (:func:`compute_chain_tag`)."""
    msg = compute_transfer_message(
        sender, recipient, recipient_public_key, amount, nonce, fee=fee, chain_tag=chain_tag
    )
    sig = schnorr.sign(secret_key, msg)
    return Transfer(sender, recipient, recipient_public_key, amount, nonce, sig, fee)


def compute_account_index(public_key: bytes, depth: int = DEFAULT_TREE_DEPTH) -> int:
    """A conventional index for a key: SHA-256("zkpov/account-index" || pk) mod 2**depth."""
    digest = hashlib.sha256(_INDEX_DST + public_key).digest()
    return int.from_bytes(digest, "big") % (1 << depth)


def compute_batch_commitment(transfers: Sequence[Transfer], chain_tag: int = 0) -> int:
    """The circuit's public batch commitment for these transfers, in order, on the network of
    ``chain_tag``."""
    return accounts.compute_batch_commitment([t.to_bytes() for t in transfers], chain_tag)


@dataclass(frozen=True)
class AccountProof:
    """The leaf at ``index`` and its siblings; ``leaf == 0`` proves the slot is empty."""

    depth: int
    index: int
    leaf: int
    siblings: tuple[tuple[int, int, int], ...]

    @property
    def is_membership(self) -> bool:
        return self.leaf != 0

    def verify(self, root: int) -> bool:
        return verify_account_proof(root, self)


def verify_account_proof(root: int, proof: AccountProof) -> bool:
    return accounts.verify_tree_proof(root, proof.depth, proof.index, proof.leaf, proof.siblings)


class AccountState:
    """Accounts in a sparse Merkle tree of one network (``chain_tag``, the tag its transfers
    are signed for). ``apply_transfers`` is all-or-nothing."""

    def __init__(self, depth: int = DEFAULT_TREE_DEPTH, chain_tag: int = 0) -> None:
        self._tree = accounts.AccountTree(depth)
        self.chain_tag = chain_tag

    @classmethod
    def _wrap(cls, tree: accounts.AccountTree, chain_tag: int) -> AccountState:
        state = cls.__new__(cls)
        state._tree = tree
        state.chain_tag = chain_tag
        return state

    @property
    def native(self) -> accounts.AccountTree:
        """The native tree (for ``zkpov.crypto.snark.prove``)."""
        return self._tree

    @property
    def depth(self) -> int:
        return self._tree.depth

    @property
    def root(self) -> int:
        return self._tree.root

    def __len__(self) -> int:
        return len(self._tree)

    def copy(self) -> AccountState:
        return AccountState._wrap(self._tree.copy(), self.chain_tag)

    def get_account(self, index: int) -> Account | None:
        _check_u64("index", index)
        found = self._tree.get_account(index)
        return None if found is None else Account(*found)

    def get_accounts(self) -> list[tuple[int, Account]]:
        """Every account with its index, by index (a snapshot to persist)."""
        return [(i, Account(pk, balance, nonce)) for i, pk, balance, nonce in self._tree.accounts()]

    def restore_account(self, index: int, account: Account) -> int:
        """Puts a persisted account back (restart from a snapshot); returns the new root.
        ``InvalidTransfer`` if the index was already restored or is outside the tree."""
        _check_u64("index", index)
        try:
            return self._tree.restore_account(
                index, account.public_key, account.balance, account.nonce
            )
        except DecodeError:
            raise
        except ValueError as exc:
            raise InvalidTransfer(str(exc)) from exc

    def credit(self, index: int, public_key: bytes, amount: int) -> int:
        """Genesis funding: creates the account or tops it up; returns the new root."""
        _check_u64("index", index)
        _check_u64("amount", amount)
        try:
            return self._tree.credit(index, public_key, amount)
        except DecodeError:
            raise
        except ValueError as exc:
            raise InvalidTransfer(str(exc)) from exc

    def apply_transfers(self, transfers: Sequence[Transfer]) -> int:
        """Applies every transfer in order and returns the new root, or raises
        ``InvalidTransfer`` and leaves the state unchanged. The native side decodes the points
        and checks the signatures in one batch on all cores, without the GIL (the answer is the
        one-by-one loop's), so transfers from ``Transfer.from_bytes_unchecked`` are enough."""
        raw = [t.to_bytes() for t in transfers]
        try:
            return self._tree.apply_transfers_batched(raw, self.chain_tag)
        except ValueError as exc:  # DecodeError included: a malformed key or signature
            raise InvalidTransfer(str(exc)) from exc

    def apply_operations(self, ops: Sequence[EncodableOperation]) -> int:
        """Like :meth:`apply_transfers` for operations of any kind (transfers, staking ops and
        payouts of :mod:`zkpov.chain.operations`), all or nothing."""
        try:
            return self._tree.apply_operations([op.to_bytes() for op in ops], self.chain_tag)
        except ValueError as exc:  # DecodeError included
            raise InvalidTransfer(str(exc)) from exc

    def get_proof(self, index: int) -> AccountProof:
        _check_u64("index", index)
        try:
            leaf, siblings = self._tree.get_proof(index)
        except ValueError as exc:
            raise DecodeError(str(exc)) from exc
        rows = tuple((a, b, c) for a, b, c in siblings)
        return AccountProof(self.depth, index, leaf, rows)
