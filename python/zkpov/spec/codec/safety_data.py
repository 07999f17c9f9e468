"""The safety file's encoding: a checksum over a versioned msgpack array.

``SHA-256(body) || body`` with ``body = msgpack([version, epoch, last_voted_round,
preferred_round, one_chain_round, highest_timeout_round, last_vote, last_proposed_round])``
(version 2; version 1 files, without ``last_proposed_round``, still load with it 0); a torn or
altered file fails the checksum and raises ``DecodeError`` instead of loading wrong safety data.
"""

from __future__ import annotations

import hashlib

import msgpack

from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import seq, uint
from zkpov.spec.codec.messages import from_obj, to_obj
from zkpov.spec.safety_data import SafetyData
from zkpov.types import Epoch, Round

__all__ = ["decode_safety_data", "encode_safety_data"]

_VERSION = 2
_MAX_BYTES = 1 << 16


def encode_safety_data(data: SafetyData) -> bytes:
    vote = None if data.last_vote is None else to_obj(data.last_vote)
    body: bytes = msgpack.packb(
        [
            _VERSION,
            data.epoch,
            data.last_voted_round,
            data.preferred_round,
            data.one_chain_round,
            data.highest_timeout_round,
            vote,
            data.last_proposed_round,
        ],
        use_bin_type=True,
    )
    return hashlib.sha256(body).digest() + body


def decode_safety_data(blob: bytes) -> SafetyData:
    """Parse stored bytes; ``DecodeError`` if torn, altered or malformed."""
    if not isinstance(blob, bytes) or not 32 < len(blob) <= _MAX_BYTES:
        raise DecodeError("safety data has a wrong size")
    checksum, body = blob[:32], blob[32:]
    if hashlib.sha256(body).digest() != checksum:
        raise DecodeError("safety data checksum mismatch (torn or altered write)")
    try:
        obj = msgpack.unpackb(body, raw=False)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"safety data is not valid msgpack: {exc}") from exc
    items = seq(obj)
    version = items[0] if items else None
    if (version, len(items)) not in ((1, 7), (_VERSION, 8)):
        raise DecodeError(f"unknown safety data version {version!r} or field count")
    epoch, lvr, pr, ocr, htr, vote = items[1:7]
    lpr = items[7] if version == _VERSION else 0
    return SafetyData(
        Epoch(uint(epoch)), Round(uint(lvr)), Round(uint(pr)), Round(uint(ocr)),
        None if vote is None else from_obj(2, vote), Round(uint(htr)), Round(uint(lpr)),
    )  # fmt: skip
