"""Wire encoding of consensus messages: msgpack arrays with a kind tag, strictly validated.

``decode_message`` checks the size cap before parsing and raises ``DecodeError`` (never another
exception) on any malformed input: wrong kinds, lengths, out-of-range integers, trailing bytes.
BLS signatures are exactly 96 bytes and public keys exactly 48, with two exceptions made for
genesis: a QC with no signer bit set may carry an empty signature, and a height-0 block carries
the 32-byte epoch seed where other blocks carry a RANDAO reveal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgpack

from zkpov.constants import (
    HASH_LENGTH,
    MAX_EVIDENCE_PER_BLOCK,
    MAX_MESSAGE_BYTES,
    MAX_SYNC_BLOCKS,
    MAX_VALIDATORS_LIMIT,
)
from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import (
    digest,
    next_commitment,
    optional_digest,
    raw,
    seq,
    signature,
    uint,
)
from zkpov.spec.messages import (
    Block,
    BlockRequest,
    BlockResponse,
    Message,
    Proposal,
    QuorumCert,
    Timeout,
    TimeoutCert,
    Vote,
    VoteData,
)
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

__all__ = ["decode_message", "encode_message", "from_obj", "to_obj"]

_MAX_BITFIELD = (MAX_VALIDATORS_LIMIT + 7) // 8


def _validator(value: Any) -> ValidatorIndex:
    index = uint(value)
    if index >= MAX_VALIDATORS_LIMIT:
        raise DecodeError(f"validator index {index} is not below {MAX_VALIDATORS_LIMIT}")
    return ValidatorIndex(index)


def _vote_data(o: Any) -> VoteData:
    e, r, b, pr, p = seq(o, 5)
    return VoteData(
        Epoch(uint(e)), Round(uint(r)), BlockId(digest(b)), Round(uint(pr)), BlockId(digest(p))
    )


def _qc(o: Any) -> QuorumCert:
    vd, signers, sig = seq(o, 3)
    bitfield = raw(signers, limit=_MAX_BITFIELD)
    is_unsigned = sig == b"" and not any(bitfield)  # the genesis QC
    return QuorumCert(
        _vote_data(vd), bitfield, sig if is_unsigned else signature(sig, "QC signature")
    )


def _tc(o: Any) -> TimeoutCert:
    e, r, signers, rounds, sig, qc = seq(o, 6)
    ids = tuple(_validator(i) for i in seq(signers, limit=MAX_VALIDATORS_LIMIT))
    hqc_rounds = tuple(Round(uint(x)) for x in seq(rounds, limit=MAX_VALIDATORS_LIMIT))
    if not ids or len(ids) != len(hqc_rounds):
        raise DecodeError(f"TC has {len(ids)} signers and {len(hqc_rounds)} hqc rounds")
    return TimeoutCert(
        Epoch(uint(e)), Round(uint(r)), ids, hqc_rounds, signature(sig, "TC signature"), _qc(qc)
    )


def _block(o: Any) -> Block:
    e, r, h, parent, proposer, root, qc, payload, evidence, proof, reveal, t, vsc, nvsc, sr = seq(
        o, 15
    )
    height = Height(uint(h))
    return Block(
        Epoch(uint(e)), Round(uint(r)), height, BlockId(digest(parent)), _validator(proposer),
        Root(digest(root)), _qc(qc), raw(payload),
        tuple(raw(x) for x in seq(evidence, limit=MAX_EVIDENCE_PER_BLOCK)), raw(proof),
        _reveal(reveal, height), uint(t), digest(vsc), next_commitment(nvsc), optional_digest(sr),
    )  # fmt: skip


def _reveal(value: Any, height: int) -> bytes:
    """A block's RANDAO reveal; a height-0 (genesis) block carries the epoch seed instead."""
    if height == 0:
        return raw(value, length=HASH_LENGTH)
    return signature(value, "RANDAO reveal")


def _proposal(o: Any) -> Proposal:
    block, sig, tc = seq(o, 3)
    return Proposal(
        _block(block), signature(sig, "proposal signature"), None if tc is None else _tc(tc)
    )


def _vote(o: Any) -> Vote:
    vd, voter, sig = seq(o, 3)
    return Vote(_vote_data(vd), _validator(voter), signature(sig, "vote signature"))


def _timeout(o: Any) -> Timeout:
    e, r, hqc, signer, sig, tc = seq(o, 6)
    return Timeout(
        Epoch(uint(e)),
        Round(uint(r)),
        _qc(hqc),
        _validator(signer),
        signature(sig, "timeout signature"),
        None if tc is None else _tc(tc),
    )


def _request(o: Any) -> BlockRequest:
    block_id, count = seq(o, 2)
    return BlockRequest(BlockId(digest(block_id)), uint(count))


def _response(o: Any) -> BlockResponse:
    return BlockResponse(tuple(_block(b) for b in seq(o, limit=MAX_SYNC_BLOCKS)))


def to_obj(m: Any) -> Any:
    """Nested lists of ints and bytes for any consensus container."""
    if isinstance(m, VoteData):
        return [m.epoch, m.round, m.block_id, m.parent_round, m.parent_id]
    if isinstance(m, QuorumCert):
        return [to_obj(m.vote_data), m.signers, m.signature]
    if isinstance(m, TimeoutCert):
        return [
            m.epoch,
            m.round,
            list(m.signers),
            list(m.hqc_rounds),
            m.signature,
            to_obj(m.highest_qc),
        ]
    if isinstance(m, Block):
        return [
            m.epoch, m.round, m.height, m.parent_id, m.proposer, m.state_root, to_obj(m.qc),
            m.payload, list(m.evidence), m.proof, m.randao_reveal, m.timestamp_ms,
            m.validator_set_commitment, m.next_validator_set_commitment, m.staking_root,
        ]  # fmt: skip
    return _message_obj(m)


def _message_obj(m: Any) -> Any:
    if isinstance(m, Proposal):
        return [to_obj(m.block), m.signature, None if m.tc is None else to_obj(m.tc)]
    if isinstance(m, Vote):
        return [to_obj(m.vote_data), m.voter, m.signature]
    if isinstance(m, Timeout):
        tc = None if m.tc is None else to_obj(m.tc)
        return [m.epoch, m.round, to_obj(m.hqc), m.signer, m.signature, tc]
    if isinstance(m, BlockRequest):
        return [m.block_id, m.count]
    if isinstance(m, BlockResponse):
        return [to_obj(b) for b in m.blocks]
    raise TypeError(f"not a consensus message: {type(m).__name__}")


_DECODERS: dict[int, Callable[[Any], Any]] = {
    1: _proposal, 2: _vote, 3: _timeout, 4: _request, 5: _response, 6: _block, 7: _qc, 8: _tc,
}  # fmt: skip
_KINDS = {
    Proposal: 1,
    Vote: 2,
    Timeout: 3,
    BlockRequest: 4,
    BlockResponse: 5,
    Block: 6,
    QuorumCert: 7,
    TimeoutCert: 8,
}


def from_obj(kind: int, obj: Any) -> Any:
    if kind not in _DECODERS:
        raise DecodeError(f"unknown message kind {kind!r}")
    return _DECODERS[kind](obj)


def encode_message(m: Message | Block | QuorumCert | TimeoutCert) -> bytes:
    """Wire bytes ``msgpack([kind, body])``."""
    encoded: bytes = msgpack.packb([_KINDS[type(m)], to_obj(m)], use_bin_type=True)
    return encoded


def decode_message(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> Any:
    """Decode wire bytes into a message; ``DecodeError`` on anything malformed."""
    if not isinstance(data, bytes | bytearray) or len(data) > limit:
        raise DecodeError(f"message must be bytes of at most {limit} bytes")
    try:
        obj = msgpack.unpackb(bytes(data), raw=False, strict_map_key=True, use_list=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"not valid msgpack: {exc}") from exc
    kind, body = seq(obj, 2)
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise DecodeError("message kind must be an integer")
    return from_obj(kind, body)
