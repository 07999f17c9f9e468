"""zkpov.crypto.poseidon: lane convention, domain separation and input checks."""

from __future__ import annotations

import pytest

from zkpov.crypto import poseidon
from zkpov.errors import DecodeError


def test_hash2_is_the_first_rate_lane_of_permute() -> None:
    assert poseidon.hash2(3, 4) == poseidon.permute([0, 3, 4])[1]


def test_hash_n_puts_the_length_in_the_capacity_lane() -> None:
    assert poseidon.hash_n([3, 4]) == poseidon.permute([2, 3, 4])[1]
    assert poseidon.hash_n([5]) != poseidon.hash_n([5, 0])
    assert poseidon.hash_n([]) == poseidon.permute([0, 0, 0])[1]


def test_hash_n_absorbs_pairs_then_permutes() -> None:
    state = poseidon.permute([3, 1, 2])
    state[1] = (state[1] + 7) % poseidon.MODULUS
    assert poseidon.hash_n([1, 2, 7]) == poseidon.permute(state)[1]


@pytest.mark.parametrize("bad", [poseidon.MODULUS, poseidon.MODULUS + 5, 1 << 256, -1])
def test_out_of_range_elements_are_rejected(bad: int) -> None:
    with pytest.raises(DecodeError):
        poseidon.hash2(bad, 0)


def test_non_int_is_rejected() -> None:
    with pytest.raises(DecodeError):
        poseidon.hash2("1", 0)  # type: ignore[arg-type]


def test_modulus_minus_one_is_accepted() -> None:
    assert 0 <= poseidon.hash2(poseidon.MODULUS - 1, 0) < poseidon.MODULUS


@pytest.mark.parametrize("width", [0, 2, 4])
def test_permute_needs_three_elements(width: int) -> None:
    with pytest.raises(DecodeError, match="3 elements"):
        poseidon.permute([0] * width)
