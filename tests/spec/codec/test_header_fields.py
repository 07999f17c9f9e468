"""The header fields light clients read, on the wire: typed decode errors for bad lengths and
integers, and blocks of the previous 11- and 14-field formats are refused (the block-id domain
is v3: the staking root joined)."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from tests.spec.codec.test_messages import _encode_with, _first, encode_kind
from zkpov.errors import DecodeError
from zkpov.spec.codec.evidence import decode_evidence, encode_evidence
from zkpov.spec.codec.messages import decode_message, encode_message, to_obj
from zkpov.spec.evidence import DoubleProposal, SignedHeader
from zkpov.spec.messages import Proposal

TIMESTAMP, SET, NEXT_SET, STAKING = 11, 12, 13, 14  # positions in a block's wire array


def _proposal() -> Proposal:
    proposal: Proposal = _first(Proposal)
    return proposal


def test_a_proposal_round_trips_with_its_header_fields() -> None:
    proposal = _proposal()
    assert proposal.block.timestamp_ms > 0 and len(proposal.block.validator_set_commitment) == 32
    decoded = decode_message(encode_message(proposal))
    assert decoded == proposal and decoded.block.id == proposal.block.id


@pytest.mark.parametrize(
    ("position", "value"),
    [
        (TIMESTAMP, -1), (TIMESTAMP, 1.5), (TIMESTAMP, b"\x00"), (SET, b""), (SET, bytes(31)),
        (SET, bytes(33)), (NEXT_SET, bytes(31)), (NEXT_SET, bytes(33)), (NEXT_SET, 0),
        (STAKING, bytes(31)), (STAKING, bytes(33)), (STAKING, 0),
    ],
)  # fmt: skip
def test_bad_header_fields_are_decode_errors(position: int, value: object) -> None:
    with pytest.raises(DecodeError):
        decode_message(_encode_with(_proposal(), [0, position], value))


def test_a_next_set_commitment_of_32_bytes_decodes() -> None:
    decoded = decode_message(_encode_with(_proposal(), [0, NEXT_SET], b"\x02" * 32))
    assert decoded.block.next_validator_set_commitment == b"\x02" * 32


def test_a_staking_root_of_32_bytes_decodes() -> None:
    decoded = decode_message(_encode_with(_proposal(), [0, STAKING], b"\x03" * 32))
    assert decoded.block.staking_root == b"\x03" * 32


@pytest.mark.parametrize("fields", [11, 14])
def test_a_block_of_an_old_format_is_refused(fields: int) -> None:
    proposal = _proposal()
    obj: Any = to_obj(proposal)
    obj[0] = obj[0][:fields]
    packed = msgpack.packb([encode_kind(proposal), obj], use_bin_type=True)
    with pytest.raises(DecodeError, match="15 items"):
        decode_message(packed)


def test_evidence_headers_carry_the_fields() -> None:
    proposal = _proposal()
    header = proposal.block.header
    other = SignedHeader(header, proposal.signature)
    evidence = DoubleProposal(other, other)
    decoded = decode_evidence(encode_evidence(evidence))
    assert isinstance(decoded, DoubleProposal) and decoded.first.header == header
