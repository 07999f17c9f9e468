"""zkpov.crypto.schnorr: Jubjub Schnorr with a Poseidon challenge."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.crypto import poseidon, schnorr
from zkpov.errors import DecodeError, LimitExceededError

KEYS = schnorr.generate_keypair()
SIG = schnorr.sign(KEYS.secret_key, 42)


def test_sign_and_verify() -> None:
    assert schnorr.verify(KEYS.public_key, 42, SIG)
    assert len(SIG) == schnorr.SIGNATURE_BYTES
    assert len(KEYS.public_key) == schnorr.PUBLIC_KEY_BYTES


def test_wrong_message_or_key_fails() -> None:
    assert not schnorr.verify(KEYS.public_key, 43, SIG)
    other = schnorr.generate_keypair()
    assert not schnorr.verify(other.public_key, 42, SIG)


def test_keys_come_from_the_os_rng_and_signing_is_deterministic() -> None:
    assert schnorr.generate_secret_key() != schnorr.generate_secret_key()
    assert schnorr.sign(KEYS.secret_key, 7) == schnorr.sign(KEYS.secret_key, 7)
    assert schnorr.sign(KEYS.secret_key, 7) != schnorr.sign(KEYS.secret_key, 8)


def test_challenge_is_poseidon_over_r_pk_and_message() -> None:
    # s G - c A == R with c = hash_n([R.x, R.y, A.x, A.y, m]): changing any input breaks it,
    # and the coordinates the circuit sees are in the field.
    x, y = schnorr.get_public_key_coordinates(KEYS.public_key)
    assert 0 <= x < poseidon.MODULUS and 0 <= y < poseidon.MODULUS
    r_x, r_y = schnorr.get_public_key_coordinates(SIG[:32])
    assert poseidon.hash_n([r_x, r_y, x, y, 42]) != poseidon.hash_n([r_x, r_y, x, y, 43])


def test_every_flipped_signature_bit_is_rejected() -> None:
    for i in range(0, schnorr.SIGNATURE_BYTES * 8, 7):
        bad = bytearray(SIG)
        bad[i // 8] ^= 1 << (i % 8)
        with contextlib.suppress(DecodeError):
            assert not schnorr.verify(KEYS.public_key, 42, bytes(bad))


@pytest.mark.parametrize(
    "sk", [b"", b"\x00" * 32, b"\xff" * 32, b"\x01" * 31], ids=["empty", "zero", "big", "short"]
)
def test_bad_secret_keys_raise_decode_error(sk: bytes) -> None:
    with pytest.raises(DecodeError):
        schnorr.sign(sk, 1)


def test_identity_and_bad_points_are_rejected() -> None:
    identity = (1).to_bytes(32, "little")  # y = 1, x = 0
    with pytest.raises(DecodeError, match="identity"):
        schnorr.verify(identity, 1, SIG)
    with pytest.raises(DecodeError):
        schnorr.verify(b"\x02" * 32, 1, SIG)
    with pytest.raises(DecodeError):
        schnorr.verify(KEYS.public_key, poseidon.MODULUS, SIG)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.binary(min_size=64, max_size=64), st.binary(max_size=40))
def test_decoders_raise_only_decode_error(data: bytes, sig: bytes, pk: bytes) -> None:
    checks: tuple[tuple[Callable[[], object], Callable[[object], bool]], ...] = (
        (lambda: schnorr.verify(KEYS.public_key, 1, data), lambda r: isinstance(r, bool)),
        (lambda: schnorr.verify(KEYS.public_key, 1, sig), lambda r: isinstance(r, bool)),
        (lambda: schnorr.verify(pk, 1, SIG), lambda r: isinstance(r, bool)),
        (lambda: schnorr.sk_to_pk(pk), lambda r: isinstance(r, bytes) and len(r) == 32),
    )
    for fn, is_expected in checks:
        try:
            assert is_expected(fn())
        except DecodeError as err:
            assert str(err)


# -- batch verification -------------------------------------------------------------------------

BATCH_KEYS = [schnorr.generate_keypair() for _ in range(3)]


def single_verdict(public_key: bytes, message: int, signature: bytes) -> bool:
    """``verify``'s answer, with an undecodable item counted as invalid (as the batch does)."""
    try:
        return schnorr.verify(public_key, message, signature)
    except DecodeError:
        return False


def flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


def make_item(key: int, message: int, corruption: str, bit: int) -> tuple[bytes, int, bytes]:
    keys = BATCH_KEYS[key]
    sig = schnorr.sign(keys.secret_key, message)
    if corruption == "s":
        return keys.public_key, message, sig[:32] + flip_bit(sig[32:], bit)
    if corruption == "R":
        return keys.public_key, message, flip_bit(sig[:32], bit) + sig[32:]
    if corruption == "key":
        return BATCH_KEYS[(key + 1) % 3].public_key, message, sig
    if corruption == "garbage_key":
        return flip_bit(keys.public_key, bit), message, sig
    if corruption == "message":
        return keys.public_key, (message + 1) % poseidon.MODULUS, sig
    return keys.public_key, message, sig


ITEMS = st.tuples(
    st.integers(0, 2),
    st.integers(0, poseidon.MODULUS - 1),
    st.sampled_from(["none", "none", "none", "s", "R", "key", "garbage_key", "message"]),
    st.integers(0, 255),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ITEMS, max_size=12))
def test_batch_agrees_with_single_verify(specs: list[tuple[int, int, str, int]]) -> None:
    items = [make_item(*spec) for spec in specs]
    assert schnorr.batch_verify(items) == [single_verdict(*item) for item in items]


@pytest.mark.parametrize("corruption", ["s", "R", "key", "garbage_key", "message"])
def test_one_corrupted_item_among_valid_ones_is_found(corruption: str) -> None:
    items = [make_item(i % 3, 1000 + i, "none", 0) for i in range(20)]
    items[13] = make_item(1, 5, corruption, 3)
    want = [True] * 20
    want[13] = False
    assert schnorr.batch_verify(items) == want


def test_batch_counts_undecodable_items_invalid_without_raising() -> None:
    good, pk, identity = (KEYS.public_key, 42, SIG), KEYS.public_key, (1).to_bytes(32, "little")
    items = [good, (pk, poseidon.MODULUS, SIG), (b"", 42, SIG), (b"\x02" * 32, 42, SIG),
             (pk, 42, SIG[:63]), (identity, 42, SIG), good]  # fmt: skip
    assert schnorr.batch_verify(items) == [True, False, False, False, False, False, True]
    assert schnorr.batch_verify([]) == []


def test_batch_length_is_capped() -> None:
    junk = (b"", 0, b"")  # undecodable: cheap to check
    assert schnorr.batch_verify([junk] * schnorr.MAX_BATCH) == [False] * schnorr.MAX_BATCH
    with pytest.raises(LimitExceededError, match=f"at most {schnorr.MAX_BATCH}"):
        schnorr.batch_verify([junk] * (schnorr.MAX_BATCH + 1))
