"""zkpov.crypto.curve_points: decompression checked against py_ecc, an independent library."""

from __future__ import annotations

import pytest

from tests.support.py_ecc_ref import decompress_G1, decompress_G2, normalize
from zkpov.crypto import bls, snark
from zkpov.crypto import curve_points as cp
from zkpov.errors import DecodeError


@pytest.fixture(scope="module")
def vk_bytes() -> bytes:
    return snark.insecure_setup(snark.CircuitConfig(1, 2), b"curve-points")[1].to_bytes()


def g1_points(vk_bytes: bytes) -> list[bytes]:
    keys = [bls.sk_to_pk(bls.keygen(bytes([i]) * 32)) for i in range(4)]
    return [vk_bytes[:48], *[vk_bytes[344 + 48 * i : 392 + 48 * i] for i in range(4)], *keys]


def test_g1_matches_py_ecc(vk_bytes: bytes) -> None:
    for data in g1_points(vk_bytes):
        x, y = normalize(decompress_G1(int.from_bytes(data, "big")))
        assert cp.decompress_g1(data) == (int(x), int(y))
        assert cp.compress_g1(cp.decompress_g1(data)) == data


def test_g2_matches_py_ecc(vk_bytes: bytes) -> None:
    for offset in (48, 144, 240):
        data = vk_bytes[offset : offset + 96]
        z = (int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big"))
        x, y = normalize(decompress_G2(z))
        assert cp.decompress_g2(data) == (tuple(x.coeffs), tuple(y.coeffs))
        assert cp.compress_g2(cp.decompress_g2(data)) == data


def test_negate_g2_flips_the_sign_flag(vk_bytes: bytes) -> None:
    data = vk_bytes[48:144]
    assert (
        cp.compress_g2(cp.negate_g2(cp.decompress_g2(data))) == bytes([data[0] ^ 0x20]) + data[1:]
    )


def test_infinity_round_trips() -> None:
    assert cp.decompress_g1(cp.compress_g1(None)) is None
    assert cp.decompress_g2(cp.compress_g2(None)) is None


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (bytes(47), "47 bytes"),
        (bytes(48), "not in compressed form"),
        (bytes([0xC0]) + bytes(46) + b"\x01", "infinity has non-zero bits"),
        (bytes([0x9F]) + b"\xff" * 47, "not below the field modulus"),
        (bytes([0x80]) + bytes(46) + b"\x03", "not on the curve"),
    ],
)
def test_malformed_g1_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        cp.decompress_g1(data)


def test_g2_on_and_off_the_curve_agrees_with_py_ecc() -> None:
    refused = 0
    for x_c0 in range(1, 12):
        data = bytes([0x80]) + bytes(47) + x_c0.to_bytes(48, "big")
        try:
            ours = cp.decompress_g2(data)
        except DecodeError as exc:
            assert "not on the curve" in str(exc)
            with pytest.raises(ValueError):
                decompress_G2((0x80 << 376, x_c0))
            refused += 1
            continue
        x, y = normalize(decompress_G2((0x80 << 376, x_c0)))
        assert ours == (tuple(x.coeffs), tuple(y.coeffs))
    assert 0 < refused < 11
