"""Admission checks one at a time: their order (cheap first), the nonce window, and that a
signature is only checked on a transfer that passed everything else."""

from __future__ import annotations

import pytest

from zkpov.chain.state import Account, Transfer, compute_chain_tag, sign_transfer
from zkpov.crypto import schnorr
from zkpov.node.state.admission import (
    DROP_REASONS,
    REJECT_REASONS,
    PendingRun,
    check_cheap,
    check_recipient,
    check_signature,
    check_signatures,
)

KEY, OTHER = schnorr.generate_keypair(), schnorr.generate_keypair()
SENDER = Account(KEY.public_key, balance=100, nonce=4)
CHAIN = compute_chain_tag(b"test-admission")


def tx(nonce: int = 5, amount: int = 10, fee: int = 1) -> Transfer:
    return sign_transfer(KEY.secret_key, 1, 2, OTHER.public_key, amount, nonce, fee, CHAIN)


@pytest.mark.parametrize(
    ("t", "sender", "run", "reason"),
    [
        (tx(fee=0), None, PendingRun(), "fee_too_low"),  # the fee floor comes first
        (tx(), None, PendingRun(), "unknown_sender"),
        (tx(nonce=4), SENDER, PendingRun(), "nonce_too_low"),
        (tx(nonce=5), SENDER, PendingRun(2, 20), "nonce_taken"),
        (tx(nonce=8), SENDER, PendingRun(2, 20), "nonce_gap"),
        (tx(nonce=7), SENDER, PendingRun(2, 20), "sender_cap"),  # cap 2 below
        (tx(nonce=5, amount=100), SENDER, PendingRun(), "insufficient_balance"),
        (tx(nonce=6, amount=80), SENDER, PendingRun(1, 20), "insufficient_balance"),
    ],
)
def test_each_cheap_check(
    t: Transfer, sender: Account | None, run: PendingRun, reason: str
) -> None:
    cap = 2 if reason == "sender_cap" else 16
    found = check_cheap(t, sender, run, min_fee=1, cap=cap)
    assert found is not None and found.reason == reason and found.message
    assert reason in REJECT_REASONS


def test_a_transfer_that_fits_passes() -> None:
    assert check_cheap(tx(nonce=6, amount=79), SENDER, PendingRun(1, 20), 1, 16) is None
    assert check_recipient(tx(), None) is None and check_recipient(tx(), OTHER.public_key) is None
    wrong = check_recipient(tx(), KEY.public_key)
    assert wrong is not None and wrong.reason == "recipient_key_mismatch"
    assert wrong.reason in DROP_REASONS


def test_the_signature_is_verified_under_the_senders_committed_key() -> None:
    good = tx()
    assert check_signature(good, good.to_bytes(), SENDER, CHAIN) is None
    impostor = Account(OTHER.public_key, 100, 4)
    found = check_signature(good, good.to_bytes(), impostor, CHAIN)
    assert found is not None and found.reason == "bad_signature"
    raw = bytearray(good.to_bytes())
    raw[-64:-32] = b"\xff" * 32  # R is not a curve point
    broken = bytes(raw)
    found = check_signature(Transfer.from_bytes_unchecked(broken), broken, SENDER, CHAIN)
    assert found is not None and found.reason == "malformed"


def test_check_signatures_gives_check_signatures_verdicts_in_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good, impostor = tx(), Account(OTHER.public_key, 100, 4)
    flipped = bytearray(good.to_bytes())
    flipped[-32] ^= 1  # the low bit of s
    broken = bytearray(good.to_bytes())
    broken[-64:-32] = b"\xff" * 32  # R is not a curve point
    garbage_key = Account(b"\x02" * 32, 100, 4)
    items = [(good, good.to_bytes(), SENDER), (good, good.to_bytes(), impostor),
             (good, good.to_bytes(), garbage_key)] + [
        (Transfer.from_bytes_unchecked(bytes(raw)), bytes(raw), SENDER) for raw in (flipped, broken)
    ] + [(tx(nonce=n), tx(nonce=n).to_bytes(), SENDER) for n in (6, 7, 8)]  # fmt: skip
    want = [check_signature(*item, CHAIN) for item in items]
    assert [r and r.reason for r in want] == [None, "bad_signature", "malformed", "bad_signature",
                                              "malformed", None, None, None]  # fmt: skip
    assert check_signatures(items, CHAIN) == want
    monkeypatch.setattr(schnorr, "MAX_BATCH", 2)  # several batches, in order
    assert check_signatures(items, CHAIN) == want
    assert check_signatures([], CHAIN) == []


def test_a_transfer_signed_for_another_chain_is_a_bad_signature() -> None:
    good = tx()
    elsewhere = compute_chain_tag(b"another genesis")
    found = check_signature(good, good.to_bytes(), SENDER, elsewhere)
    assert found is not None and found.reason == "bad_signature"
    assert check_signatures([(good, good.to_bytes(), SENDER)], elsewhere) == [found]
