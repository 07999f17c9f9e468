"""Signature schemes the consensus core signs and verifies with.

``BlsScheme`` is the real one (``zkpov.crypto.bls``: min_pk, proof of possession). Its results are
cached per process by the bytes of (public keys, message, signature): in the simulator a thousand
nodes verify the same certificate, and only the first pays for the pairing. A cached result is the
same result, so the cache never changes a verdict. (An aggregate check is keyed by the digest of
the validator set's key list plus the signer indices, which name the same public keys; the cache
is read before any key is aggregated.)

``InsecureHashScheme`` is the documented switch that lets large non-crypto runs skip pairings
(docs/design.md, "Simulator and attacks"). Its "signatures" are SHA-256 tags of (public key,
message) that anyone can forge; it still checks that each signature matches its signer and
message, so wrong signers, messages or aggregates are caught, but it is for simulations and tests
only. :func:`check_public_key` is the one check that bytes from outside are a usable BLS key.
"""

from __future__ import annotations

import array
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from zkpov.types import BLSPubkey, BLSSignature

if TYPE_CHECKING:
    from zkpov.crypto.bls import HashedMessage

__all__ = [
    "BlsScheme",
    "InsecureHashScheme",
    "KeyRing",
    "SignatureScheme",
    "check_public_key",
    "get_scheme",
]

_CACHE_LIMIT = 1 << 20
_HASHED_LIMIT = 64  # messages kept hashed to G2 for signing (a few rounds' votes and timeouts)


class KeyRing(Protocol):
    """A validator set's public keys, decoded once."""

    def verify(self, index: int, msg: bytes, sig: bytes) -> bool: ...

    def fast_aggregate_verify(self, indices: Sequence[int], msg: bytes, sig: bytes) -> bool: ...

    def aggregate_verify_groups(
        self, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes
    ) -> bool: ...

    def batch_verify(self, items: Sequence[tuple[int, bytes, bytes]]) -> bool:
        """Every ``(index, msg, sig)`` verifies (one randomized batch check; False if empty)."""
        ...


class SignatureScheme(Protocol):
    """Key generation, signing, aggregation and key rings of one scheme."""

    name: str

    def derive_keypair(self, seed: bytes) -> tuple[bytes, BLSPubkey]: ...

    def sign(self, sk: bytes, msg: bytes) -> BLSSignature: ...

    def aggregate(self, sigs: Sequence[bytes]) -> BLSSignature: ...

    def make_keyring(self, pks: Sequence[bytes]) -> KeyRing: ...


class _Cache:
    def __init__(self) -> None:
        self.results: dict[bytes, bool] = {}
        self.hits = 0

    def get_or_compute(self, key: bytes, compute: Any) -> bool:
        if key in self.results:
            self.hits += 1
            return self.results[key]
        result = bool(compute())
        if len(self.results) >= _CACHE_LIMIT:
            self.results.clear()
        self.results[key] = result
        return result


VERIFICATION_CACHE = _Cache()


def _cache_key(kind: bytes, pks: Sequence[bytes], msgs: Sequence[bytes], sig: bytes) -> bytes:
    digest = hashlib.sha256(kind)
    for part in (*pks, b"|", *msgs, b"|", sig):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.digest()


class _BlsKeyRing:
    def __init__(self, bls: Any, pks: Sequence[bytes]) -> None:
        self._bls = bls
        self._pks = [bytes(pk) for pk in pks]
        self._keyset = bls.KeySet(self._pks)
        self._id = hashlib.sha256(b"".join(self._pks)).digest()  # names the whole key list

    def verify(self, index: int, msg: bytes, sig: bytes) -> bool:
        pk = self._pks[index]
        key = _cache_key(b"v", [pk], [msg], sig)
        return VERIFICATION_CACHE.get_or_compute(key, lambda: self._bls.verify(pk, msg, sig))

    def fast_aggregate_verify(self, indices: Sequence[int], msg: bytes, sig: bytes) -> bool:
        key = _cache_key(b"f", [self._id, array.array("I", indices).tobytes()], [msg], sig)
        return VERIFICATION_CACHE.get_or_compute(
            key, lambda: self._keyset.fast_aggregate_verify(list(indices), msg, sig)
        )

    def aggregate_verify_groups(
        self, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes
    ) -> bool:
        ids = [array.array("I", indices).tobytes() for indices, _ in groups]
        msgs = [msg for _, msg in groups]
        key = _cache_key(b"g", [self._id, *ids], msgs, sig)
        return VERIFICATION_CACHE.get_or_compute(key, lambda: self._verify_groups(groups, sig))

    def batch_verify(self, items: Sequence[tuple[int, bytes, bytes]]) -> bool:
        if not items or any(not 0 <= i < len(self._pks) for i, _, _ in items):
            return False
        pks = [self._pks[i] for i, _, _ in items]
        return bool(self._bls.batch_verify(pks, [m for _, m, _ in items], [s for *_, s in items]))

    def _verify_groups(self, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes) -> bool:
        """Aggregate each group's keys (only on a cache miss), then one aggregate check."""
        try:
            pks = [self._keyset.aggregate_pubkey(list(indices)) for indices, _ in groups]
        except ValueError:  # DecodeError: repeated, out-of-range or no indices
            return False
        return bool(pks) and self._bls.aggregate_verify(pks, [msg for _, msg in groups], sig)


class BlsScheme:
    """Real BLS12-381 signatures through :mod:`zkpov.crypto.bls`, with the per-process cache."""

    name = "bls"

    def __init__(self) -> None:
        from zkpov.crypto import bls

        self._bls = bls
        self._hashed: dict[bytes, HashedMessage] = {}  # bounded by _HASHED_LIMIT

    def derive_keypair(self, seed: bytes) -> tuple[bytes, BLSPubkey]:
        sk = self._bls.keygen(hashlib.sha256(b"zkpov-keygen" + seed).digest())
        return sk, BLSPubkey(self._bls.sk_to_pk(sk))

    def sign(self, sk: bytes, msg: bytes) -> BLSSignature:
        """Signs with the message hashed to G2 once per process (the same bytes as
        ``bls.sign``): in the simulator a thousand validators sign each vote message."""
        return BLSSignature(self._get_hashed(msg).sign(sk))

    def _get_hashed(self, msg: bytes) -> HashedMessage:
        hashed = self._hashed.get(msg)
        if hashed is None:
            if len(self._hashed) >= _HASHED_LIMIT:
                del self._hashed[next(iter(self._hashed))]  # the oldest
            hashed = self._hashed[bytes(msg)] = self._bls.HashedMessage(msg)
        return hashed

    def aggregate(self, sigs: Sequence[bytes]) -> BLSSignature:
        return BLSSignature(self._bls.aggregate(list(sigs)))

    def make_keyring(self, pks: Sequence[bytes]) -> KeyRing:
        return _BlsKeyRing(self._bls, pks)


def _tag(pk: bytes, msg: bytes) -> bytes:
    block = hashlib.sha256(b"zkpov-insecure-sig" + pk + msg).digest()
    return block * 3


def _xor(sigs: Sequence[bytes]) -> bytes:
    acc = 0
    for sig in sigs:
        acc ^= int.from_bytes(sig, "big")
    return acc.to_bytes(96, "big")


class _InsecureKeyRing:
    def __init__(self, pks: Sequence[bytes]) -> None:
        self._pks = [bytes(pk) for pk in pks]

    def verify(self, index: int, msg: bytes, sig: bytes) -> bool:
        return _tag(self._pks[index], msg) == sig

    def fast_aggregate_verify(self, indices: Sequence[int], msg: bytes, sig: bytes) -> bool:
        return bool(indices) and _xor([_tag(self._pks[i], msg) for i in indices]) == sig

    def aggregate_verify_groups(
        self, groups: Sequence[tuple[Sequence[int], bytes]], sig: bytes
    ) -> bool:
        tags = [_tag(self._pks[i], msg) for ids, msg in groups for i in ids]
        return bool(tags) and _xor(tags) == sig

    def batch_verify(self, items: Sequence[tuple[int, bytes, bytes]]) -> bool:
        return bool(items) and all(self.verify(i, msg, sig) for i, msg, sig in items)


class InsecureHashScheme:
    """NOT A SIGNATURE SCHEME: forgeable hash tags that let simulations skip pairings."""

    name = "insecure-hash"

    def derive_keypair(self, seed: bytes) -> tuple[bytes, BLSPubkey]:
        pk = hashlib.sha256(b"zkpov-insecure-pk" + seed).digest() + bytes(16)
        return pk, BLSPubkey(pk)

    def sign(self, sk: bytes, msg: bytes) -> BLSSignature:
        return BLSSignature(_tag(sk, msg))

    def aggregate(self, sigs: Sequence[bytes]) -> BLSSignature:
        return BLSSignature(_xor(sigs))

    def make_keyring(self, pks: Sequence[bytes]) -> KeyRing:
        return _InsecureKeyRing(pks)


def get_scheme(name: str) -> SignatureScheme:
    """``"bls"`` (real) or ``"insecure-hash"`` (pairings skipped; simulations only)."""
    if name == "bls":
        return BlsScheme()
    if name == "insecure-hash":
        return InsecureHashScheme()
    raise ValueError(f"unknown signature scheme {name!r}")


def check_public_key(pubkey: bytes) -> None:
    """``DecodeError`` unless ``pubkey`` is a compressed BLS public key on the curve, in the
    subgroup and not the identity."""
    from zkpov.crypto import bls  # lazily: ``import zkpov.spec`` stays free of the native module

    bls.PublicKey.from_bytes(pubkey)
