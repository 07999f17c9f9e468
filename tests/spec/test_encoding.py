"""Canonical encoding and signer bitfields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkpov.errors import DecodeError
from zkpov.spec.encoding import (
    compute_bitfield,
    compute_signing_root,
    encode_field,
    get_bitfield_indices,
)

fields = st.lists(st.one_of(st.integers(0, 2**64 - 1), st.binary(max_size=40)), max_size=6)


@given(fields, fields)
def test_signing_roots_are_injective(a: list[int | bytes], b: list[int | bytes]) -> None:
    if a != b:
        assert compute_signing_root(b"D", a) != compute_signing_root(b"D", b)


def test_ints_and_bytes_never_collide() -> None:
    assert encode_field(1) != encode_field(b"\x00\x00\x00\x00\x00\x00\x00\x01")
    assert compute_signing_root(b"A", [b"B"]) != compute_signing_root(b"AB", [])


@pytest.mark.parametrize("value", [-1, 2**64])
def test_out_of_range_ints_are_refused(value: int) -> None:
    with pytest.raises(DecodeError):
        encode_field(value)


@given(st.sets(st.integers(0, 99)))
def test_bitfield_round_trip(indices: set[int]) -> None:
    assert list(get_bitfield_indices(compute_bitfield(indices, 100), 100)) == sorted(indices)


@pytest.mark.parametrize(("bitfield", "size"), [(b"\x01", 9), (b"\x00\x02", 9), (b"\x80", 7)])
def test_bad_bitfields_are_decode_errors(bitfield: bytes, size: int) -> None:
    with pytest.raises(DecodeError):
        get_bitfield_indices(bitfield, size)
