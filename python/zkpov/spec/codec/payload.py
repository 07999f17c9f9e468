"""Wire encodings of what blocks and gossip carry besides consensus messages.

- a block's ``payload``: msgpack array of encoded transfers (empty payload: no transfers);
- a block's ``proof`` field: msgpack ``[[height, proof], ...]``, the Groth16 proofs it carries
  for earlier blocks of its chain (see :mod:`zkpov.consensus.proof_carry`);
- a proof announcement on the transactions channel: 8-byte big-endian height, then the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgpack

from zkpov.constants import MAX_PAYLOAD_BYTES
from zkpov.crypto.snark import PROOF_BYTES
from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import raw, seq
from zkpov.spec.payload import ProofAnnouncement

__all__ = [
    "MAX_CARRIED_PROOFS",
    "MAX_PROOF_BYTES",
    "MAX_TRANSFERS_PER_BLOCK",
    "decode_carried_proofs",
    "decode_payload",
    "decode_proof_announcement",
    "encode_carried_proofs",
    "encode_payload",
    "encode_proof_announcement",
]

MAX_TRANSFERS_PER_BLOCK = 4096
MAX_CARRIED_PROOFS = 16
MAX_PROOF_BYTES = 512  # a compressed Groth16 proof over BLS12-381 is 192 bytes


def encode_payload(transfers: Sequence[bytes]) -> bytes:
    """Payload bytes for a list of encoded transfers (empty list: empty payload)."""
    return b"" if not transfers else msgpack.packb(list(transfers), use_bin_type=True)


def decode_payload(payload: bytes) -> list[bytes]:
    """The encoded transfers of a payload; ``DecodeError`` if malformed."""
    if not payload:
        return []
    try:
        obj = msgpack.unpackb(payload, raw=False, max_bin_len=MAX_PAYLOAD_BYTES)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"payload is not valid msgpack: {exc}") from exc
    return [raw(item, limit=1024) for item in seq(obj, limit=MAX_TRANSFERS_PER_BLOCK)]


def encode_carried_proofs(entries: Sequence[tuple[int, bytes]]) -> bytes:
    """The ``proof`` field for ``[(height, proof), ...]`` (no entries: empty bytes)."""
    if not entries:
        return b""
    packed: bytes = msgpack.packb([[h, p] for h, p in entries], use_bin_type=True)
    return packed


def decode_carried_proofs(data: bytes) -> list[tuple[int, bytes]]:
    """``[(height, proof), ...]`` from a block's ``proof`` field; ``DecodeError`` if malformed."""
    if not data:
        return []
    try:
        obj = msgpack.unpackb(data, raw=False, max_bin_len=MAX_PROOF_BYTES, max_array_len=64)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"carried proofs are not valid msgpack: {exc}") from exc
    return [_decode_entry(item) for item in seq(obj, limit=MAX_CARRIED_PROOFS)]


def _decode_entry(item: Any) -> tuple[int, bytes]:
    pair = seq(item, limit=2)
    if len(pair) != 2 or not isinstance(pair[0], int) or isinstance(pair[0], bool):
        raise DecodeError("a carried proof is [height, proof bytes]")
    if pair[0] < 1:
        raise DecodeError(f"carried proof for height {pair[0]}: heights start at 1")
    return pair[0], raw(pair[1], limit=MAX_PROOF_BYTES)


def encode_proof_announcement(announcement: ProofAnnouncement) -> bytes:
    """``height`` (8 bytes big-endian) followed by the compressed proof."""
    return announcement.height.to_bytes(8, "big") + announcement.proof


def decode_proof_announcement(data: bytes) -> ProofAnnouncement:
    """Parse an announcement; ``DecodeError`` unless exactly 8 + ``PROOF_BYTES`` bytes."""
    if len(data) != 8 + PROOF_BYTES:
        raise DecodeError(f"proof announcement must be {8 + PROOF_BYTES} bytes")
    return ProofAnnouncement(int.from_bytes(data[:8], "big"), data[8:])
