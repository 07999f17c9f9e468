"""The mempool: fee floor, fee priority across senders, nonce order within a sender, eviction of
the cheapest transfer when full, staleness and size caps (real Schnorr-signed transfers)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.state import AccountState, InvalidTransfer, Transfer, sign_transfer
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError
from zkpov.node.state.mempool import Mempool

DEPTH = 8
KEYS = [schnorr.generate_keypair() for _ in range(3)]
TARGET = schnorr.generate_keypair()


def state() -> AccountState:
    s = AccountState(DEPTH)
    for i, key in enumerate(KEYS):
        s.credit(i + 1, key.public_key, 1000)
    return s


def tx(sender: int, nonce: int, fee: int, amount: int = 1) -> Transfer:
    key = KEYS[sender - 1]
    return sign_transfer(key.secret_key, sender, 100, TARGET.public_key, amount, nonce, fee)


def test_the_fee_floor_refuses_cheap_transfers() -> None:
    pool = Mempool(min_fee=2)
    result = pool.add(tx(1, 1, fee=1).to_bytes())
    assert not result.accepted and "below the minimum 2" in result.reason
    assert pool.add(tx(1, 1, fee=2).to_bytes()).accepted


def test_higher_fees_go_first_but_each_sender_keeps_nonce_order() -> None:
    pool = Mempool()
    for t in (tx(1, 1, fee=1), tx(1, 2, fee=50), tx(2, 1, fee=10), tx(3, 1, fee=5)):
        assert pool.add(t.to_bytes()).accepted
    chosen = pool.select(state(), 4)
    assert [(t.sender, t.nonce) for t in chosen] == [(2, 1), (3, 1), (1, 1), (1, 2)]
    assert [(t.sender, t.nonce) for t in pool.select(state(), 2)] == [(2, 1), (3, 1)]


def test_a_replaced_nonce_does_not_block_the_senders_later_transfers() -> None:
    pool = Mempool()
    for t in (tx(1, 1, fee=1), tx(1, 1, fee=9), tx(1, 2, fee=1)):
        pool.add(t.to_bytes())
    chosen = pool.select(state(), 3)
    assert [(t.nonce, t.fee) for t in chosen] == [(1, 9), (2, 1)]


def test_a_full_pool_evicts_the_cheapest_only_for_a_better_fee() -> None:
    pool = Mempool(max_txs=2)
    cheap, mid = tx(1, 1, fee=1), tx(2, 1, fee=5)
    pool.add(cheap.to_bytes())
    pool.add(mid.to_bytes())
    refused = pool.add(tx(3, 1, fee=1).to_bytes())
    assert not refused.accepted and "full" in refused.reason
    assert pool.add(tx(3, 1, fee=6).to_bytes()).accepted
    assert len(pool) == 2
    assert {t.sender for t in pool.select(state(), 5)} == {2, 3}


def test_the_fee_is_debited_with_the_amount() -> None:
    s = state()
    s.apply_transfers([tx(1, 1, fee=7, amount=3)])
    account = s.get_account(1)
    assert account is not None and account.balance == 1000 - 3 - 7
    with pytest.raises(InvalidTransfer, match="plus fee"):
        s.apply_transfers([tx(1, 2, fee=990, amount=1)])


def test_stale_and_committed_transfers_leave() -> None:
    pool = Mempool()
    first, second = tx(1, 1, fee=1), tx(1, 2, fee=1)
    pool.add(first.to_bytes())
    pool.add(second.to_bytes())
    s = state()
    s.apply_transfers([first])
    assert pool.remove_stale(s) == 1
    pool.remove([second.to_bytes()])
    assert len(pool) == 0


@settings(max_examples=50)
@given(st.binary(max_size=200))
def test_garbage_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        Mempool().add(data)


def test_transfer_bytes_carry_the_fee() -> None:
    t = tx(2, 1, fee=12345)
    assert Transfer.from_bytes(t.to_bytes()) == t
    assert t.fee == 12345
    tampered = Transfer(t.sender, t.recipient, t.recipient_public_key, t.amount, t.nonce,
                        t.signature, fee=1)  # fmt: skip
    with pytest.raises(InvalidTransfer, match="signature"):
        state().apply_transfers([tampered])
