"""Canonical bytes for hashing and signing: a fixed, type-tagged, length-prefixed encoding.

Every signing root is ``SHA-256(encode(domain) || encode(field_1) || ...)``. Integers are unsigned
64-bit big-endian with tag ``0x00``; byte strings are ``0x01 || u32 length || bytes``. The encoding
is injective, so two different field lists never share a signing root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache

from zkpov.constants import UINT64_MAX
from zkpov.errors import DecodeError

__all__ = [
    "compute_bitfield",
    "compute_hash",
    "compute_signing_root",
    "encode_field",
    "get_bitfield_indices",
]

_INT_TAG = b"\x00"
_BYTES_TAG = b"\x01"


def encode_field(value: int | bytes) -> bytes:
    """Canonical encoding of one field."""
    if isinstance(value, bool):
        raise TypeError("booleans are not canonical fields; use 0 or 1")
    if isinstance(value, int):
        if not 0 <= value <= UINT64_MAX:
            raise DecodeError(f"integer field out of uint64 range: {value}")
        return _INT_TAG + value.to_bytes(8, "big")
    return _BYTES_TAG + len(value).to_bytes(4, "big") + bytes(value)


def compute_hash(domain: bytes, fields: Iterable[int | bytes]) -> bytes:
    """SHA-256 over the domain tag and the canonical encoding of ``fields``."""
    hasher = hashlib.sha256(encode_field(domain))
    for value in fields:
        hasher.update(encode_field(value))
    return hasher.digest()


def compute_signing_root(domain: bytes, fields: Iterable[int | bytes]) -> bytes:
    """The 32 bytes a validator signs for a message of kind ``domain``."""
    return compute_hash(domain, fields)


def compute_bitfield(indices: Iterable[int], size: int) -> bytes:
    """Little-endian bitfield of ``size`` bits with the bits of ``indices`` set."""
    bits = bytearray((size + 7) // 8)
    for index in indices:
        if not 0 <= index < size:
            raise DecodeError(f"bitfield index {index} out of range for size {size}")
        bits[index // 8] |= 1 << (index % 8)
    return bytes(bits)


@lru_cache(maxsize=4096)
def get_bitfield_indices(bitfield: bytes, size: int) -> Sequence[int]:
    """The set bits of ``bitfield``; ``DecodeError`` on a wrong length or bits beyond ``size``.
    Memoized: a certificate's bitfield is decoded once per process, however many check it."""
    if len(bitfield) != (size + 7) // 8:
        raise DecodeError(f"bitfield has {len(bitfield)} bytes, expected {(size + 7) // 8}")
    indices = tuple(i for i in range(len(bitfield) * 8) if bitfield[i // 8] >> (i % 8) & 1)
    if indices and indices[-1] >= size:
        raise DecodeError(f"bitfield sets bit {indices[-1]} beyond size {size}")
    return indices
