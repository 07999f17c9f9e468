"""Mempool admission of staking ops: the transfers' checks plus the staking rules against the
committed ledger, cheapest first, with real Schnorr signatures, BLS keys and proofs of
possession over a real account tree and ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from zkpov.chain.containers import ValidatorStatus
from zkpov.chain.operations import (
    Payout,
    StakeOp,
    build_create_validator,
    sign_create_validator,
    sign_delegate,
    sign_edit_validator,
    sign_undelegate,
    sign_withdraw,
)
from zkpov.chain.stake_ops import process_stake_operation
from zkpov.chain.state import AccountState, sign_transfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.crypto import bls, schnorr
from zkpov.errors import ValidatorError
from zkpov.node.state import stake_admission
from zkpov.node.state.mempool import Mempool
from zkpov.node.state.stake_admission import StakeRules
from zkpov.types import BLSPubkey

TAG = 41
CONFIG = ConsensusConfig(min_stake=100, unbonding_epochs=1)
ALICE, BOB, CAROL = (schnorr.generate_keypair() for _ in range(3))
GENESIS_BLS = [bls.generate_secret_key() for _ in range(2)]
NEW_BLS = bls.generate_secret_key()


class Node:
    """The committed accounts and ledger a mempool reads; commits apply ops for real."""

    def __init__(self) -> None:
        self.accounts = AccountState(8, chain_tag=TAG)
        for index, key in ((1, ALICE), (2, BOB), (3, CAROL)):
            self.accounts.credit(index, key.public_key, 10_000)
        pks = [BLSPubkey(bls.sk_to_pk(sk)) for sk in GENESIS_BLS]
        self.ledger = compute_genesis_state(pks, [1000, 1000], list(pks), bytes(32))
        self.pops = 0
        self.rejected: list[str] = []

    def pop_verify(self, pk: bytes, pop: bytes) -> bool:
        self.pops += 1
        return bls.pop_verify(pk, pop)

    def pool(self, stakes: bool = True, min_fee: int = 0) -> Mempool:
        rules = StakeRules(lambda: self.ledger, CONFIG, self.pop_verify) if stakes else None
        return Mempool(
            lambda: self.accounts, min_fee=min_fee, on_rejected=self.rejected.append,
            stakes=rules,
        )  # fmt: skip

    def commit(self, pool: Mempool, *ops: StakeOp) -> int:
        for op in ops:
            process_stake_operation(self.accounts, self.ledger, CONFIG, op, bls.pop_verify)
        return pool.on_commit([op.to_bytes() for op in ops])


def delegate(nonce: int = 1, target: int = 0, amount: int = 500, key: int = 2) -> StakeOp:
    secret = (ALICE, BOB, CAROL)[key - 1].secret_key
    return sign_delegate(secret, key, target, amount, nonce, fee=1, chain_tag=TAG)


def create(nonce: int = 1, bond: int = 400) -> StakeOp:
    return build_create_validator(ALICE.secret_key, 1, NEW_BLS, 500, bond, nonce, 1, TAG)


def refuse(pool: Mempool, data: bytes) -> tuple[str, str]:
    result = pool.add(data)
    assert not result.accepted and result.message
    return result.reason, result.message


def test_each_kind_is_admitted_when_the_committed_ledger_allows_it() -> None:
    node = Node()
    pool = node.pool()
    assert pool.add(create().to_bytes()).accepted and node.pops == 1
    assert pool.add(delegate().to_bytes()).accepted
    assert len(pool) == 2 and pool.size_bytes == 248 + 102
    assert node.commit(pool, create(), delegate()) == 0 and len(pool) == 0
    alice_is_owner = sign_edit_validator(ALICE.secret_key, 1, 2, 900, 2, 1, TAG)
    undelegate = sign_undelegate(BOB.secret_key, 2, 0, 200, 2, fee=1, chain_tag=TAG)
    assert pool.add(alice_is_owner.to_bytes()).accepted
    assert pool.add(undelegate.to_bytes()).accepted
    node.commit(pool, alice_is_owner, undelegate)
    node.ledger.epoch = node.ledger.unbonding[0].release_epoch  # matured
    assert pool.add(sign_withdraw(BOB.secret_key, 2, 3, 1, TAG).to_bytes()).accepted


def _bad_ops() -> list[tuple[Callable[[], bytes], str, str]]:
    a, b = ALICE.secret_key, BOB.secret_key
    taken = GENESIS_BLS[0]
    return [
        (lambda: Payout(2, BOB.public_key, 5).to_bytes(), "malformed", "payout is not"),
        (lambda: delegate().to_bytes()[:-1], "malformed", "delegate is 102 bytes"),
        (lambda: delegate(target=7).to_bytes(), "stake_rules", "does not take delegations"),
        (lambda: sign_undelegate(b, 2, 0, 5, 1, 1, TAG).to_bytes(), "stake_rules", "more than"),
        (lambda: sign_withdraw(b, 2, 1, 1, TAG).to_bytes(), "stake_rules", "no matured"),
        (lambda: create(bond=99).to_bytes(), "stake_rules", "below min_stake 100"),
        (
            lambda: build_create_validator(a, 1, taken, 5, 400, 1, 1, TAG).to_bytes(),
            "stake_rules",
            "already registered",
        ),
        (lambda: sign_edit_validator(a, 1, 0, 9, 1, 1, TAG).to_bytes(), "stake_rules", "owner"),
        (lambda: sign_delegate(a, 2, 0, 5, 1, 1, TAG).to_bytes(), "bad_signature", "signature"),
        (lambda: sign_delegate(b, 2, 0, 5, 1, 1, TAG + 1).to_bytes(), "bad_signature", "network"),
        (lambda: delegate(amount=10_000).to_bytes(), "insufficient_balance", "10001"),
        (lambda: delegate(nonce=2).to_bytes(), "nonce_gap", "the next is 1"),
        (lambda: sign_delegate(b, 9, 0, 5, 1, 1, TAG).to_bytes(), "unknown_sender", "9"),
        (lambda: sign_delegate(b, 2**20, 0, 5, 1, 1, TAG).to_bytes(), "malformed", "outside"),
    ]


@pytest.mark.parametrize(("build", "reason", "why"), _bad_ops())
def test_a_bad_staking_op_is_refused_with_its_reason(
    build: Callable[[], bytes], reason: str, why: str
) -> None:
    node = Node()
    pool = node.pool()
    got, message = refuse(pool, build())
    assert (got, node.rejected) == (reason, [reason]) and why in message, message
    assert len(pool) == 0


def test_a_bad_proof_of_possession_is_refused_after_the_signature() -> None:
    node = Node()
    other = bls.generate_secret_key()
    forged = sign_create_validator(
        ALICE.secret_key, 1, bls.sk_to_pk(NEW_BLS), bls.pop_prove(other), 5, 400, 1, 1, TAG
    )
    assert refuse(node.pool(), forged.to_bytes()) == (
        "bad_signature", "the BLS proof of possession does not verify",
    )  # fmt: skip


def test_the_ledger_rules_run_before_the_signature_and_the_proof_of_possession() -> None:
    """A create_validator for a registered key, with a forged PoP and a signature by the wrong
    account key: refused by the ledger rule, with no point decoded and no pairing spent."""
    node = Node()
    taken = bls.sk_to_pk(GENESIS_BLS[1])
    junk = sign_create_validator(BOB.secret_key, 1, taken, bytes(96), 5, 400, 1, 1, TAG)
    assert refuse(node.pool(), junk.to_bytes())[0] == "stake_rules"
    assert node.pops == 0


def test_one_pending_staking_op_per_sender_since_two_may_not_both_apply() -> None:
    node = Node()
    pool = node.pool()
    node.commit(pool, delegate(amount=300))
    whole = [sign_undelegate(BOB.secret_key, 2, 0, 300, n, 1, TAG) for n in (2, 3)]
    assert pool.add(whole[0].to_bytes()).accepted
    assert refuse(pool, whole[1].to_bytes())[0] == "stake_pending"
    # without the rule the second would wait for a block it can never enter:
    node.commit(pool, whole[0])
    with pytest.raises(ValidatorError, match="more than is delegated"):
        node.commit(pool, whole[1])


def test_staking_ops_share_their_senders_nonce_run_and_balance_with_transfers() -> None:
    node = Node()
    pool = node.pool()
    pay = [sign_transfer(BOB.secret_key, 2, 9, ALICE.public_key, 100, n, 1, TAG) for n in (1, 3)]
    assert pool.add(pay[0].to_bytes()).accepted
    assert pool.add(delegate(nonce=2, amount=9_798).to_bytes()).accepted  # 101 + 9799 = 9900
    assert refuse(pool, pay[1].to_bytes())[0] == "insufficient_balance"
    assert pool.get_pending_count(2) == 2


def test_a_commit_that_closes_a_validator_drops_its_pending_delegations() -> None:
    node = Node()
    pool = node.pool()
    after = sign_transfer(BOB.secret_key, 2, 9, ALICE.public_key, 1, 2, 1, TAG)
    assert pool.add(delegate().to_bytes()).accepted and pool.add(after.to_bytes()).accepted
    node.ledger.validators[0].status = ValidatorStatus.SLASHED
    assert pool.on_commit([]) == 2 and len(pool) == 0
    dropped = pool.dropped.get(hashlib.sha256(delegate().to_bytes()).digest())
    assert dropped is not None and dropped.reason == "stake_rules"


def test_the_pool_holds_at_most_max_pending_stake_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stake_admission, "MAX_PENDING_STAKE_OPS", 1)
    node = Node()
    pool = node.pool()
    assert pool.add(delegate().to_bytes()).accepted
    assert refuse(pool, delegate(key=3).to_bytes())[0] == "mempool_full"


def test_a_pool_without_a_ledger_refuses_staking_ops() -> None:
    assert refuse(Node().pool(stakes=False), delegate().to_bytes())[0] == "stake_rules"


def test_batched_admission_gives_the_answers_one_by_one_gives() -> None:
    node = Node()
    pay = sign_transfer(BOB.secret_key, 2, 9, ALICE.public_key, 1, 2, 1, TAG).to_bytes()
    batch = [delegate().to_bytes(), pay, create().to_bytes(), delegate(target=7, key=3).to_bytes()]
    one_by_one = [(r.accepted, r.reason) for r in map(node.pool().add, batch)]
    together = [(r.accepted, r.reason) for r in node.pool().add_many(batch)]
    assert together == one_by_one == [(True, ""), (True, ""), (True, ""), (False, "stake_rules")]


def test_a_proposal_picks_staking_ops_only_on_a_ledger_that_takes_them() -> None:
    node = Node()
    pool = node.pool()
    pay = sign_transfer(CAROL.secret_key, 3, 9, ALICE.public_key, 1, 1, 5, TAG)
    for op in (pay, delegate(), create()):
        assert pool.add(op.to_bytes()).accepted
    assert pool.select(node.accounts, 10) == [pay]  # no ledger: transfers only
    assert pool.select(node.accounts, 10, node.ledger) == [pay, create(), delegate()]  # fee, index
    node.ledger.validators[0].status = ValidatorStatus.SLASHED  # on the proposal's branch
    assert pool.select(node.accounts, 10, node.ledger) == [pay, create()]


def test_two_pending_creates_of_one_bls_key_are_not_both_picked() -> None:
    node = Node()
    pool = node.pool()
    twin = build_create_validator(CAROL.secret_key, 3, NEW_BLS, 5, 400, 1, 1, TAG)
    assert pool.add(create().to_bytes()).accepted and pool.add(twin.to_bytes()).accepted
    assert len(pool.select(node.accounts, 10, node.ledger)) == 1


def test_a_picked_withdraw_brings_its_payout_in_the_next_slot() -> None:
    node = Node()
    pool = node.pool()
    node.commit(pool, delegate(amount=300))
    node.commit(pool, sign_undelegate(BOB.secret_key, 2, 0, 120, 2, fee=1, chain_tag=TAG))
    node.ledger.epoch = node.ledger.unbonding[0].release_epoch
    take = sign_withdraw(BOB.secret_key, 2, 3, 1, TAG)
    assert pool.add(take.to_bytes()).accepted
    assert pool.select(node.accounts, 1, node.ledger) == []  # no room for the payout
    assert pool.select(node.accounts, 2, node.ledger) == [take, Payout(2, BOB.public_key, 120)]
