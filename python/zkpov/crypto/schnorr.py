"""Schnorr signatures over Jubjub (``ed_on_bls12_381``) with a Poseidon challenge: account keys.

* Secret keys are 32 little-endian bytes, a Jubjub scalar in ``[1, r_J)``, drawn from the OS RNG.
* Public keys are 32-byte compressed Edwards points (``y`` with the sign of ``x`` in the top bit);
  decoding checks the curve and the prime-order subgroup and rejects the identity.
* Messages are BLS12-381 scalars (ints in ``[0, r)``), so circuits hash them natively.
* ``sign``: ``k = SHA-512("zkpov/schnorr/nonce" || sk || m) mod r_J`` (deterministic),
  ``R = k G``, ``c = poseidon.hash_n([R.x, R.y, A.x, A.y, m])``, ``s = k + c sk mod r_J``.
  A signature is 64 bytes: compressed ``R`` then ``s`` (32 little-endian bytes, ``< r_J``).
* ``verify`` checks ``s G - c A == R``; the transfer circuit checks the same equation.
* ``batch_verify`` checks up to :data:`MAX_BATCH` signatures with one multi-scalar
  multiplication, ``(sum z_i s_i) G - sum (z_i c_i) A_i - sum z_i R_i == 0`` for random 128-bit
  ``z_i``, and checks each alone only when that fails: the same verdicts as ``verify``.

Undecodable keys or signatures raise ``DecodeError`` saying what was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpov import _native

__all__ = [
    "MAX_BATCH",
    "PUBLIC_KEY_BYTES",
    "SECRET_KEY_BYTES",
    "SIGNATURE_BYTES",
    "Keypair",
    "batch_verify",
    "generate_keypair",
    "generate_secret_key",
    "get_public_key_coordinates",
    "sign",
    "sk_to_pk",
    "verify",
]

SECRET_KEY_BYTES = 32
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
MAX_BATCH = 4096  # rust/schnorr_batch.rs MAX_BATCH


@dataclass(frozen=True)
class Keypair:
    """An account key pair. ``repr`` leaves the secret out."""

    secret_key: bytes
    public_key: bytes

    def __repr__(self) -> str:
        return f"Keypair(public_key={self.public_key.hex()})"


def generate_secret_key() -> bytes:
    """A fresh secret key from the OS RNG."""
    return _native.schnorr_generate_secret_key()


def sk_to_pk(secret_key: bytes) -> bytes:
    return _native.schnorr_public_key(secret_key)


def generate_keypair() -> Keypair:
    sk = generate_secret_key()
    return Keypair(secret_key=sk, public_key=sk_to_pk(sk))


def sign(secret_key: bytes, message: int) -> bytes:
    """Signs a field-element message (an int in ``[0, r)``)."""
    return _native.schnorr_sign(secret_key, message)


def verify(public_key: bytes, message: int, signature: bytes) -> bool:
    """True iff ``signature`` is valid; ``DecodeError`` if a key or signature does not decode."""
    return _native.schnorr_verify(public_key, message, signature)


def batch_verify(items: Sequence[tuple[bytes, int, bytes]]) -> list[bool]:
    """One verdict per ``(public_key, message, signature)``, as ``verify`` gives it, except that
    an item that does not decode (or a message outside ``[0, r)``) is ``False`` rather than an
    error. ``LimitExceededError`` for more than :data:`MAX_BATCH` items."""
    return _native.schnorr_batch_verify(list(items))


def get_public_key_coordinates(public_key: bytes) -> tuple[int, int]:
    """The affine ``(x, y)`` of a public key, as the circuits see it."""
    return _native.schnorr_public_key_coordinates(public_key)
