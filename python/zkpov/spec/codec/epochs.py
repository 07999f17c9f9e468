"""Wire and storage encoding of epoch changes: endings, epoch-change proofs and requests.

They travel on the consensus channel beside the other messages, as ``msgpack([kind, body])``
with kind 9 (``EpochChangeProof``) and 10 (``EpochChangeRequest``); each body starts with its
version (1). An ending is ``[R, [suffix blocks], commit QC, next set]`` and a set is
``[epoch, [members], [BLS keys], [stakes], seed]``. Every length is capped before anything is
built from it (at most 64 endings, 16 suffix blocks, ``MAX_VALIDATORS_LIMIT`` members), and
anything malformed is a ``DecodeError``; whether an ending is *true* is
:func:`~zkpov.consensus.epochs.proof.verify_epoch_change_proof`'s business.

:func:`encode_consensus` / :func:`decode_consensus` are what the node's consensus channel
uses: these two kinds, and every other kind through :mod:`zkpov.spec.codec.messages`.
"""

from __future__ import annotations

from typing import Any, cast

import msgpack

from zkpov.constants import MAX_MESSAGE_BYTES, MAX_VALIDATORS_LIMIT
from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import digest, pubkey, seq, uint
from zkpov.spec.codec.messages import encode_message, from_obj, to_obj
from zkpov.spec.epochs import (
    MAX_EPOCH_CHANGE_PROOF_LENGTH,
    MAX_SUFFIX_BLOCKS,
    EpochChangeProof,
    EpochChangeRequest,
    EpochEnding,
    EpochSet,
)
from zkpov.spec.messages import Block, Message, QuorumCert
from zkpov.types import BLSPubkey, Epoch, Stake

__all__ = [
    "PROOF_KIND",
    "REQUEST_KIND",
    "decode_consensus",
    "decode_epoch_ending",
    "encode_consensus",
    "encode_epoch_ending",
    "fit_epoch_change_proof",
]

PROOF_KIND = 9
REQUEST_KIND = 10
_VERSION = 2  # 2: blocks carry a staking root
_BLOCK_KIND, _QC_KIND = 6, 7  # spec.codec.messages' kinds for a bare block and QC
EpochMessage = EpochChangeProof | EpochChangeRequest


def _set_obj(s: EpochSet) -> list[Any]:
    return [s.epoch, list(s.members), list(s.pubkeys), list(s.stakes), s.seed]


def _ending_obj(e: EpochEnding) -> list[Any]:
    suffix = [to_obj(b) for b in e.suffix]
    return [to_obj(e.block), suffix, to_obj(e.commit_qc), _set_obj(e.next_set)]


def _body(m: EpochMessage) -> list[Any]:
    if isinstance(m, EpochChangeProof):
        return [_VERSION, [_ending_obj(e) for e in m.endings]]
    return [_VERSION, m.epoch]


def encode_consensus(m: Message | EpochMessage) -> bytes:
    """Wire bytes of any consensus-channel message."""
    if isinstance(m, EpochChangeProof | EpochChangeRequest):
        kind = PROOF_KIND if isinstance(m, EpochChangeProof) else REQUEST_KIND
        encoded: bytes = msgpack.packb([kind, _body(m)], use_bin_type=True)
        return encoded
    return encode_message(m)


def fit_epoch_change_proof(proof: EpochChangeProof, limit: int = MAX_MESSAGE_BYTES) -> bytes | None:
    """The wire bytes of the longest prefix of ``proof`` within ``limit`` (a receiver refuses a
    larger frame unread), halving the endings until it fits; None if one alone does not."""
    endings = proof.endings
    while endings:
        encoded = encode_consensus(EpochChangeProof(endings))
        if len(encoded) <= limit:
            return encoded
        endings = endings[: len(endings) // 2]
    return None


def encode_epoch_ending(ending: EpochEnding) -> bytes:
    """What the node stores for each committed ending (versioned as on the wire)."""
    encoded: bytes = msgpack.packb([_VERSION, _ending_obj(ending)], use_bin_type=True)
    return encoded


def _version(items: list[Any], what: str) -> None:
    if isinstance(items[0], bool) or items[0] != _VERSION:
        raise DecodeError(f"unknown {what} version {items[0]!r}")


def _epoch_set(o: Any) -> EpochSet:
    epoch, members, keys, stakes, seed = seq(o, 5)
    limit = MAX_VALIDATORS_LIMIT
    ids = tuple(uint(m) for m in seq(members, limit=limit))
    pks = tuple(BLSPubkey(pubkey(k)) for k in seq(keys, limit=limit))
    weights = tuple(Stake(uint(w)) for w in seq(stakes, limit=limit))
    if not ids or not len(ids) == len(pks) == len(weights) or len(set(ids)) != len(ids):
        raise DecodeError("an epoch set needs as many distinct members as keys and stakes")
    return EpochSet(Epoch(uint(epoch)), ids, pks, weights, digest(seed))


def _ending(o: Any) -> EpochEnding:
    block, suffix, qc, next_set = seq(o, 4)
    blocks = seq(suffix, limit=MAX_SUFFIX_BLOCKS)
    return EpochEnding(
        cast(Block, from_obj(_BLOCK_KIND, block)),
        tuple(cast(Block, from_obj(_BLOCK_KIND, b)) for b in blocks),
        cast(QuorumCert, from_obj(_QC_KIND, qc)),
        _epoch_set(next_set),
    )


def _proof(body: Any) -> EpochChangeProof:
    items = seq(body, 2)
    _version(items, "epoch-change proof")
    endings = seq(items[1], limit=MAX_EPOCH_CHANGE_PROOF_LENGTH)
    if not endings:
        raise DecodeError("an epoch-change proof holds at least one ending")
    return EpochChangeProof(tuple(_ending(e) for e in endings))


def _request(body: Any) -> EpochChangeRequest:
    items = seq(body, 2)
    _version(items, "epoch-change request")
    return EpochChangeRequest(Epoch(uint(items[1])))


def _unpack(data: bytes, limit: int, what: str) -> Any:
    if not isinstance(data, bytes | bytearray) or len(data) > limit:
        raise DecodeError(f"{what} must be bytes of at most {limit} bytes")
    try:
        return msgpack.unpackb(bytes(data), raw=False, strict_map_key=True, use_list=True)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"not valid msgpack: {exc}") from exc


def decode_consensus(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> Any:
    """Any consensus-channel message; ``DecodeError`` on anything malformed."""
    kind, body = seq(_unpack(data, limit, "a message"), 2)
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise DecodeError("message kind must be an integer")
    if kind == PROOF_KIND:
        return _proof(body)
    if kind == REQUEST_KIND:
        return _request(body)
    return from_obj(kind, body)


def decode_epoch_ending(data: bytes) -> EpochEnding:
    """A stored ending (:func:`encode_epoch_ending`)."""
    items = seq(_unpack(data, MAX_MESSAGE_BYTES, "an epoch ending"), 2)
    _version(items, "epoch ending")
    return _ending(items[1])
