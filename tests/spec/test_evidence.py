"""Evidence is checkable from signed messages alone; forgeries and non-offences are refused."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.consensus.consensus_helpers import make_net
from zkpov.errors import DecodeError
from zkpov.spec.codec.evidence import decode_evidence, encode_evidence
from zkpov.spec.evidence import (
    DoubleProposal,
    DoubleVote,
    InvalidBlockProposal,
    InvalidEvidence,
    SignedHeader,
    verify_evidence,
)
from zkpov.spec.messages import Block, Vote, VoteData
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

NET = make_net(4)


def signed(block: Block, signer: int = 1) -> SignedHeader:
    return SignedHeader(block.header, NET.scheme.sign(NET.sks[signer], block.header.signing_root))


def child(payload: bytes = b"", root: bytes | None = None) -> Block:
    return Block(
        Epoch(0), Round(1), Height(1), NET.genesis.id, ValidatorIndex(1),
        Root(root or NET.genesis.state_root), NET.genesis_qc, payload,
    )  # fmt: skip


def vote(block_id: bytes, voter: int = 2, signer: int | None = None) -> Vote:
    data = VoteData(Epoch(0), Round(1), BlockId(block_id), Round(0), NET.genesis.id)
    sk = NET.sks[voter if signer is None else signer]
    return Vote(data, ValidatorIndex(voter), NET.scheme.sign(sk, data.signing_root))


MINT = hashlib.sha256(b"mint").digest()
VALID = [
    DoubleProposal(signed(child()), signed(child(b"\x90"))),
    DoubleVote(vote(b"\x01" * 32), vote(b"\x02" * 32)),
    InvalidBlockProposal(signed(child(root=MINT)), NET.genesis.header),
]


@pytest.mark.parametrize("evidence", VALID, ids=lambda e: type(e).__name__)
def test_valid_evidence_names_the_offender_and_round_trips(evidence: object) -> None:
    assert verify_evidence(evidence, NET.vset) in (1, 2)  # type: ignore[arg-type]
    assert decode_evidence(encode_evidence(evidence)) == evidence  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("evidence", "why"),
    [
        (DoubleProposal(signed(child()), signed(child())), "two different"),
        (DoubleProposal(signed(child()), signed(child(b"\x90"), signer=2)), "signature"),
        (DoubleVote(vote(b"\x01" * 32), vote(b"\x01" * 32)), "different blocks"),
        (DoubleVote(vote(b"\x01" * 32), vote(b"\x02" * 32, signer=3)), "signature"),
        (InvalidBlockProposal(signed(child()), NET.genesis.header), "valid"),
        (InvalidBlockProposal(signed(child(b"\x90", MINT)), NET.genesis.header), "empty"),
        (
            InvalidBlockProposal(
                signed(child(root=MINT)), dataclasses.replace(NET.genesis.header, height=Height(7))
            ),
            "parent",
        ),
    ],
)
def test_non_offences_and_forgeries_are_refused(evidence: object, why: str) -> None:
    with pytest.raises(InvalidEvidence, match=why):
        verify_evidence(evidence, NET.vset)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_evidence_bytes_raise_decode_error_only(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_evidence(data)
