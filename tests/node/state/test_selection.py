"""Selection over pending runs on a proposal's parent state: nonce resumption, the parent's
balance, recipient keys and balances within one batch (each batch checked by the real apply)."""

from __future__ import annotations

from zkpov.chain.state import MAX_AMOUNT, AccountState, Transfer, sign_transfer
from zkpov.crypto import schnorr
from zkpov.node.state.selection import select_transfers

DEPTH = 8
KEYS = [schnorr.generate_keypair() for _ in range(3)]
TARGET, OTHER = schnorr.generate_keypair(), schnorr.generate_keypair()


def parent() -> AccountState:
    s = AccountState(DEPTH)
    for i, key in enumerate(KEYS):
        s.credit(i + 1, key.public_key, 1000)
    return s


def tx(sender: int, nonce: int, fee: int = 1, amount: int = 1, to: int = 100,
       key: bytes = TARGET.public_key) -> Transfer:  # fmt: skip
    return sign_transfer(KEYS[sender - 1].secret_key, sender, to, key, amount, nonce, fee)


def test_a_sender_stops_where_the_parents_balance_runs_out() -> None:
    state = parent()
    runs = {1: [tx(1, 1, amount=600), tx(1, 2, amount=600)], 2: [tx(2, 1, fee=0)]}
    chosen = select_transfers(runs, state, 10)
    assert [(t.sender, t.nonce) for t in chosen] == [(1, 1), (2, 1)]
    state.apply_transfers(chosen)


def test_one_batch_never_gives_an_empty_slot_two_keys() -> None:
    state = parent()
    runs = {1: [tx(1, 1, fee=5, to=200)], 2: [tx(2, 1, fee=4, to=200, key=OTHER.public_key)]}
    chosen = select_transfers(runs, state, 10)
    assert [t.sender for t in chosen] == [1]
    state.apply_transfers(chosen)


def test_a_recipient_balance_never_overflows() -> None:
    state = parent()
    state.credit(100, TARGET.public_key, MAX_AMOUNT - 1)
    chosen = select_transfers({1: [tx(1, 1, amount=1)], 2: [tx(2, 1, amount=1)]}, state, 10)
    assert len(chosen) == 1
    state.apply_transfers(chosen)


def test_runs_the_parent_has_passed_or_not_reached_are_skipped() -> None:
    state = parent()
    state.apply_transfers([tx(1, 1), tx(1, 2)])
    runs = {1: [tx(1, 1), tx(1, 2)], 2: [tx(2, 2)], 3: [tx(3, 1), tx(3, 2)]}
    chosen = select_transfers(runs, state, 10)
    assert [(t.sender, t.nonce) for t in chosen] == [(3, 1), (3, 2)]
    assert select_transfers(runs, state, 1) == chosen[:1]
