"""Wire encoding: round trips, and DecodeError (never another exception) on bad bytes."""

from __future__ import annotations

import contextlib

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.consensus.consensus_helpers import Router, make_net
from zkpov.consensus.codec import decode_message, encode_message
from zkpov.consensus.messages import BlockRequest, BlockResponse
from zkpov.errors import DecodeError

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
