"""Native account-tree primitives behind :mod:`zkpov.chain.state` (which holds the rules' docs).

A thin façade so that only ``zkpov.crypto`` imports ``zkpov._native``: the sparse Merkle tree of
accounts, the leaf and transfer-message hashes, the transfer codec check, the batched signature
check of many transfers and the batch commitment; the staking-op message, the operation codec
check and the commitment of mixed operations.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpov import _native

__all__ = [
    "AccountTree",
    "check_operation_bytes",
    "check_transfer_bytes",
    "check_transfer_signatures",
    "compute_account_leaf",
    "compute_batch_commitment",
    "compute_operation_commitment",
    "compute_stake_message",
    "compute_transfer_message",
    "verify_tree_proof",
]

AccountTree = _native.AccountTree


def compute_account_leaf(public_key: bytes, balance: int, nonce: int) -> int:
    return _native.account_leaf(public_key, balance, nonce)


def compute_transfer_message(
    sender: int,
    recipient: int,
    recipient_public_key: bytes,
    amount: int,
    fee: int,
    nonce: int,
    chain_tag: int,
) -> int:
    return _native.transfer_message(
        sender, recipient, recipient_public_key, amount, fee, nonce, chain_tag
    )


def check_transfer_bytes(data: bytes) -> None:
    """``DecodeError`` unless ``data`` is a well-formed 136-byte transfer."""
    _native.transfer_check(data)


def check_transfer_signatures(
    items: Sequence[tuple[bytes, bytes]], chain_tag: int
) -> list[tuple[bool, str | None]]:
    """For each ``(transfer bytes, sender key)``: ``(True, None)`` if the transfer decodes and
    its signature (for the network of ``chain_tag``) verifies under the key, ``(False, None)``
    if it does not verify, ``(False, why)`` if the transfer (or else the key) does not decode,
    as ``check_transfer_bytes`` and ``schnorr.verify`` would say. The signatures are verified in
    one batch (Jubjub Schnorr, :func:`zkpov.crypto.schnorr.batch_verify`);
    ``LimitExceededError`` past its ``MAX_BATCH``."""
    return _native.transfer_check_signatures(list(items), chain_tag)


def compute_batch_commitment(encoded_transfers: Sequence[bytes], chain_tag: int) -> int:
    return _native.transfer_batch_commitment(list(encoded_transfers), chain_tag)


def check_operation_bytes(data: bytes) -> str:
    """The kind (``"transfer"``, ``"stake"`` or ``"payout"``) of a well-formed operation;
    ``DecodeError`` naming what is wrong otherwise (length, version, op code, fields, points)."""
    return _native.operation_check(data)


def compute_stake_message(unsigned: bytes, chain_tag: int) -> int:
    """The message a staking op's signer signs, from its encoding without the signature."""
    return _native.stake_op_message(unsigned, chain_tag)


def compute_operation_commitment(encoded_ops: Sequence[bytes], chain_tag: int) -> int:
    """The circuit's batch commitment of operations of any kind, in order."""
    return _native.operation_batch_commitment(list(encoded_ops), chain_tag)


def verify_tree_proof(
    root: int, depth: int, index: int, leaf: int, siblings: Sequence[Sequence[int]]
) -> bool:
    return _native.smt_verify_proof(root, depth, index, leaf, [list(s) for s in siblings])
