"""EIP-2537 encodings of zkpov's points: what the BLS12-381 precompiles read.

An Fp element is 64 bytes, big-endian, its top 16 bytes zero; a G1 point is ``x || y`` (128
bytes), a G2 point ``x_c0 || x_c1 || y_c0 || y_c1`` (256 bytes); the point at infinity is all
zeros.
"""

from __future__ import annotations

from zkpov.crypto import curve_points as cp
from zkpov.crypto.snark import PROOF_BYTES
from zkpov.errors import DecodeError

__all__ = ["G1_EVM_BYTES", "G2_EVM_BYTES", "PROOF_EVM_BYTES", "encode_g1", "encode_g2",
           "encode_proof"]  # fmt: skip

G1_EVM_BYTES = 128
G2_EVM_BYTES = 256
PROOF_EVM_BYTES = 2 * G1_EVM_BYTES + G2_EVM_BYTES


def _fp(value: int) -> bytes:
    return value.to_bytes(64, "big")


def encode_g1(point: cp.G1Point) -> bytes:
    if point is None:
        return bytes(G1_EVM_BYTES)
    return _fp(point[0]) + _fp(point[1])


def encode_g2(point: cp.G2Point) -> bytes:
    if point is None:
        return bytes(G2_EVM_BYTES)
    (x0, x1), (y0, y1) = point
    return _fp(x0) + _fp(x1) + _fp(y0) + _fp(y1)


def encode_proof(proof: bytes) -> bytes:
    """A || B || C of a 192-byte zkpov proof (compressed) in the EIP-2537 encoding (512 bytes).

    ``DecodeError`` for a wrong length or a point off the curve; the pairing precompile checks
    the subgroups."""
    if len(proof) != PROOF_BYTES:
        raise DecodeError(f"proof has {len(proof)} bytes, expected {PROOF_BYTES}")
    a, b, c = proof[:48], proof[48:144], proof[144:]
    return (
        encode_g1(cp.decompress_g1(a))
        + encode_g2(cp.decompress_g2(b))
        + encode_g1(cp.decompress_g1(c))
    )
