"""Wire encoding: round trips, and DecodeError (never another exception) on bad bytes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.consensus.consensus_helpers import Router, make_net
from zkpov.errors import DecodeError
from zkpov.spec.codec.fields import pubkey
from zkpov.spec.codec.messages import decode_message, encode_message, to_obj
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import (
    BlockRequest,
    BlockResponse,
    Proposal,
    QuorumCert,
    Timeout,
    Vote,
    VoteData,
)
from zkpov.types import BlockId, Epoch, Round

NET = make_net(4, scheme="insecure-hash", leaders={1: 0, 2: 1, 3: 2})


def _messages() -> list[object]:
    router = Router(NET, down={1})  # rounds 1 and 2 time out; round 3's proposal carries a TC
    for i, core in enumerate(NET.cores):
        router.run(i, core.start(0.0), 0.0)
    for now in (1.5, 3.0):
        for i, core in enumerate(NET.cores):
            router.run(i, core.on_tick(now), now)
    found = [getattr(a, "message", None) for _, a in router.log]
    found = [m for m in found if m is not None]
    blocks = tuple(NET.cores[0].tree.blocks.values())[:2]
    return [*found, BlockRequest(NET.genesis.id, 3), BlockResponse(blocks)]


MESSAGES = _messages()


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_round_trip(message: object) -> None:
    assert decode_message(encode_message(message)) == message  # type: ignore[arg-type]


def test_covers_every_kind() -> None:
    kinds = {type(m).__name__ for m in MESSAGES}
    assert {"Proposal", "Vote", "Timeout", "BlockRequest", "BlockResponse"} <= kinds
    assert any(getattr(m, "tc", None) is not None for m in MESSAGES)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_raise_decode_error_only(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_message(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([encode_message(m) for m in MESSAGES]), st.data())  # type: ignore[arg-type]
def test_mutated_messages_raise_decode_error_or_decode(encoded: bytes, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(encoded) - 1))
    value = data.draw(st.integers(0, 255))
    mutated = encoded[:position] + bytes([value]) + encoded[position + 1 :]
    with contextlib.suppress(DecodeError):
        decode_message(mutated)


@pytest.mark.parametrize(
    "obj",
    [
        [1],
        [99, []],
        ["x", []],
        [2, [[0, 1, b"\0" * 31, 0, b"\0" * 32], 0, b""]],
        [2, [[-1] * 5, 0, b""]],
    ],
)
def test_malformed_structures_are_decode_errors(obj: object) -> None:
    with pytest.raises(DecodeError):
        decode_message(msgpack.packb(obj, use_bin_type=True))


def test_oversized_message_is_refused_before_parsing() -> None:
    with pytest.raises(DecodeError, match="at most"):
        decode_message(b"\x00" * 100, limit=10)


def encode_kind(message: Any) -> int:
    kind: int = msgpack.unpackb(encode_message(message))[0]
    return kind


def _first(kind: type, predicate: Callable[[Any], bool] = lambda m: True) -> Any:
    return next(m for m in MESSAGES if isinstance(m, kind) and predicate(m))


def _with_tc(m: Any) -> bool:
    return getattr(m, "tc", None) is not None


def _signed_qc() -> QuorumCert:
    data = VoteData(Epoch(0), Round(1), BlockId(b"\x01" * 32), Round(0), NET.genesis.id)
    sigs = [NET.scheme.sign(sk, data.signing_root) for sk in NET.sks[:3]]
    return QuorumCert(data, compute_bitfield([0, 1, 2], 4), NET.scheme.aggregate(sigs))


# (message, path to a signature inside its wire object)
SIGNATURE_FIELDS = {
    "vote": (_first(Vote), [2]),
    "timeout": (_first(Timeout), [4]),
    "proposal": (_first(Proposal), [1]),
    "randao reveal": (_first(Proposal), [0, 10]),
    "qc": (_signed_qc(), [2]),
    "tc": (_first(Proposal, _with_tc), [2, 4]),
    "timeout's tc": (_first(Timeout, _with_tc), [5, 4]),
}


def _encode_with(message: Any, path: list[int], value: object) -> bytes:
    obj = to_obj(message)
    inner = obj
    for step in path[:-1]:
        inner = inner[step]
    inner[path[-1]] = value
    packed: bytes = msgpack.packb([encode_kind(message), obj], use_bin_type=True)
    return packed


@pytest.mark.parametrize("field", SIGNATURE_FIELDS)
@pytest.mark.parametrize("length", [0, 95, 97])
def test_signatures_must_be_exactly_96_bytes(field: str, length: int) -> None:
    message, path = SIGNATURE_FIELDS[field]
    assert decode_message(_encode_with(message, path, b"\x01" * 96)) is not None
    with pytest.raises(DecodeError, match="96 bytes"):
        decode_message(_encode_with(message, path, b"\x01" * length))


def test_public_keys_must_be_exactly_48_bytes() -> None:
    assert pubkey(b"\x01" * 48) == b"\x01" * 48
    for bad in (b"\x01" * 47, b"\x01" * 49, "key"):
        with pytest.raises(DecodeError, match="48 bytes"):
            pubkey(bad)


def test_the_unsigned_genesis_qc_and_block_round_trip() -> None:
    for item in (NET.genesis_qc, NET.genesis):
        assert decode_message(encode_message(item)) == item  # type: ignore[arg-type]
    signed_bits = [7, [to_obj(NET.genesis_qc.vote_data), b"\x01", b""]]
    with pytest.raises(DecodeError, match="QC signature"):
        decode_message(msgpack.packb(signed_bits, use_bin_type=True))


@pytest.mark.parametrize(
    ("signers", "rounds", "match"),
    [([0, 1], [0], "2 signers and 1"), ([], [], "0 signers"), ([1 << 16], [0], "validator index")],
)
def test_tc_arrays_are_checked(signers: list[int], rounds: list[int], match: str) -> None:
    tc = _first(Proposal, _with_tc).tc
    obj = [8, [*to_obj(tc)[:2], signers, rounds, *to_obj(tc)[4:]]]
    with pytest.raises(DecodeError, match=match):
        decode_message(msgpack.packb(obj, use_bin_type=True))


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.binary(max_size=100),
    st.text(max_size=5), st.floats(allow_nan=True),
)  # fmt: skip
_trees = st.recursive(_leaves, lambda inner: st.lists(inner, max_size=12), max_leaves=60)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 9), _trees)
def test_structured_garbage_raises_decode_error_only(kind: int, body: object) -> None:
    with contextlib.suppress(DecodeError):
        decode_message(msgpack.packb([kind, body], use_bin_type=True))


def _leaf_paths(obj: Any, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    if not isinstance(obj, list):
        return [path]
    return [path, *(p for i, item in enumerate(obj) for p in _leaf_paths(item, (*path, i)))]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(MESSAGES), st.data())
def test_any_field_replaced_raises_decode_error_or_decodes(message: Any, data: Any) -> None:
    obj = [encode_kind(message), to_obj(message)]
    path = data.draw(st.sampled_from(_leaf_paths(obj)))
    value = data.draw(_trees)
    if not path:
        obj = value
    else:
        inner = obj
        for step in path[:-1]:
            inner = inner[step]
        inner[path[-1]] = value
    with contextlib.suppress(DecodeError):
        decode_message(msgpack.packb(obj, use_bin_type=True))
