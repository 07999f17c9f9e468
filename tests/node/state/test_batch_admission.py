"""The guess of which transfers in a batch will reach the signature check: only those verify
ahead, so junk that fails a cheap check costs no signature work."""

from __future__ import annotations

from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import schnorr
from zkpov.node.state.batch_admission import verify_ahead
from zkpov.node.state.mempool import Mempool, compute_tx_hash

KEYS = [schnorr.generate_keypair() for _ in range(2)]
TARGET, OTHER = schnorr.generate_keypair(), schnorr.generate_keypair()


def make_state() -> AccountState:
    state = AccountState(8)
    for i, key in enumerate(KEYS):
        state.credit(i + 1, key.public_key, 100)
    return state


def tx(sender: int, nonce: int, amount: int = 1, to_key: bytes = TARGET.public_key) -> bytes:
    key = KEYS[sender - 1].secret_key
    return sign_transfer(key, sender, 50, to_key, amount, nonce, 1).to_bytes()


def hashed(*txs: bytes) -> list[tuple[bytes, bytes]]:
    return [(compute_tx_hash(t), t) for t in txs]


def test_a_run_qualifies_and_junk_does_not() -> None:
    state = make_state()
    pool = Mempool(lambda: state, min_fee=1)
    run = [tx(1, 1), tx(1, 2), tx(1, 3)]
    junk = [tx(1, 1), tx(1, 5), tx(2, 1, amount=100), tx(2, 1, to_key=OTHER.public_key), b"x"]
    verdicts = verify_ahead(pool, state, hashed(*run[:2], *junk, run[2]))
    assert verdicts == {compute_tx_hash(t): None for t in run}


def test_pending_transfers_count_and_a_bad_signature_gets_its_verdict() -> None:
    state = make_state()
    pool = Mempool(lambda: state, min_fee=1)
    assert pool.add(tx(1, 1)).accepted
    bad = bytearray(tx(1, 2))
    bad[-32] ^= 1
    verdicts = verify_ahead(pool, state, hashed(tx(1, 1), bytes(bad)))
    (verdict,) = verdicts.values()
    assert list(verdicts) == [compute_tx_hash(bytes(bad))]
    assert verdict is not None and verdict.reason == "bad_signature"
