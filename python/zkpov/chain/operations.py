"""Staking operations and payouts beside transfers: op codes, wire format, signing, decoding.

The rules and the circuit are in ``rust/state/operations.rs`` (the format) and
``rust/circuits/ops.rs`` (the kind rules); in short:

* A staking op (:class:`StakeOp`) is signed by an account key like a transfer, over
  ``hash_n([sender, extra, 0, amount + fee * 2**64, nonce + op * 2**64 + target * 2**72,
  chain_tag])`` with ``extra = SHA-256("zkpov/stake-extra" || op || body) mod r``: every byte of
  its encoding but the signature is bound. ``amount`` is the bond that leaves the account
  (create_validator, delegate; 0 for the others); ``amount + fee`` is debited, the fee burned.
* A payout (:class:`Payout`) is an unsigned credit the staking rules mandate (a withdrawal);
  the block's public commitment covers it, and validators check it against their staking state.
* Encoding: a transfer is its unversioned 136 bytes; every other operation starts with version
  1 and its op code. Staking op: ``>BBQIQQQ`` (version, op, sender, target, amount, fee, nonce),
  the body (create_validator: BLS key 48, proof of possession 96, commission bps u16;
  undelegate: amount u64; edit_validator: commission bps u16; else empty), the signature (64).
  Payout: version, 255, recipient u64, recipient key (32), amount u64 (50 bytes). No operation
  is 136 bytes, so a payload may mix kinds and each entry's length says which it is.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from zkpov.chain.state import MAX_AMOUNT, TRANSFER_BYTES, Transfer
from zkpov.crypto import accounts, bls, schnorr
from zkpov.errors import DecodeError

__all__ = [
    "MAX_OPERATION_BYTES",
    "OP_FORMAT_VERSION",
    "PAYOUT_BYTES",
    "OpCode",
    "Operation",
    "Payout",
    "StakeOp",
    "build_create_validator",
    "compute_operations_commitment",
    "decode_operation",
    "get_touched_accounts",
    "parse_operation",
    "sign_create_validator",
    "sign_delegate",
    "sign_edit_validator",
    "sign_stake_op",
    "sign_undelegate",
    "sign_withdraw",
]

OP_FORMAT_VERSION = 1
PAYOUT_BYTES = 50
MAX_OPERATION_BYTES = 248
BLS_PUBLIC_KEY_BYTES = 48
BLS_POP_BYTES = 96
_MAX_TARGET = 2**32 - 1
_HEADER = struct.Struct(">BBQIQQQ")
_PAYOUT = struct.Struct(">BBQ32sQ")
_U64 = struct.Struct(">Q")
_U16 = struct.Struct(">H")


class OpCode(IntEnum):
    TRANSFER = 0
    CREATE_VALIDATOR = 1
    DELEGATE = 2
    UNDELEGATE = 3
    WITHDRAW = 4
    EDIT_VALIDATOR = 5
    PAYOUT = 255


_STAKE_OPS = frozenset(range(OpCode.CREATE_VALIDATOR, OpCode.EDIT_VALIDATOR + 1))
_BODY_BYTES = {
    OpCode.CREATE_VALIDATOR: BLS_PUBLIC_KEY_BYTES + BLS_POP_BYTES + 2,
    OpCode.DELEGATE: 0,
    OpCode.UNDELEGATE: 8,
    OpCode.WITHDRAW: 0,
    OpCode.EDIT_VALIDATOR: 2,
}


def _check_uint(name: str, value: int, top: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
        raise DecodeError(f"{name} must be an int in [0, {top}], got {value!r}")


@dataclass(frozen=True)
class StakeOp:
    """A signed staking operation of account ``sender`` on validator ``target``."""

    op: OpCode
    sender: int
    target: int
    amount: int
    fee: int
    nonce: int
    body: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if self.op not in _STAKE_OPS:
            raise DecodeError(f"op {self.op!r} is not a staking op")
        for name in ("sender", "amount", "fee", "nonce"):
            _check_uint(name, getattr(self, name), MAX_AMOUNT)
        _check_uint("target", self.target, _MAX_TARGET)
        if not isinstance(self.body, bytes) or not isinstance(self.signature, bytes):
            raise DecodeError("body and signature must be bytes")
        if len(self.signature) != schnorr.SIGNATURE_BYTES:
            raise DecodeError(f"signature must be {schnorr.SIGNATURE_BYTES} bytes")

    def unsigned_bytes(self) -> bytes:
        fields = (self.sender, self.target, self.amount, self.fee, self.nonce)
        return _HEADER.pack(OP_FORMAT_VERSION, self.op, *fields) + self.body

    def to_bytes(self) -> bytes:
        return self.unsigned_bytes() + self.signature

    def message(self, chain_tag: int = 0) -> int:
        """The field element the sender signs; ``DecodeError`` if the op is malformed."""
        return accounts.compute_stake_message(self.unsigned_bytes(), chain_tag)

    @property
    def commission_bps(self) -> int:
        """create_validator's and edit_validator's commission."""
        return int(_U16.unpack(self.body[-2:])[0])

    @property
    def unbond_amount(self) -> int:
        """undelegate's amount (the bond it starts unbonding)."""
        return int(_U64.unpack(self.body)[0])

    @property
    def bls_public_key(self) -> bytes:
        return self.body[:BLS_PUBLIC_KEY_BYTES]

    @property
    def proof_of_possession(self) -> bytes:
        return self.body[BLS_PUBLIC_KEY_BYTES : BLS_PUBLIC_KEY_BYTES + BLS_POP_BYTES]


@dataclass(frozen=True)
class Payout:
    """An unsigned credit of ``amount`` to account ``recipient`` (created with
    ``recipient_public_key`` if empty), mandated by the staking rules."""

    recipient: int
    recipient_public_key: bytes
    amount: int

    def __post_init__(self) -> None:
        _check_uint("recipient", self.recipient, MAX_AMOUNT)
        _check_uint("amount", self.amount, MAX_AMOUNT)
        key = self.recipient_public_key
        if not isinstance(key, bytes) or len(key) != schnorr.PUBLIC_KEY_BYTES:
            raise DecodeError(f"recipient_public_key must be {schnorr.PUBLIC_KEY_BYTES} bytes")

    def to_bytes(self) -> bytes:
        fields = (self.recipient, self.recipient_public_key, self.amount)
        return _PAYOUT.pack(OP_FORMAT_VERSION, OpCode.PAYOUT, *fields)


Operation = Transfer | StakeOp | Payout


def decode_operation(data: bytes) -> Operation:
    """Any operation's bytes (the kind from the length, then version and op code); a
    ``DecodeError`` saying what is wrong for anything malformed."""
    if not isinstance(data, bytes):
        raise DecodeError("an operation must be bytes")
    if len(data) != TRANSFER_BYTES and not 2 <= len(data) <= MAX_OPERATION_BYTES:
        raise DecodeError(f"an operation is 136 bytes or 2 to {MAX_OPERATION_BYTES}")
    kind = accounts.check_operation_bytes(data)
    if kind == "transfer":
        return Transfer.from_bytes_unchecked(data)
    if kind == "payout":
        _, _, recipient, key, amount = _PAYOUT.unpack(data)
        return Payout(recipient, key, amount)
    return _decode_stake_op(data)


def parse_operation(data: bytes) -> Operation:
    """The fields of any operation without decoding its points or checking its amounts (cheap,
    for checks that come before expensive ones): length, version, op code and body length.
    ``decode_operation`` must still accept it. ``DecodeError`` saying what is wrong."""
    if not isinstance(data, bytes):
        raise DecodeError("an operation must be bytes")
    if len(data) == TRANSFER_BYTES:
        return Transfer.from_bytes_unchecked(data)
    if not 2 <= len(data) <= MAX_OPERATION_BYTES:
        raise DecodeError(f"an operation is 136 bytes or 2 to {MAX_OPERATION_BYTES}")
    if data[0] != OP_FORMAT_VERSION:
        raise DecodeError(f"operation format version {data[0]} is not {OP_FORMAT_VERSION}")
    if data[1] == OpCode.PAYOUT:
        if len(data) != PAYOUT_BYTES:
            raise DecodeError(f"a payout is {PAYOUT_BYTES} bytes, not {len(data)}")
        return Payout(*_PAYOUT.unpack(data)[2:])
    if data[1] not in _STAKE_OPS:
        raise DecodeError(f"op code {data[1]} is not an operation")
    expected = _HEADER.size + _BODY_BYTES[OpCode(data[1])] + schnorr.SIGNATURE_BYTES
    if len(data) != expected:
        name = OpCode(data[1]).name.lower()
        raise DecodeError(f"op {name} is {expected} bytes long, not {len(data)}")
    return _decode_stake_op(data)


def _decode_stake_op(data: bytes) -> StakeOp:
    _, op, sender, target, amount, fee, nonce = _HEADER.unpack_from(data)
    split = len(data) - schnorr.SIGNATURE_BYTES
    body, signature = data[_HEADER.size : split], data[split:]
    return StakeOp(OpCode(op), sender, target, amount, fee, nonce, body, signature)


def get_touched_accounts(op: Operation) -> tuple[int, ...]:
    """The accounts an operation changes."""
    if isinstance(op, Transfer):
        return op.sender, op.recipient
    return (op.recipient,) if isinstance(op, Payout) else (op.sender,)


def compute_operations_commitment(ops: Sequence[Operation], chain_tag: int = 0) -> int:
    """The circuit's public batch commitment of these operations, in order (for transfers only,
    the same as :func:`zkpov.chain.state.compute_batch_commitment`)."""
    return accounts.compute_operation_commitment([op.to_bytes() for op in ops], chain_tag)


def sign_stake_op(
    secret_key: bytes,
    op: OpCode,
    sender: int,
    target: int,
    amount: int,
    nonce: int,
    body: bytes = b"",
    fee: int = 0,
    chain_tag: int = 0,
) -> StakeOp:
    """Builds and signs any staking op; ``DecodeError`` if it would not decode (a wrong body
    length, an amount on an op that bonds nothing, a commission above 10,000 bps)."""
    unsigned = StakeOp(op, sender, target, amount, fee, nonce, body, bytes(64))
    signature = schnorr.sign(secret_key, unsigned.message(chain_tag))
    return StakeOp(op, sender, target, amount, fee, nonce, body, signature)


def sign_create_validator(
    secret_key: bytes,
    sender: int,
    bls_public_key: bytes,
    proof_of_possession: bytes,
    commission_bps: int,
    self_bond: int,
    nonce: int,
    fee: int = 0,
    chain_tag: int = 0,
) -> StakeOp:
    _check_uint("commission_bps", commission_bps, 2**16 - 1)
    body = bls_public_key + proof_of_possession + _U16.pack(commission_bps)
    op = OpCode.CREATE_VALIDATOR
    return sign_stake_op(secret_key, op, sender, 0, self_bond, nonce, body, fee, chain_tag)


def build_create_validator(
    secret_key: bytes, sender: int, bls_secret_key: bytes, commission_bps: int,
    self_bond: int, nonce: int, fee: int = 0, chain_tag: int = 0,
) -> StakeOp:  # fmt: skip
    """A signed ``create_validator`` of account ``sender`` (Schnorr ``secret_key``) for the BLS
    key of ``bls_secret_key``, with its proof of possession made here."""
    public_key, pop = bls.sk_to_pk(bls_secret_key), bls.pop_prove(bls_secret_key)
    return sign_create_validator(
        secret_key, sender, public_key, pop, commission_bps, self_bond, nonce, fee, chain_tag
    )


def sign_delegate(
    secret_key: bytes, sender: int, validator: int, amount: int, nonce: int, fee: int = 0,
    chain_tag: int = 0,
) -> StakeOp:  # fmt: skip
    op = OpCode.DELEGATE
    return sign_stake_op(secret_key, op, sender, validator, amount, nonce, b"", fee, chain_tag)


def sign_undelegate(
    secret_key: bytes, sender: int, validator: int, amount: int, nonce: int, fee: int = 0,
    chain_tag: int = 0,
) -> StakeOp:  # fmt: skip
    _check_uint("amount", amount, MAX_AMOUNT)
    body, op = _U64.pack(amount), OpCode.UNDELEGATE
    return sign_stake_op(secret_key, op, sender, validator, 0, nonce, body, fee, chain_tag)


def sign_withdraw(
    secret_key: bytes, sender: int, nonce: int, fee: int = 0, chain_tag: int = 0
) -> StakeOp:
    """Withdraws all the staking ledger holds liquid for the sender: matured unbonding, commission
    and rewards (paid by a :class:`Payout`)."""
    op = OpCode.WITHDRAW
    return sign_stake_op(secret_key, op, sender, 0, 0, nonce, b"", fee, chain_tag)


def sign_edit_validator(
    secret_key: bytes, sender: int, validator: int, commission_bps: int, nonce: int,
    fee: int = 0, chain_tag: int = 0,
) -> StakeOp:  # fmt: skip
    _check_uint("commission_bps", commission_bps, 2**16 - 1)
    body, op = _U16.pack(commission_bps), OpCode.EDIT_VALIDATOR
    return sign_stake_op(secret_key, op, sender, validator, 0, nonce, body, fee, chain_tag)
