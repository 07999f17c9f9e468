"""BLS12-381 points as affine integer coordinates, for tools outside zkpov (JSON, the EVM).

zkpov's keys and proofs hold compressed points in the ZCash encoding (blst's, and arkworks'
for BLS12-381): big-endian x, flags in the top three bits of the first byte (compressed,
infinity, y is the larger root); a G2 x is ``c1 || c0``. This module decompresses them and
compresses them back in pure Python. It checks lengths, flags, ``x < p`` and that the point is
on the curve, but not the subgroup: callers decode through the native module first (keys and
proofs do), which checks it.

A G1 point is ``(x, y)``; a G2 point is ``((x_c0, x_c1), (y_c0, y_c1))`` with ``Fp2 = Fp[i] /
(i^2 + 1)``; ``None`` is the point at infinity.
"""

from __future__ import annotations

from zkpov.errors import DecodeError

__all__ = [
    "FIELD_MODULUS",
    "G1_BYTES",
    "G2_BYTES",
    "SCALAR_MODULUS",
    "Fp2",
    "G1Point",
    "G2Point",
    "compress_g1",
    "compress_g2",
    "decompress_g1",
    "decompress_g2",
    "negate_g2",
]

FIELD_MODULUS = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
SCALAR_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
G1_BYTES = 48
G2_BYTES = 96
P = FIELD_MODULUS

Fp2 = tuple[int, int]
G1Point = tuple[int, int] | None
G2Point = tuple[Fp2, Fp2] | None

_COMPRESSED, _INFINITY, _LARGEST = 0x80, 0x40, 0x20
_B2: Fp2 = (4, 4)


def _fp2_mul(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _fp2_pow(a: Fp2, e: int) -> Fp2:
    result: Fp2 = (1, 0)
    while e:
        if e & 1:
            result = _fp2_mul(result, a)
        a, e = _fp2_mul(a, a), e >> 1
    return result


def _fp2_sqrt(a: Fp2) -> Fp2 | None:
    """A square root in Fp2 (p = 3 mod 4; Adj and Rodriguez-Henriquez, algorithm 9), or None."""
    a1 = _fp2_pow(a, (P - 3) // 4)
    alpha = _fp2_mul(_fp2_mul(a1, a1), a)
    x0 = _fp2_mul(a1, a)
    if alpha == (P - 1, 0):
        root: Fp2 = ((-x0[1]) % P, x0[0])
    else:
        root = _fp2_mul(_fp2_pow(((1 + alpha[0]) % P, alpha[1]), (P - 1) // 2), x0)
    return root if _fp2_mul(root, root) == (a[0] % P, a[1] % P) else None


def _is_largest(y: int) -> bool:
    return y > P - y


def _is_largest_fp2(y: Fp2) -> bool:
    return _is_largest(y[1]) if y[1] else _is_largest(y[0])


def _read_flags(data: bytes, size: int, what: str) -> tuple[bool, bool]:
    """(infinity, largest) from a compressed point's first byte, after the cheap checks."""
    if len(data) != size:
        raise DecodeError(f"{what} point has {len(data)} bytes, expected {size}")
    flags = data[0] & 0xE0
    if not flags & _COMPRESSED:
        raise DecodeError(f"{what} point is not in compressed form")
    infinity, largest = bool(flags & _INFINITY), bool(flags & _LARGEST)
    if infinity and (largest or data[0] & 0x1F or any(data[1:])):
        raise DecodeError(f"{what} point at infinity has non-zero bits")
    return infinity, largest


def _read_coordinate(data: bytes, what: str) -> int:
    value = int.from_bytes(data, "big")
    if value >= P:
        raise DecodeError(f"{what} coordinate is not below the field modulus")
    return value


def decompress_g1(data: bytes) -> G1Point:
    """``(x, y)`` of a 48-byte compressed G1 point (None at infinity); ``DecodeError`` if it is
    malformed or off the curve."""
    infinity, largest = _read_flags(data, G1_BYTES, "G1")
    if infinity:
        return None
    x = _read_coordinate(bytes([data[0] & 0x1F]) + data[1:], "G1")
    rhs = (pow(x, 3, P) + 4) % P
    y = pow(rhs, (P + 1) // 4, P)
    if y * y % P != rhs:
        raise DecodeError("G1 point is not on the curve")
    return (x, P - y if _is_largest(y) != largest else y)


def decompress_g2(data: bytes) -> G2Point:
    """``((x_c0, x_c1), (y_c0, y_c1))`` of a 96-byte compressed G2 point (None at infinity)."""
    infinity, largest = _read_flags(data, G2_BYTES, "G2")
    if infinity:
        return None
    x1 = _read_coordinate(bytes([data[0] & 0x1F]) + data[1:48], "G2")
    x: Fp2 = (_read_coordinate(data[48:], "G2"), x1)
    rhs = _fp2_mul(_fp2_mul(x, x), x)
    y = _fp2_sqrt(((rhs[0] + _B2[0]) % P, (rhs[1] + _B2[1]) % P))
    if y is None:
        raise DecodeError("G2 point is not on the curve")
    if _is_largest_fp2(y) != largest:
        y = ((-y[0]) % P, (-y[1]) % P)
    return (x, y)


def compress_g1(point: G1Point) -> bytes:
    """The 48-byte compressed form of ``point``."""
    if point is None:
        return bytes([_COMPRESSED | _INFINITY]) + bytes(G1_BYTES - 1)
    x, y = point
    data = bytearray(x.to_bytes(G1_BYTES, "big"))
    data[0] |= _COMPRESSED | (_LARGEST if _is_largest(y) else 0)
    return bytes(data)


def compress_g2(point: G2Point) -> bytes:
    """The 96-byte compressed form of ``point``."""
    if point is None:
        return bytes([_COMPRESSED | _INFINITY]) + bytes(G2_BYTES - 1)
    x, y = point
    data = bytearray(x[1].to_bytes(48, "big") + x[0].to_bytes(48, "big"))
    data[0] |= _COMPRESSED | (_LARGEST if _is_largest_fp2(y) else 0)
    return bytes(data)


def negate_g2(point: G2Point) -> G2Point:
    if point is None:
        return None
    x, y = point
    return (x, ((-y[0]) % P, (-y[1]) % P))
