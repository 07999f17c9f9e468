"""Poseidon over the BLS12-381 scalar field (t=3, alpha=5, R_F=8, R_P=57, Grain-LFSR constants).

These are the parameters of the reference ``poseidonperm_x5_255_3`` and of the circuits.
Field elements are Python ints in ``[0, r)``; anything else raises ``DecodeError``.

Lane convention:

* ``hash2(a, b) = permute([0, a, b])[1]`` -- lane 0 is the capacity, the inputs fill the two rate
  lanes, the output is the first rate lane (the same as arkworks' ``PoseidonSponge`` with rate 2
  and capacity 1 absorbing ``a, b`` and squeezing one element).
* ``hash_n(xs)`` -- a sponge whose capacity lane starts at ``len(xs)``, so inputs of different
  lengths never collide; each pair is added to lanes 1 and 2, then permuted; output lane 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpov import _native

__all__ = ["MODULUS", "hash2", "hash_n", "parameters", "permute"]

MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
"""r, the order of BLS12-381's prime subgroup (the scalar field)."""


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of a 3-element state."""
    return _native.poseidon_permute(list(state))


def hash2(a: int, b: int) -> int:
    return _native.poseidon_hash2(a, b)


def hash_n(xs: Sequence[int]) -> int:
    return _native.poseidon_hash_n(list(xs))


def parameters() -> tuple[list[list[int]], list[list[int]]]:
    """(round constants, a row of 3 per round; the 3x3 MDS matrix)."""
    return _native.poseidon_parameters()
