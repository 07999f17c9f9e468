"""zkpov.crypto.vk_json: the exported key's coordinates, checked against py_ecc."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support.py_ecc_ref import FQ, FQ2, decompress_G1, decompress_G2, normalize
from tests.support.py_ecc_ref import is_on_curve as py_ecc_is_on_curve
from zkpov.crypto import curve_points as cp
from zkpov.crypto import snark, vk_json
from zkpov.errors import DecodeError

CONFIG = snark.CircuitConfig(1, 2)


@pytest.fixture(scope="module")
def vk() -> snark.VerifyingKey:
    return snark.insecure_setup(CONFIG, b"vk-json")[1]


@pytest.fixture
def doc(vk: snark.VerifyingKey) -> dict[str, Any]:
    encoded = vk_json.encode_vk_json(vk_json.get_vk_points(vk, CONFIG.circuit_id))
    return json.loads(json.dumps(encoded))


def g1_of(data: bytes) -> list[str]:
    x, y = normalize(decompress_G1(int.from_bytes(data, "big")))
    return [f"0x{int(x):096x}", f"0x{int(y):096x}"]


def g2_of(data: bytes) -> list[list[str]]:
    z = (int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big"))
    x, y = normalize(decompress_G2(z))
    return [[f"0x{c:096x}" for c in x.coeffs], [f"0x{c:096x}" for c in y.coeffs]]


def test_coordinates_are_py_ecc_s(vk: snark.VerifyingKey, doc: dict[str, Any]) -> None:
    data = vk.to_bytes()
    assert doc["alpha_g1"] == g1_of(data[:48])
    assert [doc["beta_g2"], doc["gamma_g2"], doc["delta_g2"]] == [
        g2_of(data[48:144]), g2_of(data[144:240]), g2_of(data[240:336])
    ]  # fmt: skip
    assert doc["ic"] == [g1_of(data[344 + 48 * i : 392 + 48 * i]) for i in range(4)]
    x, y = (FQ2([int(c, 16) for c in part]) for part in doc["delta_g2"])
    assert py_ecc_is_on_curve((x, y, FQ2.one()), FQ2([4, 4]))
    assert py_ecc_is_on_curve((FQ(int(doc["ic"][1][0], 16)), FQ(int(doc["ic"][1][1], 16)),
                               FQ.one()), FQ(4))  # fmt: skip


def test_header_fields(vk: snark.VerifyingKey, doc: dict[str, Any]) -> None:
    assert doc["format"] == "zkpov-groth16-vk/1"
    assert doc["circuit_id"] == CONFIG.circuit_id
    assert doc["public_input_count"] == 3
    assert doc["key_sha256"] == vk_json.get_vk_points(vk, CONFIG.circuit_id).key_sha256


def test_round_trip(vk: snark.VerifyingKey, doc: dict[str, Any]) -> None:
    points = vk_json.decode_vk_json(doc)
    assert points.key == vk
    assert points.circuit_id == CONFIG.circuit_id


def negate_y(doc: dict[str, Any]) -> None:
    doc["alpha_g1"][1] = f"0x{cp.FIELD_MODULUS - int(doc['alpha_g1'][1], 16):096x}"


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda d: d.update(extra=1), "exactly the fields"),
        (lambda d: d.update(format="zkpov-groth16-vk/2"), "format"),
        (lambda d: d.update(public_input_count=4), "ic must hold"),
        (lambda d: d.update(public_input_count=True), "public_input_count"),
        (lambda d: d["ic"].pop(), "ic must hold"),
        (lambda d: d.update(key_sha256="00" * 32), "key_sha256 does not match"),
        (lambda d: d.update(circuit_id="xyz"), "circuit_id"),
        (lambda d: d["beta_g2"][0].reverse(), r"key_sha256 does not match|curve|subgroup|decode"),
        (lambda d: d["alpha_g1"].__setitem__(0, "0x12"), "96 lower-case hex"),
        (lambda d: d["alpha_g1"].__setitem__(0, "0x" + "f" * 96), "not below the field modulus"),
        (negate_y, "key_sha256 does not match"),
    ],
)
def test_tampered_documents_are_refused(doc: dict[str, Any], tamper: Any, why: str) -> None:
    bad = copy.deepcopy(doc)
    tamper(bad)
    with pytest.raises(DecodeError, match=why):
        vk_json.decode_vk_json(bad)


def test_a_y_that_is_not_the_keys_is_refused(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    y = int(bad["ic"][0][1], 16) + 1
    bad["ic"][0][1] = f"0x{y:096x}"  # same sign bit in most cases, same compressed bytes
    with pytest.raises(DecodeError, match=r"not the points|key_sha256"):
        vk_json.decode_vk_json(bad)
