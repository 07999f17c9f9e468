"""zkpov.chain.stake_ops: a staking op moves the account tree and the staking ledger together."""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest

from zkpov.chain.containers import ChainState, Delegation, Unbonding, Validator, ValidatorStatus
from zkpov.chain.distribution import process_reward
from zkpov.chain.operations import (
    Payout,
    StakeOp,
    sign_create_validator,
    sign_delegate,
    sign_edit_validator,
    sign_undelegate,
    sign_withdraw,
)
from zkpov.chain.stake_ops import check_stake_operation, is_withdrawable, process_stake_operation
from zkpov.chain.staking import get_total_stake, process_epoch_transition
from zkpov.chain.state import AccountState, InvalidTransfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.crypto import schnorr
from zkpov.errors import ValidatorError
from zkpov.types import BLSPubkey, Epoch

CONFIG = ConsensusConfig(
    min_stake=100, max_validators=3, unbonding_epochs=2, slashing_rate=Fraction(1, 10)
)
ALICE = schnorr.generate_keypair()
BLS_KEY = bytes([5]) * 48


def pop_ok(pubkey: bytes, proof: bytes) -> bool:
    return proof == pubkey * 2


def setup() -> tuple[AccountState, ChainState]:
    accounts = AccountState(8)
    accounts.credit(1, ALICE.public_key, 1000)
    ledger = compute_genesis_state([BLSPubkey(bytes([1]) * 48)], [500], [b"o0"], bytes(32))
    return accounts, ledger


def supply(accounts: AccountState, ledger: ChainState) -> int:
    return sum(a.balance for _, a in accounts.get_accounts()) + get_total_stake(ledger)


def create(nonce: int = 1, bond: int = 200, pop: bytes = BLS_KEY * 2) -> StakeOp:
    return sign_create_validator(ALICE.secret_key, 1, BLS_KEY, pop, 700, bond, nonce, fee=3)


def test_create_delegate_undelegate_withdraw_conserve_supply_less_fees() -> None:
    accounts, ledger = setup()
    start = supply(accounts, ledger)
    ops = [
        create(),
        sign_delegate(ALICE.secret_key, 1, 0, 50, 2, fee=1),
        sign_undelegate(ALICE.secret_key, 1, 0, 30, 3, fee=1),
        sign_edit_validator(ALICE.secret_key, 1, 1, 800, 4, fee=1),
    ]
    for op in ops:
        assert process_stake_operation(accounts, ledger, CONFIG, op, pop_ok) == [op]
        assert supply(accounts, ledger) == start - sum(o.fee for o in ops[: ops.index(op) + 1])
    mine = ledger.validators[1]
    assert (mine.owner, mine.self_stake, mine.commission_bps) == (ALICE.public_key, 200, 800)
    assert mine.status is ValidatorStatus.PENDING
    assert ledger.delegations[Delegation(ALICE.public_key, 0)] == 20
    assert ledger.balances.get(ALICE.public_key, 0) == 0  # the bond only passed through
    ledger.epoch = Epoch(ledger.epoch + CONFIG.unbonding_epochs)
    withdraw = sign_withdraw(ALICE.secret_key, 1, 5, fee=2)
    applied = process_stake_operation(accounts, ledger, CONFIG, withdraw, pop_ok)
    assert applied == [withdraw, Payout(1, ALICE.public_key, 30)]
    assert supply(accounts, ledger) == start - 8  # fees 3 + 1 + 1 + 1 + 2
    alice = accounts.get_account(1)
    assert alice is not None and alice.balance == 1000 - 203 - 51 - 1 - 1 - 2 + 30


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: create(pop=b"\x00" * 96), ValidatorError),  # ledger: bad PoP
        (lambda: create(bond=50), ValidatorError),  # ledger: below min_stake
        (lambda: create(nonce=2), InvalidTransfer),  # accounts: nonce, after the ledger passed
        (lambda: create(bond=998), InvalidTransfer),  # accounts: 998 + fee 3 > 1000
        (lambda: sign_delegate(ALICE.secret_key, 1, 7, 50, 1), ValidatorError),
        (lambda: sign_withdraw(ALICE.secret_key, 1, 1), ValidatorError),  # nothing matured
        (lambda: sign_edit_validator(ALICE.secret_key, 1, 0, 5, 1), ValidatorError),  # not owner
    ],
)
def test_a_refusal_on_either_side_changes_neither(make: object, error: type) -> None:
    accounts, ledger = setup()
    root, before = accounts.root, copy.deepcopy(ledger)
    with pytest.raises(error):
        process_stake_operation(accounts, ledger, CONFIG, make(), pop_ok)  # type: ignore[operator]
    assert accounts.root == root
    assert ledger == before


def test_a_missing_sender_account_is_refused() -> None:
    accounts, ledger = setup()
    op = sign_delegate(ALICE.secret_key, 2, 0, 50, 1)
    with pytest.raises(InvalidTransfer, match="does not exist"):
        process_stake_operation(accounts, ledger, CONFIG, op, pop_ok)


def _ledger_for_checks(matured: bool) -> tuple[AccountState, ChainState]:
    """Validator 0 (genesis), 1 (Alice's), 2 (slashed), Alice's delegation of 50 to 0 and an
    unbonding entry of hers, matured or not."""
    accounts, ledger = setup()
    accounts.credit(1, ALICE.public_key, 10**6)
    process_stake_operation(accounts, ledger, CONFIG, create(), pop_ok)
    delegate = sign_delegate(ALICE.secret_key, 1, 0, 50, 2)
    process_stake_operation(accounts, ledger, CONFIG, delegate, pop_ok)
    ledger.validators.append(
        Validator(BLSPubkey(bytes([7]) * 48), b"o2", 300, 0, ValidatorStatus.SLASHED)
    )
    ledger.unbonding.append(Unbonding(ALICE.public_key, 40, Epoch(0 if matured else 3)))
    return accounts, ledger


def _ops_for_checks() -> list[StakeOp]:
    sk, n = ALICE.secret_key, 3
    return [
        sign_create_validator(sk, 1, bytes([9]) * 48, bytes([9]) * 96, 5, 200, n),
        sign_create_validator(sk, 1, bytes([9]) * 48, bytes([9]) * 96, 5, 99, n),
        sign_create_validator(sk, 1, BLS_KEY, BLS_KEY * 2, 5, 200, n),
        *(sign_delegate(sk, 1, target, 10, n) for target in (0, 1, 2, 3, 2**32 - 1)),
        *(sign_undelegate(sk, 1, 0, amount, n) for amount in (1, 50, 51)),
        sign_undelegate(sk, 1, 1, 1, n),
        sign_withdraw(sk, 1, n),
        *(sign_edit_validator(sk, 1, target, 10, n) for target in (0, 1, 2, 3)),
    ]


@pytest.mark.parametrize("matured", [True, False])
def test_the_cheap_check_refuses_exactly_what_the_ledger_side_refuses(matured: bool) -> None:
    """``check_stake_operation`` (no copy, no PoP) agrees with applying the op, PoP aside."""
    verdicts = []
    for op in _ops_for_checks():
        accounts, ledger = _ledger_for_checks(matured)
        try:
            check_stake_operation(ledger, CONFIG, op, ALICE.public_key)
            checked = None
        except ValidatorError as err:
            checked = str(err)
        before = copy.deepcopy(ledger)
        try:
            process_stake_operation(accounts, ledger, CONFIG, op, lambda pk, pop: True)
            applied = None
        except ValidatorError as err:
            applied = str(err)
        assert (checked is None) == (applied is None), (op.op, op.target, checked, applied)
        if checked is not None:
            assert ledger == before
        verdicts.append(checked is None)
    assert True in verdicts and False in verdicts


def _balance(accounts: AccountState) -> int:
    alice = accounts.get_account(1)
    assert alice is not None
    return alice.balance


def test_unbonding_released_at_an_epoch_boundary_stays_withdrawable() -> None:
    """Delegate, undelegate, epochs pass (the boundary moves the matured entry into the ledger
    balance), withdraw: the account balance rises by the unbonded amount."""
    accounts, ledger = setup()
    start = supply(accounts, ledger)
    for op in (
        sign_delegate(ALICE.secret_key, 1, 0, 50, 1, fee=1),
        sign_undelegate(ALICE.secret_key, 1, 0, 30, 2, fee=1),
    ):
        process_stake_operation(accounts, ledger, CONFIG, op, pop_ok)
    withdraw = sign_withdraw(ALICE.secret_key, 1, 3, fee=1)
    process_epoch_transition(ledger, CONFIG)
    assert not is_withdrawable(ledger, ALICE.public_key)  # one epoch of two
    with pytest.raises(ValidatorError, match="no matured unbonding"):
        process_stake_operation(accounts, ledger, CONFIG, withdraw, pop_ok)
    process_epoch_transition(ledger, CONFIG)
    assert (ledger.unbonding, ledger.balances[ALICE.public_key]) == ([], 30)  # released
    before = _balance(accounts)
    applied = process_stake_operation(accounts, ledger, CONFIG, withdraw, pop_ok)
    assert applied == [withdraw, Payout(1, ALICE.public_key, 30)]
    assert _balance(accounts) == before - 1 + 30
    assert ALICE.public_key not in ledger.balances
    assert supply(accounts, ledger) == start - 3  # the three fees, nothing else
    assert not is_withdrawable(ledger, ALICE.public_key)


def test_a_withdraw_pays_commission_and_settled_rewards_too() -> None:
    """Alice's validator earns 1000: 7% commission to her ledger balance, the rest to its
    pool; a withdraw settles her share of the pool (floored: 1 of dust stays) and pays both."""
    accounts, ledger = setup()
    process_stake_operation(accounts, ledger, CONFIG, create(), pop_ok)
    ledger.balances[ALICE.public_key] = 70  # commission 700 bps of 1000
    process_reward(ledger, 1, 930, 200)
    ledger.minted += 1000
    assert is_withdrawable(ledger, ALICE.public_key)
    start, before = supply(accounts, ledger), _balance(accounts)
    withdraw = sign_withdraw(ALICE.secret_key, 1, 2, fee=1)
    applied = process_stake_operation(accounts, ledger, CONFIG, withdraw, pop_ok)
    assert applied == [withdraw, Payout(1, ALICE.public_key, 999)]
    assert _balance(accounts) == before - 1 + 999
    assert (ledger.validators[1].outstanding, ledger.validators[1].self_stake) == (1, 200)
    assert supply(accounts, ledger) == start - 1
