"""The reference Poseidon permutation poseidonperm_x5_255_3 (tests/vectors/poseidon)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import vector_file
from zkpov.crypto import poseidon


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    path = vector_file("poseidon", "poseidonperm_x5_255_3.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def as_ints(values: list[str]) -> list[int]:
    return [int(v, 16) for v in values]


def test_parameters_match_reference(reference: dict[str, Any]) -> None:
    assert int(reference["field_modulus"], 16) == poseidon.MODULUS
    assert (reference["t"], reference["R_F"], reference["R_P"], reference["alpha"]) == (3, 8, 57, 5)


def test_every_round_constant(reference: dict[str, Any]) -> None:
    ark, _ = poseidon.parameters()
    flat = [c for row in ark for c in row]
    assert flat == as_ints(reference["round_constants_flat"])


def test_every_mds_entry(reference: dict[str, Any]) -> None:
    _, mds = poseidon.parameters()
    assert mds == [as_ints(row) for row in reference["mds"]]


def test_known_answer(reference: dict[str, Any]) -> None:
    answer = reference["known_answer"]
    assert poseidon.permute(as_ints(answer["input"])) == as_ints(answer["output"])
    assert as_ints(answer["output"]) == as_ints(reference["expected_from_reference"])
