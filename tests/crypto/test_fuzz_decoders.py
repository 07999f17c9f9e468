"""Hypothesis fuzzes every BLS and Poseidon decoder and verifier with random bytes and lengths.

The contract: decoders raise ``DecodeError`` (never another exception, never a panic), and
verifiers return a plain bool.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.crypto import bls, poseidon
from zkpov.errors import DecodeError
from zkpov.spec.signing import BlsScheme

SK = bls.keygen(b"\x07" * 32)
PK = bls.sk_to_pk(SK)
SIG = bls.sign(SK, b"msg")

# Random bytes around every interesting length, plus mutations of valid encodings.
any_bytes = st.binary(min_size=0, max_size=200)


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    def flip(data: tuple[int, int]) -> bytes:
        pos, bit = data
        out = bytearray(valid)
        out[pos % len(out)] ^= 1 << (bit % 8)
        return bytes(out)

    return st.tuples(st.integers(0, 1000), st.integers(0, 7)).map(flip)


pk_like = st.one_of(any_bytes, st.binary(min_size=48, max_size=48), mutated(PK))
sig_like = st.one_of(any_bytes, st.binary(min_size=96, max_size=96), mutated(SIG))
sk_like = st.one_of(any_bytes, st.binary(min_size=32, max_size=32))


def decodes_or_raises(fn: Callable[[], object]) -> None:
    try:
        fn()
    except DecodeError as err:
        assert str(err)


@settings(max_examples=300, deadline=None)
@given(pk_like)
def test_public_key_decoders(data: bytes) -> None:
    decodes_or_raises(lambda: bls.PublicKey.from_bytes(data))
    decodes_or_raises(lambda: bls.check_g1_point(data))
    decodes_or_raises(lambda: bls.KeySet([PK, data]))
    decodes_or_raises(lambda: bls.aggregate_pubkeys([data]))


@settings(max_examples=300, deadline=None)
@given(sig_like)
def test_signature_decoders(data: bytes) -> None:
    decodes_or_raises(lambda: bls.check_g2_point(data))
    decodes_or_raises(lambda: bls.aggregate([SIG, data]))


@settings(max_examples=200, deadline=None)
@given(sk_like, any_bytes)
def test_secret_key_decoders(sk: bytes, msg: bytes) -> None:
    decodes_or_raises(lambda: bls.sk_to_pk(sk))
    decodes_or_raises(lambda: bls.sign(sk, msg))
    decodes_or_raises(lambda: bls.pop_prove(sk))
    decodes_or_raises(lambda: bls.keygen(sk))


@settings(max_examples=200, deadline=None)
@given(pk_like, sig_like, any_bytes)
def test_verifiers_return_bool(pk: bytes, sig: bytes, msg: bytes) -> None:
    assert bls.verify(pk, msg, sig) in (True, False)
    assert bls.pop_verify(pk, sig) in (True, False)
    assert bls.fast_aggregate_verify([pk, PK], msg, sig) in (True, False)
    assert bls.aggregate_verify([pk], [msg], sig) in (True, False)
    assert bls.batch_verify([pk, PK], [msg, b"msg"], [sig, SIG]) in (True, False)
    assert bls.PublicKey(PK).verify(msg, sig) in (True, False)
    assert bls.KeySet([PK]).fast_aggregate_verify([0], msg, sig) in (True, False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-5, max_value=7), max_size=6), any_bytes)
def test_keyset_indices(indices: list[int], msg: bytes) -> None:
    keyset = bls.KeySet([PK, PK, PK])
    ok = keyset.fast_aggregate_verify(indices, msg, SIG)
    decodes_or_raises(lambda: keyset.aggregate_pubkey(indices))
    assert ok in (True, False)


KEYRING = BlsScheme().make_keyring([PK, bls.sk_to_pk(bls.keygen(b"\x08" * 32))])
groups_like = st.lists(st.tuples(st.lists(st.integers(0, 1), max_size=3), any_bytes), max_size=3)


@settings(max_examples=200, deadline=None)
@given(groups_like, sig_like)
def test_keyring_group_check(groups: list[tuple[list[int], bytes]], sig: bytes) -> None:
    """Empty or repeated signer groups and malformed signatures are False, never an error."""
    assert KEYRING.aggregate_verify_groups(groups, sig) in (True, False)
    assert KEYRING.verify(0, b"msg", sig) in (True, False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(2**260), max_value=2**260), max_size=5))
def test_poseidon_inputs(xs: list[int]) -> None:
    decodes_or_raises(lambda: poseidon.permute(xs))
    decodes_or_raises(lambda: poseidon.hash_n(xs))
    if len(xs) >= 2:
        decodes_or_raises(lambda: poseidon.hash2(xs[0], xs[1]))
