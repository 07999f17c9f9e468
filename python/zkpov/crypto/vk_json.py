"""The verifying key as JSON for other tools: format ``zkpov-groth16-vk/1``.

```
{"format": "zkpov-groth16-vk/1", "curve": "bls12-381", "circuit_id": "<64 hex>",
 "public_input_count": 3, "key_sha256": "<64 hex>",
 "alpha_g1": [x, y], "beta_g2": [[x_c0, x_c1], [y_c0, y_c1]], "gamma_g2": ..., "delta_g2": ...,
 "ic": [[x, y], ...]}
```

Coordinates are affine, ``0x`` and 96 lower-case hex digits (48 bytes, big-endian); ``ic`` has
``public_input_count + 1`` points; ``key_sha256`` is SHA-256 of the key's canonical bytes
(``VerifyingKey.to_bytes()``: the compressed points, 536 bytes for 3 inputs). The Groth16 check
is ``e(A, B) = e(alpha, beta) * e(ic[0] + sum(x_i * ic[i+1]), gamma) * e(C, delta)``.

Decoding is strict: unknown or missing fields, a wrong format, malformed hex, too many inputs,
a point off the curve or the subgroup, or a hash that does not match is a ``DecodeError``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from zkpov.crypto import curve_points as cp
from zkpov.crypto.snark import VerifyingKey
from zkpov.errors import DecodeError

__all__ = [
    "MAX_PUBLIC_INPUTS",
    "VK_FORMAT",
    "VerifyingKeyPoints",
    "decode_vk_json",
    "encode_vk_json",
    "get_vk_points",
]

VK_FORMAT = "zkpov-groth16-vk/1"
MAX_PUBLIC_INPUTS = 64
_FIELDS = {"format", "curve", "circuit_id", "public_input_count", "key_sha256", "alpha_g1",
           "beta_g2", "gamma_g2", "delta_g2", "ic"}  # fmt: skip
_HEX_COORD = re.compile(r"0x[0-9a-f]{96}")
_HEX_32 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class VerifyingKeyPoints:
    """A verifying key's affine points, with the key they came from."""

    key: VerifyingKey
    circuit_id: str
    alpha_g1: tuple[int, int]
    beta_g2: tuple[cp.Fp2, cp.Fp2]
    gamma_g2: tuple[cp.Fp2, cp.Fp2]
    delta_g2: tuple[cp.Fp2, cp.Fp2]
    ic: tuple[tuple[int, int], ...]

    @property
    def public_input_count(self) -> int:
        return len(self.ic) - 1

    @property
    def key_sha256(self) -> str:
        return hashlib.sha256(self.key.to_bytes()).hexdigest()


def _finite_g1(data: bytes, what: str) -> tuple[int, int]:
    point = cp.decompress_g1(data)
    if point is None:
        raise DecodeError(f"verifying key {what} is the point at infinity")
    return point


def _finite_g2(data: bytes, what: str) -> tuple[cp.Fp2, cp.Fp2]:
    point = cp.decompress_g2(data)
    if point is None:
        raise DecodeError(f"verifying key {what} is the point at infinity")
    return point


def get_vk_points(key: VerifyingKey, circuit_id: str) -> VerifyingKeyPoints:
    """Decompresses ``key``'s canonical bytes: alpha, beta, gamma, delta, u64 LE count, IC."""
    data = key.to_bytes()
    count = int.from_bytes(data[336:344], "little")
    if len(data) != 344 + 48 * count or not 1 <= count <= MAX_PUBLIC_INPUTS + 1:
        raise DecodeError(f"verifying key bytes do not hold {count} IC points")
    ic = tuple(_finite_g1(data[344 + 48 * i : 392 + 48 * i], f"ic[{i}]") for i in range(count))
    return VerifyingKeyPoints(
        key, circuit_id, _finite_g1(data[:48], "alpha"), _finite_g2(data[48:144], "beta"),
        _finite_g2(data[144:240], "gamma"), _finite_g2(data[240:336], "delta"), ic,
    )  # fmt: skip


def _hex(value: int) -> str:
    return f"0x{value:096x}"


def _g2_json(point: tuple[cp.Fp2, cp.Fp2]) -> list[list[str]]:
    return [[_hex(point[0][0]), _hex(point[0][1])], [_hex(point[1][0]), _hex(point[1][1])]]


def encode_vk_json(points: VerifyingKeyPoints) -> dict[str, Any]:
    """The ``zkpov-groth16-vk/1`` document of ``points`` (serialize with ``json.dumps``)."""
    return {
        "format": VK_FORMAT, "curve": "bls12-381", "circuit_id": points.circuit_id,
        "public_input_count": points.public_input_count, "key_sha256": points.key_sha256,
        "alpha_g1": [_hex(c) for c in points.alpha_g1], "beta_g2": _g2_json(points.beta_g2),
        "gamma_g2": _g2_json(points.gamma_g2), "delta_g2": _g2_json(points.delta_g2),
        "ic": [[_hex(c) for c in p] for p in points.ic],
    }  # fmt: skip


def _coord(value: Any, where: str) -> int:
    if not isinstance(value, str) or not _HEX_COORD.fullmatch(value):
        raise DecodeError(f"vk {where}: expected 0x and 96 lower-case hex digits")
    if int(value, 16) >= cp.FIELD_MODULUS:
        raise DecodeError(f"vk {where}: coordinate not below the field modulus")
    return int(value, 16)


def _pair(value: Any, where: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise DecodeError(f"vk {where}: expected a list of two")
    return value[0], value[1]


def _g1_bytes(value: Any, where: str) -> bytes:
    x, y = _pair(value, where)
    return cp.compress_g1((_coord(x, where), _coord(y, where)))


def _g2_bytes(value: Any, where: str) -> bytes:
    x, y = (_pair(c, where) for c in _pair(value, where))
    return cp.compress_g2(
        ((_coord(x[0], where), _coord(x[1], where)), (_coord(y[0], where), _coord(y[1], where)))
    )


def _check_header(doc: Any) -> int:
    if not isinstance(doc, dict) or set(doc) != _FIELDS:
        raise DecodeError(f"vk document must hold exactly the fields {sorted(_FIELDS)}")
    if doc["format"] != VK_FORMAT or doc["curve"] != "bls12-381":
        raise DecodeError(f"vk format must be {VK_FORMAT} on bls12-381")
    for name in ("circuit_id", "key_sha256"):
        if not isinstance(doc[name], str) or not _HEX_32.fullmatch(doc[name]):
            raise DecodeError(f"vk {name}: expected 64 lower-case hex digits")
    count = doc["public_input_count"]
    if type(count) is not int or not 0 <= count <= MAX_PUBLIC_INPUTS:
        raise DecodeError(f"vk public_input_count must be an integer in [0, {MAX_PUBLIC_INPUTS}]")
    if not isinstance(doc["ic"], list) or len(doc["ic"]) != count + 1:
        raise DecodeError(f"vk ic must hold public_input_count + 1 = {count + 1} points")
    return count


def decode_vk_json(doc: Any) -> VerifyingKeyPoints:
    """The key of a ``zkpov-groth16-vk/1`` document (parsed JSON), checked point by point."""
    count = _check_header(doc)
    ic = [_g1_bytes(p, f"ic[{i}]") for i, p in enumerate(doc["ic"])]
    data = b"".join(
        [_g1_bytes(doc["alpha_g1"], "alpha_g1")]
        + [_g2_bytes(doc[name], name) for name in ("beta_g2", "gamma_g2", "delta_g2")]
        + [(count + 1).to_bytes(8, "little")] + ic
    )  # fmt: skip
    if hashlib.sha256(data).hexdigest() != doc["key_sha256"]:
        raise DecodeError("vk key_sha256 does not match its points")
    points = get_vk_points(VerifyingKey.from_bytes(data), doc["circuit_id"])
    if encode_vk_json(points) != doc:  # a y that is not x's root on the curve, say
        raise DecodeError("vk coordinates are not the points of the key they compress to")
    return points
