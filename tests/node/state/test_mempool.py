"""The mempool: admission with a reason for each refusal, per-sender caps, eviction that junk
cannot win, fee priority in selection, and the re-check after a commit (real Schnorr-signed
transfers over a real account tree)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.state import AccountState, Transfer, compute_chain_tag, sign_transfer
from zkpov.crypto import schnorr
from zkpov.node.state.mempool import Mempool

DEPTH = 8
KEYS = [schnorr.generate_keypair() for _ in range(4)]
TARGET = schnorr.generate_keypair()
OTHER = schnorr.generate_keypair()


def fresh_state() -> AccountState:
    s = AccountState(DEPTH)
    for i, key in enumerate(KEYS):
        s.credit(i + 1, key.public_key, 1000)
    return s


def tx(sender: int, nonce: int, fee: int = 1, amount: int = 1, to: int = 100,
       to_key: bytes = TARGET.public_key) -> Transfer:  # fmt: skip
    return sign_transfer(KEYS[sender - 1].secret_key, sender, to, to_key, amount, nonce, fee)


class Chain:
    """The committed state and tx index a mempool reads, with commits applied for real."""

    def __init__(self) -> None:
        self.state, self.committed = fresh_state(), set[bytes]()

    def pool(self, **kwargs: int) -> Mempool:
        self.rejected: list[str] = []
        return Mempool(
            lambda: self.state, is_committed=self.committed.__contains__,
            on_rejected=self.rejected.append, **kwargs,
        )  # fmt: skip

    def commit(self, pool: Mempool, *transfers: Transfer) -> int:
        self.state.apply_transfers(list(transfers))
        raw = [t.to_bytes() for t in transfers]
        self.committed.update(hashlib.sha256(r).digest() for r in raw)
        return pool.on_commit(raw)


def reason(pool: Mempool, t: Transfer | bytes) -> str:
    result = pool.add(t if isinstance(t, bytes) else t.to_bytes())
    assert not result.accepted and result.message
    return result.reason


def flip_bit(t: Transfer) -> bytes:
    raw = bytearray(t.to_bytes())
    raw[-32] ^= 1  # the low bit of the signature's scalar s (little-endian)
    return bytes(raw)


def test_each_refusal_has_its_reason_and_is_counted() -> None:
    chain = Chain()
    pool = chain.pool(min_fee=1)
    first = tx(1, 1)
    assert pool.add(first.to_bytes()).accepted
    assert reason(pool, first) == "duplicate"
    assert reason(pool, b"\x00" * 5) == "malformed"
    assert reason(pool, tx(2, 1, fee=0)) == "fee_too_low"
    assert reason(pool, tx(1, 1, amount=2)) == "nonce_taken"
    assert reason(pool, tx(1, 3)) == "nonce_gap"
    assert reason(pool, tx(2, 1, amount=1000)) == "insufficient_balance"  # 1000 + fee 1
    assert reason(pool, flip_bit(tx(2, 1))) == "bad_signature"
    assert reason(pool, tx(2, 1, to=1, to_key=TARGET.public_key)) == "recipient_key_mismatch"
    unknown = sign_transfer(OTHER.secret_key, 50, 100, TARGET.public_key, 1, 1, 1)
    assert reason(pool, unknown) == "unknown_sender"
    outside = sign_transfer(KEYS[1].secret_key, 2, 1 << DEPTH, TARGET.public_key, 1, 1, 1)
    assert reason(pool, outside) == "malformed"
    assert len(pool) == 1 and len(chain.rejected) == 10
    assert pool.dropped.get(hashlib.sha256(tx(1, 3).to_bytes()).digest()) is not None


def test_pending_debits_count_against_the_balance() -> None:
    pool = Chain().pool()
    assert pool.add(tx(1, 1, amount=600, fee=0).to_bytes()).accepted
    assert reason(pool, tx(1, 2, amount=400, fee=1)) == "insufficient_balance"
    assert pool.add(tx(1, 2, amount=400, fee=0).to_bytes()).accepted


def test_two_pending_transfers_cannot_claim_one_empty_slot_with_different_keys() -> None:
    pool = Chain().pool()
    assert pool.add(tx(1, 1, to=200, to_key=TARGET.public_key).to_bytes()).accepted
    assert reason(pool, tx(2, 1, to=200, to_key=OTHER.public_key)) == "recipient_key_mismatch"
    assert pool.add(tx(2, 1, to=200, to_key=TARGET.public_key).to_bytes()).accepted


def test_the_per_sender_cap() -> None:
    pool = Chain().pool(max_per_sender=3)
    for nonce in (1, 2, 3):
        assert pool.add(tx(1, nonce).to_bytes()).accepted
    assert reason(pool, tx(1, 4)) == "sender_cap"
    assert pool.get_pending_count(1) == 3


def test_eviction_cannot_be_won_by_junk() -> None:
    pool = Chain().pool(max_txs=2)
    pool.add(tx(1, 1, fee=1).to_bytes())
    pool.add(tx(2, 1, fee=5).to_bytes())
    rich_junk = flip_bit(tx(3, 1, fee=900))
    assert reason(pool, rich_junk) == "bad_signature"
    gap = tx(3, 2, fee=900)
    assert reason(pool, gap) == "nonce_gap"
    assert reason(pool, tx(3, 1, fee=1)) == "mempool_full"  # must pay more than the cheapest
    assert len(pool) == 2
    better = tx(3, 1, fee=6)
    assert pool.add(better.to_bytes()).accepted
    victim = pool.dropped.get(hashlib.sha256(tx(1, 1, fee=1).to_bytes()).digest())
    assert victim is not None and victim.reason == "evicted"


def test_eviction_takes_the_victims_last_nonce_and_never_the_newcomers_own() -> None:
    pool = Chain().pool(max_txs=3)
    for t in (tx(1, 1, fee=9), tx(1, 2, fee=1), tx(2, 1, fee=2)):
        assert pool.add(t.to_bytes()).accepted
    assert pool.add(tx(2, 2, fee=3).to_bytes()).accepted  # evicts (1, 2), not its own (2, 1)
    assert pool.get_pending_count(1) == 1 and pool.get_pending_count(2) == 2


def test_higher_fees_go_first_but_each_sender_keeps_nonce_order() -> None:
    chain = Chain()
    pool = chain.pool()
    for t in (tx(1, 1, fee=1), tx(1, 2, fee=50), tx(2, 1, fee=10), tx(3, 1, fee=5)):
        assert pool.add(t.to_bytes()).accepted
    chosen = pool.select(chain.state, 4)
    assert [(t.sender, t.nonce) for t in chosen] == [(2, 1), (3, 1), (1, 1), (1, 2)]
    assert [(t.sender, t.nonce) for t in pool.select(chain.state, 2)] == [(2, 1), (3, 1)]
    chain.state.copy().apply_transfers(chosen)  # the batch applies as selected


def test_a_commit_drops_what_it_committed_and_refuses_replays() -> None:
    chain = Chain()
    pool = chain.pool()
    first, second = tx(1, 1), tx(1, 2)
    pool.add(first.to_bytes())
    pool.add(second.to_bytes())
    assert chain.commit(pool, first) == 0
    assert not pool.is_pending(hashlib.sha256(first.to_bytes()).digest())
    assert reason(pool, first) == "already_committed"
    assert [t.nonce for t in pool.select(chain.state, 5)] == [2]


def test_after_a_commit_the_touched_senders_runs_are_rechecked() -> None:
    chain = Chain()
    pool = chain.pool()
    for nonce in (1, 2, 3):
        pool.add(tx(1, nonce, amount=300, fee=0).to_bytes())
    # another proposer's transfer from sender 1 (not in our pool) lands: nonce 1 is used and the
    # balance (500) covers nonce 2 but no longer nonce 3
    assert chain.commit(pool, tx(1, 1, amount=500, fee=0)) == 2
    nonce_one = pool.dropped.get(hashlib.sha256(tx(1, 1, amount=300, fee=0).to_bytes()).digest())
    assert nonce_one is not None and nonce_one.reason == "nonce_too_low"
    third = pool.dropped.get(hashlib.sha256(tx(1, 3, amount=300, fee=0).to_bytes()).digest())
    assert third is not None and third.reason == "insufficient_balance"
    assert [t.nonce for t in pool.select(chain.state, 5)] == [2]


def test_a_committed_account_with_another_key_drops_the_claims_on_its_slot() -> None:
    chain = Chain()
    pool = chain.pool()
    pool.add(tx(1, 1, to=200, to_key=TARGET.public_key).to_bytes())
    assert chain.commit(pool, tx(2, 1, to=200, to_key=OTHER.public_key)) == 1
    dropped = pool.dropped.get(hashlib.sha256(tx(1, 1, to=200).to_bytes()).digest())
    assert dropped is not None and dropped.reason == "recipient_key_mismatch"


def test_selection_resumes_after_blocks_above_the_committed_root() -> None:
    chain = Chain()
    pool = chain.pool()
    run = [tx(1, n) for n in (1, 2, 3)]
    for t in run:
        pool.add(t.to_bytes())
    parent = chain.state.copy()
    parent.apply_transfers(run[:2])  # an uncommitted ancestor holds nonces 1 and 2
    assert pool.select(parent, 5) == [run[2]]


@settings(max_examples=50)
@given(st.binary(max_size=200))
def test_garbage_is_refused_never_raised(data: bytes) -> None:
    result = Chain().pool().add(data)
    assert not result.accepted and result.reason in {"malformed", "unknown_sender", "fee_too_low"}


@pytest.mark.parametrize("fee", [0, 12345])
def test_transfer_bytes_carry_the_fee(fee: int) -> None:
    t = tx(2, 1, fee=fee)
    assert Transfer.from_bytes(t.to_bytes()) == t == Transfer.from_bytes_unchecked(t.to_bytes())


def test_successive_evictions_take_the_cheapest_each_time() -> None:
    pool = Chain().pool(max_txs=2)
    pool.add(tx(1, 1, fee=1).to_bytes())
    pool.add(tx(2, 1, fee=2).to_bytes())
    assert reason(pool, tx(3, 1, fee=1)) == "mempool_full"  # refused against the cached tails
    assert pool.add(tx(3, 1, fee=3).to_bytes()).accepted  # evicts sender 1's
    assert pool.add(tx(4, 1, fee=4).to_bytes()).accepted  # then sender 2's, not sender 3's
    assert [pool.get_pending_count(s) for s in (1, 2, 3, 4)] == [0, 0, 1, 1]


OPS = st.lists(
    st.tuples(st.sampled_from(["add", "commit"]), st.integers(1, 3), st.integers(1, 4),
              st.integers(0, 600), st.integers(0, 3)),
    max_size=12,
)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(OPS)
def test_whatever_happens_a_selection_applies_and_the_books_agree(
    ops: list[tuple[str, int, int, int, int]],
) -> None:
    chain = Chain()
    pool = chain.pool(max_txs=6, max_per_sender=3)
    for op, sender, nonce, amount, fee in ops:
        if op == "add":
            pool.add(tx(sender, nonce, fee=fee, amount=amount).to_bytes())
        elif chosen := pool.select(chain.state, 2):
            chain.commit(pool, *chosen)
        assert len(pool) == sum(pool.get_pending_count(s) for s in (1, 2, 3)) <= 6
        everything = pool.select(chain.state, 10)
        assert len(everything) == len(pool)  # the pool holds nothing that would not apply
        chain.state.copy().apply_transfers(everything)


def broken_point(t: Transfer) -> bytes:
    raw = bytearray(t.to_bytes())
    raw[-64:-32] = b"\xff" * 32  # R is not a curve point: malformed, found only when decoded
    return bytes(raw)


PALETTE = [
    t.to_bytes()
    for sender in (1, 2, 3) for nonce in (1, 2, 3) for fee in (0, 1, 5)
    for t in (tx(sender, nonce, fee=fee), tx(sender, nonce, fee=fee, amount=600))
] + [
    variant(tx(sender, nonce, fee=2)) for sender in (1, 2) for nonce in (1, 2)
    for variant in (flip_bit, broken_point)
] + [
    tx(sender, 1, to=100, to_key=OTHER.public_key).to_bytes() for sender in (1, 2)
] + [b"\x00" * 7, tx(1, 1, to=1, to_key=TARGET.public_key).to_bytes()]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PALETTE), max_size=4), st.lists(st.sampled_from(PALETTE)))
def test_add_many_admits_and_refuses_exactly_as_add_one_by_one(
    before: list[bytes], batch: list[bytes]
) -> None:
    one, many = Chain(), Chain()
    pools = [chain.pool(max_txs=5, max_per_sender=2, min_fee=1) for chain in (one, many)]
    for pool in pools:
        for data in before:
            pool.add(data)
    assert [pools[0].add(data) for data in batch] == pools[1].add_many(batch)
    assert one.rejected == many.rejected
    assert pools[0].select(one.state, 100) == pools[1].select(many.state, 100)


def test_add_many_refuses_a_bad_signature_and_the_run_after_it() -> None:
    pool = Chain().pool()
    run = [tx(1, 1).to_bytes(), flip_bit(tx(1, 2)), tx(1, 3).to_bytes(), tx(2, 1).to_bytes()]
    results = pool.add_many(run)
    assert [r.reason for r in results] == ["", "bad_signature", "nonce_gap", ""]
    assert [r.accepted for r in results] == [True, False, False, True]


def test_a_transfer_signed_for_another_chain_is_refused_as_a_bad_signature() -> None:
    chain = Chain()
    chain.state.chain_tag = compute_chain_tag(b"this network")
    pool = chain.pool()
    elsewhere = sign_transfer(KEYS[0].secret_key, 1, 100, TARGET.public_key, 1, 1, 1, 7)
    assert reason(pool, elsewhere) == "bad_signature"
    batch = [sign_transfer(k.secret_key, i + 1, 100, TARGET.public_key, 1, 1, 2, 7) for i, k in
             enumerate(KEYS[:2])]  # fmt: skip
    assert [r.reason for r in pool.add_many([t.to_bytes() for t in batch])] == ["bad_signature"] * 2
    here = sign_transfer(
        KEYS[0].secret_key, 1, 100, TARGET.public_key, 1, 1, 1, chain.state.chain_tag
    )
    assert pool.add(here.to_bytes()).accepted
