"""Typed readers for decoded msgpack objects: every wire codec builds on these.

Each reader raises ``DecodeError`` saying what was wrong, never another exception, and caps
every length it reads.
"""

from __future__ import annotations

from typing import Any

from zkpov.constants import (
    BLS_PUBKEY_LENGTH,
    BLS_SIGNATURE_LENGTH,
    HASH_LENGTH,
    MAX_PAYLOAD_BYTES,
    MAX_VALIDATORS_LIMIT,
    UINT64_MAX,
)
from zkpov.errors import DecodeError

__all__ = [
    "digest",
    "next_commitment",
    "optional_digest",
    "pubkey",
    "raw",
    "seq",
    "signature",
    "uint",
]

_MAX_SIGNERS = MAX_VALIDATORS_LIMIT


def uint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT64_MAX:
        raise DecodeError(f"expected a uint64, got {type(value).__name__}")
    return value


def raw(value: Any, *, length: int | None = None, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    if not isinstance(value, bytes):
        raise DecodeError(f"expected bytes, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise DecodeError(f"expected {length} bytes, got {len(value)}")
    if len(value) > limit:
        raise DecodeError(f"byte string of {len(value)} bytes exceeds {limit}")
    return value


def seq(value: Any, size: int | None = None, limit: int = _MAX_SIGNERS) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise DecodeError(f"expected an array, got {type(value).__name__}")
    if size is not None and len(value) != size:
        raise DecodeError(f"expected an array of {size} items, got {len(value)}")
    if len(value) > limit:
        raise DecodeError(f"array of {len(value)} items exceeds {limit}")
    return list(value)


def digest(value: Any) -> bytes:
    return raw(value, length=HASH_LENGTH)


def next_commitment(value: Any) -> bytes:
    """A header's next-validator-set commitment: empty, or a 32-byte digest."""
    return optional_digest(value)


def optional_digest(value: Any) -> bytes:
    """A header digest that may be absent (next-set commitment, staking root): empty or 32 bytes."""
    return value if value == b"" else digest(value)


def signature(value: Any, what: str = "signature") -> bytes:
    """A BLS signature field: exactly 96 bytes (whether it is a G2 point is checked on use)."""
    if not isinstance(value, bytes) or len(value) != BLS_SIGNATURE_LENGTH:
        raise DecodeError(f"{what} must be {BLS_SIGNATURE_LENGTH} bytes, got {_describe(value)}")
    return value


def pubkey(value: Any, what: str = "public key") -> bytes:
    """A BLS public key field: exactly 48 bytes."""
    if not isinstance(value, bytes) or len(value) != BLS_PUBKEY_LENGTH:
        raise DecodeError(f"{what} must be {BLS_PUBKEY_LENGTH} bytes, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    return f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
