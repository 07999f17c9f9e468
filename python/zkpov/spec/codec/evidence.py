"""Wire encoding of evidence and of the signed block headers it carries (msgpack arrays)."""

from __future__ import annotations

from typing import Any

import msgpack

from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import next_commitment, optional_digest, raw, seq, uint
from zkpov.spec.codec.messages import from_obj as _from_obj
from zkpov.spec.codec.messages import to_obj as _to_obj
from zkpov.spec.evidence import (
    DoubleProposal,
    DoubleVote,
    Evidence,
    InvalidBlockProposal,
    SignedHeader,
)
from zkpov.spec.messages import BlockHeader
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = ["decode_evidence", "decode_header", "encode_evidence", "encode_header"]


def _header_obj(h: BlockHeader) -> list[Any]:
    return [
        h.epoch, h.round, h.height, h.parent_id, h.proposer, h.state_root, h.qc_digest,
        h.payload_digest, h.evidence_digest, h.proof_digest, h.randao_reveal, h.timestamp_ms,
        h.validator_set_commitment, h.next_validator_set_commitment, h.staking_root,
    ]  # fmt: skip


def _header(o: Any) -> BlockHeader:
    e, r, ht, parent, proposer, root, qcd, pd, ed, prd, reveal, t, vsc, nvsc, sr = seq(o, 15)
    digests = [raw(x, length=32) for x in (parent, root, qcd, pd, ed, prd, vsc)]
    return BlockHeader(
        Epoch(uint(e)), Round(uint(r)), Height(uint(ht)), BlockId(digests[0]),
        ValidatorIndex(uint(proposer)), Root(digests[1]), digests[2], digests[3], digests[4],
        digests[5], raw(reveal, limit=96), uint(t), digests[6], next_commitment(nvsc),
        optional_digest(sr),
    )  # fmt: skip


def encode_header(header: BlockHeader) -> bytes:
    """Canonical msgpack bytes of a block header (what fast sync's history carries)."""
    encoded: bytes = msgpack.packb(_header_obj(header), use_bin_type=True)
    return encoded


def decode_header(data: bytes) -> BlockHeader:
    """The inverse of :func:`encode_header`; ``DecodeError`` on anything malformed."""
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"a header is not valid msgpack: {exc}") from exc
    return _header(obj)


def _signed(o: Any) -> SignedHeader:
    header, sig = seq(o, 2)
    return SignedHeader(_header(header), raw(sig, limit=96))


def encode_evidence(evidence: Evidence) -> bytes:
    """Canonical msgpack bytes of ``evidence`` (what blocks carry)."""
    if isinstance(evidence, DoubleVote):
        body: list[Any] = [1, _to_obj(evidence.first), _to_obj(evidence.second)]
    elif isinstance(evidence, DoubleProposal):
        body = [2, *(_signed_obj(s) for s in (evidence.first, evidence.second))]
    else:
        body = [3, _signed_obj(evidence.block), _header_obj(evidence.parent)]
    encoded: bytes = msgpack.packb(body, use_bin_type=True)
    return encoded


def _signed_obj(s: SignedHeader) -> list[Any]:
    return [_header_obj(s.header), s.signature]


def decode_evidence(data: bytes) -> Evidence:
    """Parse evidence bytes; ``DecodeError`` on anything malformed."""
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"evidence is not valid msgpack: {exc}") from exc
    kind, first, second = seq(obj, 3)
    if kind == 1:
        return DoubleVote(_from_obj(2, first), _from_obj(2, second))
    if kind == 2:
        return DoubleProposal(_signed(first), _signed(second))
    if kind == 3:
        return InvalidBlockProposal(_signed(first), _header(second))
    raise DecodeError(f"unknown evidence kind {kind!r}")
