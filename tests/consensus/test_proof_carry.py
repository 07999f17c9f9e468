"""Carried validity proofs with real Groth16 proofs: order, lag, verification, replay, encoding."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.consensus.test_validity import ALICE, BOB, GENESIS, genesis_state, make_block
from zkpov.chain.state import Transfer, compute_batch_commitment, sign_transfer
from zkpov.consensus.proof_carry import CarriedProofs, compute_chain_debt
from zkpov.consensus.validity import NativeReexecution
from zkpov.crypto import snark
from zkpov.errors import DecodeError
from zkpov.spec.codec.payload import (
    MAX_CARRIED_PROOFS,
    decode_carried_proofs,
    decode_payload,
    encode_carried_proofs,
    encode_payload,
)
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock, compute_root_bytes

CONFIG = snark.CircuitConfig(batch_size=1, tree_depth=8)
LAG = 2


def compute_inputs(block: Block, parent: Block) -> tuple[int, int, int]:
    transfers = [Transfer.from_bytes(tx) for tx in decode_payload(block.payload)]
    pre, post = (int.from_bytes(b.state_root, "big") for b in (parent, block))
    return pre, post, compute_batch_commitment(transfers)


@dataclasses.dataclass
class Chain:
    vk: snark.VerifyingKey
    blocks: list[Block]  # genesis, b1 (transfer), b2 (transfer)
    proofs: dict[int, bytes]

    def checker(self) -> CarriedProofs:
        native = NativeReexecution(GENESIS.id, genesis_state(), Transfer.from_bytes)
        return CarriedProofs(native, GENESIS, (), LAG, compute_inputs, self.verify)

    def verify(self, items: Sequence[tuple[tuple[int, int, int], bytes]]) -> bool:
        return snark.batch_verify(self.vk, [(list(inputs), proof) for inputs, proof in items])

    def child(self, parent: Block, payload: bytes, carried: list[int], round_: int) -> Block:
        state = genesis_state()
        for block in self.blocks[1 : parent.height + 1]:
            state.apply_transfers([Transfer.from_bytes(t) for t in decode_payload(block.payload)])
        state.apply_transfers([Transfer.from_bytes(t) for t in decode_payload(payload)])
        proof = encode_carried_proofs([(h, self.proofs[h]) for h in carried])
        block = make_block(parent, payload, compute_root_bytes(state.root), round_)
        return dataclasses.replace(block, proof=proof)


def transfer(nonce: int) -> Transfer:
    return sign_transfer(ALICE.secret_key, 1, 2, BOB.public_key, 10, nonce)


@pytest.fixture(scope="module")
def chain() -> Chain:
    pk, vk = snark.insecure_setup(CONFIG, b"proof-carry-test")
    state, blocks, proofs = genesis_state(), [GENESIS], {}
    for height in (1, 2):
        proofs[height], _ = snark.prove(pk, state, [transfer(height)])
        state.apply_transfers([transfer(height)])
        payload = encode_payload([transfer(height).to_bytes()])
        blocks.append(make_block(blocks[-1], payload, compute_root_bytes(state.root), height))
    return Chain(vk, blocks, proofs)


def checked(chain: Chain) -> CarriedProofs:
    checker = chain.checker()
    for block, parent in zip(chain.blocks[1:], chain.blocks, strict=False):
        checker.check_block(block, parent)
    return checker


def test_transfers_within_the_lag_need_no_proof_yet(chain: Chain) -> None:
    checker = checked(chain)
    debt = checker.get_debt(chain.blocks[2].id)
    assert debt is not None and [d.height for d in debt] == [1, 2]


def test_a_block_past_the_lag_must_carry_the_oldest_proof(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    payload = encode_payload([transfer(3).to_bytes()])
    with pytest.raises(InvalidBlock, match="height 1 is unproven"):
        checker.check_block(chain.child(b2, payload, [], 3), b2)
    checker.check_block(chain.child(b2, payload, [1], 3), b2)
    debt = checker.get_debt(chain.child(b2, payload, [1], 3).id)
    assert debt is not None and [d.height for d in debt] == [2, 3]


def test_an_empty_block_is_never_held_back_and_may_pay_everything(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    checker.check_block(chain.child(b2, b"", [], 3), b2)
    paid = chain.child(b2, b"", [1, 2], 4)
    checker.check_block(paid, b2)
    assert checker.get_debt(paid.id) == ()


@pytest.mark.parametrize(
    ("carried", "why"), [([2], "owes proofs for"), ([1, 1], "owes proofs for"), ([2, 1], "owes")]
)
def test_proofs_out_of_order_or_repeated_are_invalid(
    chain: Chain, carried: list[int], why: str
) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    with pytest.raises(InvalidBlock, match=why):
        checker.check_block(chain.child(b2, b"", carried, 3), b2)


def test_a_proof_of_another_block_fails_verification(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    swapped = encode_carried_proofs([(1, chain.proofs[2]), (2, chain.proofs[1])])
    block = dataclasses.replace(chain.child(b2, b"", [], 3), proof=swapped)
    with pytest.raises(InvalidBlock, match="carries a proof that fails"):
        checker.check_block(block, b2)


def test_a_garbled_proof_is_invalid_not_a_crash(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    for garbage in (b"\xc1", encode_carried_proofs([(1, b"\x00" * 192)])):
        block = dataclasses.replace(chain.child(b2, b"", [], 3), proof=garbage)
        with pytest.raises(InvalidBlock):
            checker.check_block(block, b2)


def test_replaying_the_committed_chain_gives_the_checked_debt(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    b3 = chain.child(b2, encode_payload([transfer(3).to_bytes()]), [1], 3)
    checker.check_block(b3, b2)
    committed = [*chain.blocks, b3]
    replayed = compute_chain_debt(zip(committed[1:], committed, strict=False), compute_inputs)
    assert replayed == checker.get_debt(b3.id)


def test_the_proposer_pays_what_it_holds_and_respects_the_lag(chain: Chain) -> None:
    checker, b2 = checked(chain), chain.blocks[2]
    assert checker.choose_carried(b2.id, {2: chain.proofs[2]}) == []  # 1 is owed first
    assert not checker.may_add_transfers(b2.id, 0)
    chosen = checker.choose_carried(b2.id, chain.proofs)
    assert [h for h, _ in chosen] == [1, 2]
    assert checker.may_add_transfers(b2.id, 1)


def test_commit_forgets_debts_of_dead_branches(chain: Chain) -> None:
    checker = checked(chain)
    fork = chain.child(chain.blocks[1], b"", [], 7)
    checker.check_block(fork, chain.blocks[1])
    checker.on_commit(chain.blocks[2])
    assert checker.get_debt(fork.id) is None
    assert checker.get_debt(chain.blocks[2].id) is not None


@given(st.binary(max_size=300))
def test_decoding_any_bytes_gives_entries_or_decode_error(data: bytes) -> None:
    try:
        entries = decode_carried_proofs(data)
    except DecodeError:
        return
    assert len(entries) <= MAX_CARRIED_PROOFS
    assert all(h >= 1 and isinstance(p, bytes) for h, p in entries)


def test_encoding_round_trips() -> None:
    entries = [(1, b"\x01" * 192), (5, b"\x02" * 192)]
    assert decode_carried_proofs(encode_carried_proofs(entries)) == entries
    assert encode_carried_proofs([]) == b""
