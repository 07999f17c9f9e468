"""zkpov.crypto.accounts.check_transfer_signatures: many transfers' signatures in one batch,
each verdict the one the single path (``check_transfer_bytes`` then ``schnorr.verify``) gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.state import Transfer, compute_chain_tag, sign_transfer
from zkpov.crypto import accounts, schnorr
from zkpov.errors import DecodeError, LimitExceededError

KEYS = [schnorr.generate_keypair() for _ in range(3)]
TO = schnorr.generate_keypair().public_key
CHAIN = compute_chain_tag(b"test-accounts")
SIGNED = [
    sign_transfer(k.secret_key, 1, 2, TO, 5, n, 1, chain_tag=CHAIN).to_bytes()
    for k in KEYS
    for n in (1, 2)
]


def single_verdict(tx: bytes, public_key: bytes) -> tuple[bool, str | None]:
    try:
        accounts.check_transfer_bytes(tx)
        t = Transfer.from_bytes_unchecked(tx)
        return schnorr.verify(public_key, t.message(CHAIN), t.signature), None
    except DecodeError as err:
        return False, str(err)


def corrupt(tx: bytes, at: int, mask: int) -> bytes:
    raw = bytearray(tx)
    raw[at % len(raw)] ^= mask
    return bytes(raw)


ITEMS = st.tuples(
    st.sampled_from(SIGNED),
    st.sampled_from([k.public_key for k in KEYS] + [b"\x02" * 32, b""]),
    st.integers(0, 135),
    st.sampled_from([0, 0, 1, 0x80]),  # no change, the low or the top bit of one byte
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ITEMS, max_size=10))
def test_batch_verdicts_agree_with_the_single_path(
    specs: list[tuple[bytes, bytes, int, int]],
) -> None:
    items = [(corrupt(tx, at, mask), key) for tx, key, at, mask in specs]
    assert accounts.check_transfer_signatures(items, CHAIN) == [single_verdict(*i) for i in items]


def test_valid_bad_and_malformed() -> None:
    good, key = SIGNED[0], KEYS[0].public_key
    broken = good[:-64] + b"\xff" * 32 + good[-32:]  # R is not a curve point
    found = accounts.check_transfer_signatures(
        [(good, key), (good, KEYS[1].public_key), (broken, key), (good, b"\x02" * 32), (good, key)],
        CHAIN,
    )
    assert [valid for valid, _ in found] == [True, False, False, False, True]
    assert found[1][1] is None  # a plain bad signature
    assert "signature R" in str(found[2][1]) and "public key" in str(found[3][1])
    assert accounts.check_transfer_signatures([], CHAIN) == []


def test_the_batch_length_is_capped() -> None:
    junk = (b"", b"")
    found = accounts.check_transfer_signatures([junk] * schnorr.MAX_BATCH, CHAIN)
    assert len(found) == schnorr.MAX_BATCH
    with pytest.raises(LimitExceededError):
        accounts.check_transfer_signatures([junk] * (schnorr.MAX_BATCH + 1), CHAIN)


def test_a_transfer_signed_for_another_chain_does_not_verify() -> None:
    key = KEYS[0].public_key
    assert accounts.check_transfer_signatures([(SIGNED[0], key)], CHAIN) == [(True, None)]
    elsewhere = compute_chain_tag(b"another genesis")
    assert accounts.check_transfer_signatures([(SIGNED[0], key)], elsewhere) == [(False, None)]
