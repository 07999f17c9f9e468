"""Selection over pending runs on a proposal's parent state: nonce resumption, the parent's
balance, recipient keys and balances within one batch (each batch checked by the real apply)."""

from __future__ import annotations

from tests.node.state.test_mempool import OTHER, TARGET, tx
from tests.node.state.test_mempool import fresh_state as parent
from zkpov.chain.state import MAX_AMOUNT
from zkpov.node.state.selection import select_transfers


def test_a_sender_stops_where_the_parents_balance_runs_out() -> None:
    state = parent()
    runs = {1: [tx(1, 1, amount=600), tx(1, 2, amount=600)], 2: [tx(2, 1, fee=0)]}
    chosen = select_transfers(runs, state, 10)
    assert [(t.sender, t.nonce) for t in chosen] == [(1, 1), (2, 1)]
    state.apply_transfers(chosen)


def test_one_batch_never_gives_an_empty_slot_two_keys() -> None:
    state = parent()
    runs = {1: [tx(1, 1, fee=5, to=200)], 2: [tx(2, 1, fee=4, to=200, to_key=OTHER.public_key)]}
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
