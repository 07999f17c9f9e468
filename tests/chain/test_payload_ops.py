"""zkpov.chain.payload_ops: a payload's operations on the accounts and the ledger together, the
payouts a withdraw owes, and the ledger's supply with what crossed between the two sides."""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest

from zkpov.chain.containers import ChainState, Delegation
from zkpov.chain.operations import (
    Operation,
    Payout,
    sign_delegate,
    sign_undelegate,
    sign_withdraw,
)
from zkpov.chain.payload_ops import get_account_owner, process_payload_operations
from zkpov.chain.staking import get_total_stake
from zkpov.chain.state import AccountState, InvalidTransfer, sign_transfer
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.crypto import schnorr
from zkpov.errors import InvalidPayoutError, ValidatorError
from zkpov.types import BLSPubkey, Epoch

CONFIG = ConsensusConfig(min_stake=100, unbonding_epochs=2, slashing_rate=Fraction(1, 10))
ALICE, BOB = schnorr.generate_keypair(), schnorr.generate_keypair()
TAG = 5


def setup() -> tuple[AccountState, ChainState]:
    accounts = AccountState(8, chain_tag=TAG)
    accounts.credit(1, ALICE.public_key, 1000)
    accounts.credit(2, BOB.public_key, 1000)
    ledger = compute_genesis_state([BLSPubkey(bytes([1]) * 48)], [500], [b"o0"], bytes(32))
    return accounts, ledger


def run(accounts: AccountState, ledger: ChainState, ops: list[Operation]) -> None:
    owner = get_account_owner(accounts)
    process_payload_operations(ledger, CONFIG, ops, owner, _no_pop, accounts)


def _no_pop(pk: bytes, pop: bytes) -> bool:
    return False


def supply(accounts: AccountState, ledger: ChainState) -> int:
    return sum(a.balance for _, a in accounts.get_accounts()) + get_total_stake(ledger)


def matured(accounts: AccountState, ledger: ChainState) -> None:
    """Alice delegates 300, undelegates 120, and the unbonding period passes."""
    run(accounts, ledger, [
        sign_delegate(ALICE.secret_key, 1, 0, 300, 1, fee=2, chain_tag=TAG),
        sign_undelegate(ALICE.secret_key, 1, 0, 120, 2, fee=1, chain_tag=TAG),
    ])  # fmt: skip
    ledger.epoch = Epoch(CONFIG.unbonding_epochs)


def withdraw(nonce: int = 3) -> Operation:
    return sign_withdraw(ALICE.secret_key, 1, nonce, fee=1, chain_tag=TAG)


def test_a_mixed_payload_moves_both_sides_and_the_ledger_supply_stays_exact() -> None:
    accounts, ledger = setup()
    start = supply(accounts, ledger)
    pay = sign_transfer(BOB.secret_key, 2, 1, ALICE.public_key, 50, 1, 1, TAG)
    matured(accounts, ledger)
    run(accounts, ledger, [pay, withdraw(), Payout(1, ALICE.public_key, 120)])
    alice = accounts.get_account(1)
    assert alice is not None and alice.balance == 1000 - 302 - 1 - 1 + 50 + 120
    assert ledger.delegations == {Delegation(ALICE.public_key, 0): 180}
    assert (ledger.deposited, ledger.withdrawn, ledger.unbonding) == (300, 120, [])
    assert is_supply_conserved(ledger)
    assert supply(accounts, ledger) == start - 5  # the fees, burned


@pytest.mark.parametrize(
    ("payout", "why"),
    [
        (Payout(1, ALICE.public_key, 121), "not what the staking rules owe"),
        (Payout(2, ALICE.public_key, 120), "not what the staking rules owe"),
        (Payout(1, BOB.public_key, 120), "not what the staking rules owe"),
        (None, "lacks its payout"),
    ],
)
def test_a_forged_or_missing_payout_is_refused(payout: Payout | None, why: str) -> None:
    accounts, ledger = setup()
    matured(accounts, ledger)
    ops = [withdraw()] if payout is None else [withdraw(), payout]
    with pytest.raises(InvalidPayoutError, match=why):
        run(accounts, ledger, ops)


def test_a_payout_owed_to_no_one_is_refused_and_one_must_follow_its_withdraw() -> None:
    accounts, ledger = setup()
    with pytest.raises(InvalidPayoutError, match="owe \\(None\\)"):
        run(accounts, ledger, [Payout(1, ALICE.public_key, 5)])
    accounts, ledger = setup()
    matured(accounts, ledger)
    late = [withdraw(), sign_delegate(BOB.secret_key, 2, 0, 5, 1, chain_tag=TAG)]
    with pytest.raises(InvalidPayoutError, match="lacks its payout"):
        run(accounts, ledger, [*late, Payout(1, ALICE.public_key, 120)])


def test_the_ledger_only_replay_gives_the_ledger_both_sides_give() -> None:
    accounts, ledger = setup()
    matured(accounts, ledger)
    replayed = copy.deepcopy(ledger)
    ops = [withdraw(), Payout(1, ALICE.public_key, 120)]
    owner = get_account_owner(accounts)
    run(accounts, ledger, ops)
    process_payload_operations(replayed, CONFIG, ops, owner, _no_pop)
    assert replayed == ledger


def test_each_side_refuses_what_breaks_its_rules() -> None:
    accounts, ledger = setup()
    with pytest.raises(ValidatorError, match="does not take delegations"):
        run(accounts, ledger, [sign_delegate(ALICE.secret_key, 1, 4, 5, 1, chain_tag=TAG)])
    accounts, ledger = setup()
    with pytest.raises(InvalidTransfer, match="signature"):
        run(accounts, ledger, [sign_delegate(ALICE.secret_key, 1, 0, 5, 1, chain_tag=TAG + 1)])
    with pytest.raises(InvalidTransfer, match="does not exist"):
        run(accounts, ledger, [sign_delegate(ALICE.secret_key, 7, 0, 5, 1, chain_tag=TAG)])
