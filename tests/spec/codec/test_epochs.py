"""zkpov.spec.codec.epochs: endings, epoch-change proofs and requests from a real run round-trip
(on the wire and as stored), still verify after it, and hostile bytes are ``DecodeError``s."""

from __future__ import annotations

import contextlib
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.consensus.epochs.epoch_net import (
    EpochNet,
    make_rotated_net,
)
from zkpov.consensus.epochs.proof import TrustedEpoch, verify_epoch_change_proof
from zkpov.errors import DecodeError
from zkpov.spec.codec.epochs import (
    PROOF_KIND,
    REQUEST_KIND,
    decode_consensus,
    decode_epoch_ending,
    encode_consensus,
    encode_epoch_ending,
    fit_epoch_change_proof,
)
from zkpov.spec.epochs import (
    MAX_EPOCH_CHANGE_PROOF_LENGTH,
    MAX_SUFFIX_BLOCKS,
    EpochChangeProof,
    EpochChangeRequest,
)
from zkpov.spec.messages import BlockResponse
from zkpov.types import Epoch, Height


@pytest.fixture(scope="module")
def net() -> EpochNet:
    return make_rotated_net()


def test_a_real_proof_round_trips_and_still_verifies(net: EpochNet) -> None:
    proof = EpochChangeProof(tuple(net.managers[0].endings))
    decoded = decode_consensus(encode_consensus(proof))
    assert decoded == proof
    trusted = TrustedEpoch(net.first.vset, Height(0))
    assert verify_epoch_change_proof(decoded, trusted, net.scheme).vset.epoch == len(proof.endings)


def test_stored_endings_and_requests_round_trip(net: EpochNet) -> None:
    for ending in net.managers[0].endings:
        assert decode_epoch_ending(encode_epoch_ending(ending)) == ending
    request = EpochChangeRequest(Epoch(7))
    assert decode_consensus(encode_consensus(request)) == request


def _proof_obj(net: EpochNet) -> list[Any]:
    encoded = encode_consensus(EpochChangeProof(tuple(net.managers[0].endings[:1])))
    obj: list[Any] = msgpack.unpackb(encoded, raw=False)
    return obj


def _pack(obj: Any) -> bytes:
    packed: bytes = msgpack.packb(obj, use_bin_type=True)
    return packed


def _set_of(obj: list[Any]) -> list[Any]:
    return obj[1][1][0][3]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda o: o[1].__setitem__(0, 1), "unknown epoch-change proof version"),
        (lambda o: o[1].__setitem__(0, True), "unknown epoch-change proof version"),
        (lambda o: o[1].__setitem__(1, []), "at least one ending"),
        (
            lambda o: o[1].__setitem__(1, o[1][1] * (MAX_EPOCH_CHANGE_PROOF_LENGTH + 1)),
            "exceeds 64",
        ),
        (
            lambda o: o[1][1][0].__setitem__(1, [o[1][1][0][0]] * (MAX_SUFFIX_BLOCKS + 1)),
            "exceeds 16",
        ),
        (lambda o: _set_of(o)[1].append(_set_of(o)[1][0]), "as many distinct"),
        (lambda o: _set_of(o)[1].__setitem__(1, _set_of(o)[1][0]), "as many distinct"),
        (lambda o: _set_of(o).__setitem__(1, []), "as many distinct"),
        (lambda o: _set_of(o)[2].__setitem__(0, b"\x01" * 47), "48 bytes"),
        (lambda o: _set_of(o)[3].__setitem__(0, -1), "uint64"),
        (lambda o: _set_of(o).__setitem__(4, b"short"), "32"),
        (lambda o: o[1][1][0].__setitem__(2, [1, 2]), "array"),
        (lambda o: o[1][1][0].pop(), "array"),
    ],
)
def test_malformed_proofs_are_decode_errors(net: EpochNet, change: Any, said: str) -> None:
    obj = _proof_obj(net)
    change(obj)
    with pytest.raises(DecodeError, match=said):
        decode_consensus(_pack(obj))


def test_a_request_of_another_version_or_a_huge_frame_is_refused() -> None:
    with pytest.raises(DecodeError, match="version"):
        decode_consensus(_pack([REQUEST_KIND, [1, 1]]))
    with pytest.raises(DecodeError, match="uint64"):
        decode_consensus(_pack([REQUEST_KIND, [2, -1]]))
    with pytest.raises(DecodeError, match="at most"):
        decode_consensus(b"\x00" * 32, limit=16)


def test_other_kinds_go_through_the_message_codec(net: EpochNet) -> None:
    response = BlockResponse((net.managers[0].endings[0].block,))
    assert decode_consensus(encode_consensus(response)) == response


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([PROOF_KIND, REQUEST_KIND]),
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.binary(max_size=64),
        lambda inner: st.lists(inner, max_size=6),
        max_leaves=40,
    ),
)
def test_random_bodies_are_decode_errors(kind: int, body: Any) -> None:
    with contextlib.suppress(DecodeError):  # anything else fails the test
        decode_consensus(_pack([kind, body]))


def test_a_proof_is_trimmed_to_what_a_frame_cap_accepts(net: EpochNet) -> None:
    proof = EpochChangeProof(tuple(net.managers[0].endings))
    whole = encode_consensus(proof)
    assert fit_epoch_change_proof(proof, len(whole)) == whole
    trimmed = fit_epoch_change_proof(proof, len(whole) - 1)
    assert trimmed is not None and len(trimmed) < len(whole)
    shorter = decode_consensus(trimmed).endings
    assert 1 <= len(shorter) < len(proof.endings) and shorter == proof.endings[: len(shorter)]
    assert fit_epoch_change_proof(proof, 16) is None
