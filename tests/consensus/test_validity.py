"""Block validity by native re-execution of real transfers (pre-state, block, post-state)."""

from __future__ import annotations

import dataclasses

import pytest

from zkpov.chain.state import AccountState, Transfer, sign_transfer
from zkpov.consensus.validity import MAX_BUILT_STATES, NativeReexecution
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError
from zkpov.spec.codec.payload import decode_payload, encode_payload
from zkpov.spec.messages import Block, QuorumCert, VoteData
from zkpov.spec.payload import InvalidBlock, check_block_shape, compute_root_bytes
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

ALICE = schnorr.generate_keypair()
BOB = schnorr.generate_keypair()


def genesis_state() -> AccountState:
    state = AccountState(8)
    state.credit(1, ALICE.public_key, 100)
    return state


def make_block(parent: Block, payload: bytes, root: bytes, round_: int = 1) -> Block:
    data = VoteData(Epoch(0), parent.round, parent.id, Round(0), parent.parent_id)
    qc = QuorumCert(data, b"\x00", b"")
    return Block(
        Epoch(0), Round(round_), Height(parent.height + 1), parent.id, ValidatorIndex(0),
        Root(root), qc, payload,
    )  # fmt: skip


ZERO = BlockId(bytes(32))
GENESIS_QC = QuorumCert(VoteData(Epoch(0), Round(0), ZERO, Round(0), ZERO), b"", b"")
GENESIS = Block(
    Epoch(0), Round(0), Height(0), ZERO, ValidatorIndex(0),
    compute_root_bytes(genesis_state().root), GENESIS_QC,
)  # fmt: skip


def pay(amount: int, nonce: int) -> bytes:
    return encode_payload(
        [sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, amount, nonce).to_bytes()]
    )


def checker() -> NativeReexecution:
    return NativeReexecution(GENESIS.id, genesis_state(), Transfer.from_bytes)


def test_valid_transfer_block_is_accepted_and_its_state_kept() -> None:
    native = checker()
    payload = pay(30, 1)
    root = native.compute_post_root(GENESIS, payload)
    block = make_block(GENESIS, payload, root)
    native.check_block(block, GENESIS)
    child = make_block(block, pay(70, 2), native.compute_post_root(block, pay(70, 2)), round_=2)
    native.check_block(child, block)  # the child executes on the parent's post-state
    assert native.states[child.id].get_account(1).balance == 0


@pytest.mark.parametrize(
    ("payload", "why"),
    [(pay(101, 1), "invalid transfer"), (pay(1, 5), "invalid transfer"), (b"\x01\x02", "decode")],
)
def test_invalid_payloads_are_invalid_blocks(payload: bytes, why: str) -> None:
    with pytest.raises(InvalidBlock, match=why):
        checker().check_block(make_block(GENESIS, payload, GENESIS.state_root), GENESIS)


def test_wrong_post_root_is_an_invalid_block() -> None:
    native = checker()
    payload = pay(30, 1)
    with pytest.raises(InvalidBlock, match="post-state root"):
        native.check_block(make_block(GENESIS, payload, GENESIS.state_root), GENESIS)


def test_empty_block_must_keep_the_parent_root() -> None:
    check_block_shape(make_block(GENESIS, b"", GENESIS.state_root), GENESIS)
    with pytest.raises(InvalidBlock, match="changes the state root"):
        check_block_shape(make_block(GENESIS, b"", b"\x01" * 32), GENESIS)


def test_block_must_extend_its_parent() -> None:
    block = make_block(GENESIS, b"", GENESIS.state_root)
    with pytest.raises(InvalidBlock, match="extend"):
        check_block_shape(dataclasses.replace(block, height=Height(5)), GENESIS)


def test_payload_decoding_is_strict() -> None:
    assert decode_payload(b"") == [] and decode_payload(b"\x90") == []
    for bad in (b"\xc1", b"\x91\x01", b"\x81\x01\x02"):
        with pytest.raises(DecodeError):
            decode_payload(bad)


# -- apply once: the states a node computed are reused, never trusted blindly ---------------------


class CountingDecode:
    """``Transfer.from_bytes`` that counts calls: how many times a payload was executed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes) -> Transfer:
        self.calls += 1
        return Transfer.from_bytes(data)


def test_a_proposers_own_block_is_checked_without_running_it_again() -> None:
    decode = CountingDecode()
    native = NativeReexecution(GENESIS.id, genesis_state(), decode)
    payload = pay(30, 1)
    block = make_block(GENESIS, payload, native.compute_post_root(GENESIS, payload))
    assert decode.calls == 1
    native.check_block(block, GENESIS)
    assert decode.calls == 1  # the built state was reused
    fresh = checker()
    fresh.check_block(block, GENESIS)  # the re-executing path agrees on the root
    assert native.states[block.id].root == fresh.states[block.id].root
    assert native.get_post_state(block, GENESIS_ROOT) is native.states[block.id]


GENESIS_ROOT = genesis_state().root


def test_a_sibling_with_our_payload_and_a_wrong_root_does_not_consume_or_poison() -> None:
    native = checker()
    payload = pay(30, 1)
    root = native.compute_post_root(GENESIS, payload)
    liar = make_block(GENESIS, payload, GENESIS.state_root, round_=1)
    with pytest.raises(InvalidBlock, match="post-state root"):
        native.check_block(liar, GENESIS)
    assert native.get_post_state(liar, GENESIS_ROOT) is None
    ours = make_block(GENESIS, payload, root, round_=2)
    native.check_block(ours, GENESIS)
    assert compute_root_bytes(native.states[ours.id].root) == root


def test_two_proposals_on_one_parent_each_lend_their_own_state() -> None:
    native = checker()
    blocks = []
    for amount in (10, 90):  # a Byzantine leader's two proposals on the same parent
        payload = pay(amount, 1)
        blocks.append(make_block(GENESIS, payload, checker().compute_post_root(GENESIS, payload)))
        native.check_block(blocks[-1], GENESIS)
    for block, balance in zip(blocks, (90, 10), strict=True):
        lent = native.get_post_state(block, GENESIS_ROOT)
        assert lent is not None and lent.get_account(1).balance == balance
        assert compute_root_bytes(lent.root) == block.state_root


def test_a_state_is_lent_only_for_the_pre_state_it_was_computed_on() -> None:
    native = checker()
    payload = pay(30, 1)
    block = make_block(GENESIS, payload, native.compute_post_root(GENESIS, payload))
    native.check_block(block, GENESIS)
    assert native.get_post_state(block, GENESIS_ROOT + 1) is None
    assert native.get_post_state(GENESIS, GENESIS_ROOT) is None  # never checked: nothing lent
    unchecked = make_block(GENESIS, pay(20, 1), GENESIS.state_root)
    assert native.get_post_state(unchecked, GENESIS_ROOT) is None


def test_built_states_are_bounded() -> None:
    native = checker()
    for amount in range(1, MAX_BUILT_STATES + 4):
        native.compute_post_root(GENESIS, pay(amount, 1))
    assert len(native._built) == MAX_BUILT_STATES
