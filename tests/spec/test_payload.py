"""The circuit's public inputs have one order, and the block-shape rule needs no state."""

from __future__ import annotations

from zkpov.spec.payload import compute_public_inputs, compute_root_bytes


def test_public_inputs_are_parent_root_post_root_commitment_big_endian() -> None:
    parent, post = compute_root_bytes(5), compute_root_bytes(2**200 + 9)
    assert compute_public_inputs(parent, post, 77) == (5, 2**200 + 9, 77)


def test_roots_are_32_bytes_big_endian() -> None:
    assert compute_root_bytes(1) == bytes(31) + b"\x01"
    assert compute_root_bytes(b"\x02" * 32) == b"\x02" * 32
