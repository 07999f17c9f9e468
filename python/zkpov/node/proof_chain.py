"""The node's side of carried validity proofs (:mod:`zkpov.consensus.proof_carry`).

With ``genesis.proof_lag > 0`` every validator checks the proofs that blocks carry, in one batch
per block, before voting for it; the proposer of a block carries the proofs it has verified for
its chain's oldest unproven blocks, and adds transfers only when the lag rule allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from zkpov.consensus.messages import Block
from zkpov.consensus.proof_carry import (
    CarriedProofs,
    compute_chain_debt,
    decode_carried_proofs,
    encode_carried_proofs,
)
from zkpov.consensus.proposals import BlockBody
from zkpov.consensus.validity import ValidityChecker
from zkpov.crypto import snark
from zkpov.node.prover import compute_public_inputs

__all__ = ["build_carried_checker", "compute_block_inputs", "get_carried", "make_block_body"]


def compute_block_inputs(block: Block, parent: Block) -> tuple[int, int, int]:
    pre, post, commitment = compute_public_inputs(parent, block)
    return pre, post, commitment


def build_carried_checker(
    inner: ValidityChecker,
    committed: Sequence[Block],
    lag: int,
    vk: snark.VerifyingKey,
    on_verified: Callable[[float], None],
) -> CarriedProofs:
    """``inner`` plus the carried-proof rules, resuming from the committed chain (genesis
    first)."""

    def verify_batch(items: Sequence[tuple[tuple[int, int, int], bytes]]) -> bool:
        start = time.perf_counter()
        valid = snark.batch_verify(vk, [(list(inputs), proof) for inputs, proof in items])
        on_verified(time.perf_counter() - start)
        return valid

    pairs = zip(committed[1:], committed, strict=False)
    debt = compute_chain_debt(pairs, compute_block_inputs)
    return CarriedProofs(inner, committed[-1], debt, lag, compute_block_inputs, verify_batch)


def make_block_body(
    checker: CarriedProofs,
    parent: Block,
    proofs: Mapping[int, bytes],
    select_payload: Callable[[Block], bytes],
) -> BlockBody:
    """A proposer's block body: the proofs it can pay, and transfers if the lag rule allows."""
    carried = checker.choose_carried(parent.id, proofs)
    may_transfer = checker.may_add_transfers(parent.id, len(carried))
    payload = select_payload(parent) if may_transfer else b""
    return BlockBody(payload, encode_carried_proofs(carried))


def get_carried(block: Block) -> list[tuple[int, bytes]]:
    """The proofs a committed block carries (checked before it was voted for)."""
    return decode_carried_proofs(block.proof)
