"""zkpov.chain.block_state under the voters' re-execution (NativeReexecution): staking ops are
checked against the ledger of the block's own branch, payouts against what it owes, and each
checked block's economics run after its payload."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.chain.block_state import BlockState, LedgerRules
from zkpov.chain.containers import Delegation
from zkpov.chain.ledger_root import compute_staking_root
from zkpov.chain.operations import (
    Payout,
    parse_operation,
    sign_delegate,
    sign_undelegate,
    sign_withdraw,
)
from zkpov.chain.state import AccountState
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.validity import NativeReexecution, WrongStakingRoot
from zkpov.crypto import schnorr
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.payload import InvalidBlock, compute_root_bytes
from zkpov.spec.signing import InsecureHashScheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Height, Root, Round, Stake, ValidatorIndex

SCHEME = InsecureHashScheme()
KEYS = [SCHEME.derive_keypair(b"v%d" % i) for i in range(4)]
CONFIG = ConsensusConfig(min_stake=100, unbonding_epochs=1)
VSET = ValidatorSet(
    Epoch(0), tuple(pk for _, pk in KEYS), tuple(Stake(10**12) for _ in KEYS), SCHEME, CONFIG
)
ALICE = schnorr.generate_keypair()
TAG = 3


def genesis_state() -> BlockState:
    accounts = AccountState(8, chain_tag=TAG)
    accounts.credit(1, ALICE.public_key, 10_000)
    owners = [bytes(pk) for pk in VSET.pubkeys]
    ledger = compute_genesis_state(VSET.pubkeys, VSET.stakes, owners, VSET.seed)
    return BlockState(accounts, ledger, LedgerRules(CONFIG, lambda _: VSET))


GENESIS, _ = make_genesis(VSET, compute_root_bytes(genesis_state().root))


def checker() -> NativeReexecution:
    return NativeReexecution(
        GENESIS.id, genesis_state(), parse_operation, lambda s, b: s.finish_block(b)
    )


def make_block(parent: Block, payload: bytes, root: bytes) -> Block:
    data = VoteData(Epoch(0), parent.round, parent.id, Round(0), parent.parent_id)
    qc = QuorumCert(data, compute_bitfield([0, 1, 2], 4), b"")
    return Block(
        Epoch(0), Round(parent.round + 1), Height(parent.height + 1), parent.id,
        ValidatorIndex(0), Root(root), qc, payload, randao_reveal=b"r",
    )  # fmt: skip


def propose(native: NativeReexecution, parent: Block, *ops: bytes) -> Block:
    payload = encode_payload(list(ops))
    block = make_block(parent, payload, native.compute_post_root(parent, payload))
    block = dataclasses.replace(block, staking_root=native.compute_staking_root(block, parent))
    native.check_block(block, parent)
    return block


def test_a_child_is_checked_on_its_branchs_ledger_and_each_block_runs_its_economics() -> None:
    native = checker()
    bond = sign_delegate(ALICE.secret_key, 1, 2, 500, 1, fee=1, chain_tag=TAG)
    first = propose(native, GENESIS, bond.to_bytes())
    unbond = sign_undelegate(ALICE.secret_key, 1, 2, 200, 2, fee=1, chain_tag=TAG)
    second = propose(native, first, unbond.to_bytes())  # the genesis ledger holds no delegation
    state = native.states[second.id]
    assert state.ledger.delegations == {Delegation(ALICE.public_key, 2): 300}
    assert state.ledger.height == 2 and state.ledger.minted > 0  # both blocks' economics ran
    assert is_supply_conserved(state.ledger) and state.ledger.deposited == 500
    alice = state.accounts.get_account(1)
    assert alice is not None and (alice.balance, alice.nonce) == (10_000 - 502, 2)


def test_a_block_whose_payout_differs_from_the_ledgers_is_refused() -> None:
    native = checker()
    bond = sign_delegate(ALICE.secret_key, 1, 2, 500, 1, fee=1, chain_tag=TAG)
    unbond = sign_undelegate(ALICE.secret_key, 1, 2, 200, 2, fee=1, chain_tag=TAG)
    parent = propose(native, propose(native, GENESIS, bond.to_bytes()), unbond.to_bytes())
    native.states[parent.id].ledger.epoch = Epoch(5)  # the unbonding has matured
    take = sign_withdraw(ALICE.secret_key, 1, 3, fee=1, chain_tag=TAG).to_bytes()
    for forged in (Payout(1, ALICE.public_key, 201), Payout(1, ALICE.public_key, 199)):
        payload = encode_payload([take, forged.to_bytes()])
        honest = native.states[parent.id].copy()
        honest.accounts.apply_operations([parse_operation(take), forged])  # the forger's root
        block = make_block(parent, payload, compute_root_bytes(honest.root))
        with pytest.raises(InvalidBlock, match="not what the staking rules owe"):
            native.check_block(block, parent)
    paid = propose(native, parent, take, Payout(1, ALICE.public_key, 200).to_bytes())
    assert native.states[paid.id].ledger.withdrawn == 200


def test_a_staking_op_the_ledger_refuses_makes_the_block_invalid() -> None:
    native = checker()
    payload = encode_payload(
        [sign_delegate(ALICE.secret_key, 1, 9, 5, 1, chain_tag=TAG).to_bytes()]
    )
    block = make_block(GENESIS, payload, GENESIS.state_root)
    with pytest.raises(InvalidBlock, match="does not take delegations"):
        native.check_block(block, GENESIS)


def test_the_header_names_the_ledgers_root_after_the_block_and_voters_refuse_another() -> None:
    native = checker()
    bond = sign_delegate(ALICE.secret_key, 1, 2, 500, 1, fee=1, chain_tag=TAG).to_bytes()
    block = propose(native, GENESIS, bond)
    ledger = native.states[block.id].ledger
    assert block.staking_root == compute_staking_root(ledger) and len(block.staking_root) == 32
    assert block.staking_root != compute_staking_root(genesis_state().ledger)
    voter = checker()  # a fresh voter: it re-executes the block without the proposer's cache
    voter.check_block(block, GENESIS)
    for wrong in (b"", bytes(32), compute_staking_root(genesis_state().ledger)):
        forged = dataclasses.replace(block, staking_root=wrong)
        with pytest.raises(WrongStakingRoot):
            checker().check_block(forged, GENESIS)


def test_a_block_of_an_epoch_the_ledger_left_keeps_its_parents_staking_root() -> None:
    native = checker()
    parent = propose(native, GENESIS)
    native.states[parent.id].ledger.epoch = Epoch(1)  # the parent was a reconfiguration block
    suffix = propose(native, parent)  # an epoch-0 block after it: its suffix
    assert suffix.staking_root == compute_staking_root(native.states[parent.id].ledger)
    assert native.states[suffix.id].ledger.height == parent.height  # nothing moved
