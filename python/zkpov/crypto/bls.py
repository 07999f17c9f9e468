"""BLS signatures over BLS12-381 (min_pk, proof-of-possession scheme), on blst.

Public keys are 48-byte compressed G1 points, signatures 96-byte compressed G2 points, secret keys
32-byte big-endian scalars in ``[1, r)``. Signing uses the Ethereum DST
``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_``; proofs of possession sign the compressed public
key under ``BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_``.

Decoding is strict (``DecodeError`` says what was wrong). The verification functions return
``False`` for anything that does not decode or does not verify, as the Ethereum vectors require.
Keys that are aggregated with :func:`fast_aggregate_verify` must have passed :func:`pop_verify`
at registration (rogue-key defence). For a known validator set, build a :class:`KeySet` once:
its quorum check costs point additions plus one verification instead of one decompression and
subgroup check per key. A message many keys sign or verify (a vote, in a simulation of a
thousand validators) can be hashed to G2 once as a :class:`HashedMessage`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from zkpov import _native
from zkpov.errors import DecodeError

__all__ = [
    "DST_POP",
    "DST_SIG",
    "PUBLIC_KEY_BYTES",
    "SECRET_KEY_BYTES",
    "SIGNATURE_BYTES",
    "HashedMessage",
    "KeySet",
    "PublicKey",
    "aggregate",
    "aggregate_pubkeys",
    "aggregate_verify",
    "batch_verify",
    "check_g1_point",
    "check_g2_point",
    "fast_aggregate_verify",
    "generate_secret_key",
    "hash_to_g2",
    "keygen",
    "pop_prove",
    "pop_verify",
    "sign",
    "sk_to_pk",
    "verify",
]

DST_SIG = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
DST_POP = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
SECRET_KEY_BYTES = 32
PUBLIC_KEY_BYTES = 48
SIGNATURE_BYTES = 96


def keygen(ikm: bytes, key_info: bytes = b"") -> bytes:
    """Derives a secret key from at least 32 bytes of keying material (EIP-2333 KeyGen)."""
    return _native.bls_keygen(ikm, key_info)


def generate_secret_key() -> bytes:
    """A fresh secret key from the operating system's random number generator."""
    return keygen(os.urandom(32))


def sk_to_pk(sk: bytes) -> bytes:
    return _native.bls_sk_to_pk(sk)


def sign(sk: bytes, msg: bytes) -> bytes:
    return _native.bls_sign(sk, msg)


def verify(pk: bytes, msg: bytes, sig: bytes) -> bool:
    return _native.bls_verify(pk, msg, sig)


def aggregate(sigs: Sequence[bytes]) -> bytes:
    """Sums signatures; ``DecodeError`` for an empty list or a signature that does not decode."""
    return _native.bls_aggregate(list(sigs))


def aggregate_pubkeys(pks: Sequence[bytes]) -> bytes:
    """Sums validated public keys; ``DecodeError`` for an empty list or an invalid key."""
    return _native.bls_aggregate_pubkeys(list(pks))


def fast_aggregate_verify(pks: Sequence[bytes], msg: bytes, sig: bytes) -> bool:
    return _native.bls_fast_aggregate_verify(list(pks), msg, sig)


def aggregate_verify(pks: Sequence[bytes], msgs: Sequence[bytes], sig: bytes) -> bool:
    return _native.bls_aggregate_verify(list(pks), list(msgs), sig)


def batch_verify(pks: Sequence[bytes], msgs: Sequence[bytes], sigs: Sequence[bytes]) -> bool:
    """Checks several (key, message, signature) triples at once with random 64-bit blinding."""
    return _native.bls_batch_verify(list(pks), list(msgs), list(sigs))


def pop_prove(sk: bytes) -> bytes:
    return _native.bls_pop_prove(sk)


def pop_verify(pk: bytes, proof: bytes) -> bool:
    return _native.bls_pop_verify(pk, proof)


def check_g1_point(data: bytes) -> None:
    """Raises ``DecodeError`` unless ``data`` is a compressed G1 subgroup point (identity ok)."""
    _native.bls_check_g1_point(data)


def check_g2_point(data: bytes) -> None:
    """Raises ``DecodeError`` unless ``data`` is a compressed G2 subgroup point (identity ok)."""
    _native.bls_check_g2_point(data)


def hash_to_g2(msg: bytes, dst: bytes) -> bytes:
    """RFC 9380 hash to G2; the uncompressed point ``x.c1 | x.c0 | y.c1 | y.c0`` (192 bytes)."""
    return _native.bls_hash_to_g2(msg, dst)


class PublicKey:
    """A public key validated once (on curve, in subgroup, not the identity)."""

    __slots__ = ("_key",)

    def __init__(self, data: bytes) -> None:
        self._key = _native.BlsPublicKey(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        return cls(data)

    def to_bytes(self) -> bytes:
        return self._key.to_bytes()

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return self._key.verify(msg, sig)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"PublicKey({self.to_bytes().hex()[:16]}...)"


class KeySet:
    """A validator set's public keys, decoded and validated once, addressed by index."""

    __slots__ = ("_set",)

    def __init__(self, pks: Sequence[bytes]) -> None:
        self._set = _native.BlsKeySet(list(pks))

    def __len__(self) -> int:
        return len(self._set)

    def aggregate_pubkey(self, indices: Sequence[int]) -> bytes:
        """The sum of the keys at ``indices`` (distinct, in range; else ``DecodeError``)."""
        signers = list(indices)
        if min(signers, default=0) < 0:
            raise DecodeError("signer indices must be non-negative")
        return self._set.aggregate_pubkey(signers)

    def fast_aggregate_verify(self, indices: Sequence[int], msg: bytes, sig: bytes) -> bool:
        """``fast_aggregate_verify`` over the keys at ``indices``; repeated or bad indices fail."""
        signers = list(indices)
        if min(signers, default=0) < 0:
            return False
        return self._set.fast_aggregate_verify(signers, msg, sig)


class HashedMessage:
    """A message hashed to G2 (under ``DST_SIG``) once: ``sign`` and ``verify`` give the results
    of :func:`sign` and :func:`verify` on its bytes without hashing it again."""

    __slots__ = ("_hashed", "message")

    def __init__(self, msg: bytes) -> None:
        self.message = bytes(msg)
        self._hashed = _native.BlsHashedMessage(self.message)

    def sign(self, sk: bytes) -> bytes:
        """``DecodeError`` if ``sk`` is not a 32-byte scalar in ``[1, r)``."""
        return self._hashed.sign(sk)

    def verify(self, pk: bytes, sig: bytes) -> bool:
        """False for a key or signature that does not decode, as :func:`verify`."""
        return self._hashed.verify(pk, sig)
