"""Payload, carried-proof and proof-announcement encodings: round trips and typed refusals."""

from __future__ import annotations

import pytest

from zkpov.crypto.snark import PROOF_BYTES
from zkpov.errors import DecodeError
from zkpov.spec.codec.payload import (
    MAX_CARRIED_PROOFS,
    decode_carried_proofs,
    decode_payload,
    decode_proof_announcement,
    encode_carried_proofs,
    encode_payload,
    encode_proof_announcement,
)
from zkpov.spec.payload import ProofAnnouncement

PROOF = bytes(range(PROOF_BYTES % 256)) + b"\x07" * (PROOF_BYTES - PROOF_BYTES % 256)


def test_proof_announcement_round_trips() -> None:
    announcement = ProofAnnouncement(2**40 + 3, PROOF)
    encoded = encode_proof_announcement(announcement)
    assert len(encoded) == 8 + PROOF_BYTES
    assert decode_proof_announcement(encoded) == announcement


@pytest.mark.parametrize("size", [0, 8, 8 + PROOF_BYTES - 1, 8 + PROOF_BYTES + 1])
def test_a_proof_announcement_of_another_length_is_a_decode_error(size: int) -> None:
    with pytest.raises(DecodeError, match="proof announcement must be"):
        decode_proof_announcement(b"\x01" * size)


def test_payload_and_carried_proofs_round_trip() -> None:
    assert decode_payload(encode_payload([b"a" * 136, b"b" * 136])) == [b"a" * 136, b"b" * 136]
    assert encode_payload([]) == b"" and decode_payload(b"") == []
    entries = [(3, PROOF), (5, PROOF)]
    assert decode_carried_proofs(encode_carried_proofs(entries)) == entries


def test_too_many_carried_proofs_is_a_decode_error() -> None:
    entries = [(h, PROOF) for h in range(1, MAX_CARRIED_PROOFS + 2)]
    with pytest.raises(DecodeError):
        decode_carried_proofs(encode_carried_proofs(entries))


@pytest.mark.parametrize("junk", [b"\xc1", b"\x92\x01", b"\x91\x92\x00\xc4\x01x"])
def test_junk_is_a_decode_error(junk: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_carried_proofs(junk)
