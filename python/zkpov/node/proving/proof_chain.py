"""The node's side of carried validity proofs (:mod:`zkpov.consensus.proof_carry`).

With ``proof_lag > 0`` (genesis consensus config) every validator checks the proofs that blocks
carry, in one batch per block, before voting for it; the proposer of a block carries the proofs
it has verified for its chain's oldest unproven blocks, and adds transfers only when the lag rule
allows.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Protocol

from zkpov.chain.operations import decode_operation
from zkpov.chain.proof_inputs import compute_block_public_inputs
from zkpov.chain.state import AccountState
from zkpov.consensus.proof_carry import CarriedProofs, compute_chain_debt
from zkpov.consensus.proposals import BlockBody
from zkpov.consensus.validity import ValidityChecker
from zkpov.crypto import snark
from zkpov.node.proving.prover import OwedBatch, ProofTracker
from zkpov.spec.codec.payload import decode_carried_proofs, decode_payload, encode_carried_proofs
from zkpov.spec.messages import Block

__all__ = [
    "CommittedBlocks",
    "ProvingPipeline",
    "build_carried_checker",
    "get_carried",
    "make_block_body",
]

PROVER_TICK_SECONDS = 1.0  # how often overdue batches are checked (ProofTracker.get_due)


class CommittedBlocks(Protocol):
    """What the proving pipeline reads from the committed chain
    (:class:`~zkpov.node.state.committed_chain.CommittedChain`)."""

    def get_block(self, height: int) -> Block | None: ...

    def compute_states_before(
        self, heights: Iterable[int], genesis_state: AccountState
    ) -> dict[int, AccountState]: ...


def build_carried_checker(
    inner: ValidityChecker,
    committed: Sequence[Block],
    lag: int,
    vk: snark.VerifyingKey,
    on_verified: Callable[[float], None],
    chain_tag: int,
) -> CarriedProofs:
    """``inner`` plus the carried-proof rules, resuming from the committed chain (genesis
    first), with public inputs for the network of ``chain_tag``."""
    get_inputs = functools.partial(compute_block_public_inputs, chain_tag=chain_tag)

    def verify_batch(items: Sequence[tuple[tuple[int, int, int], bytes]]) -> bool:
        start = time.perf_counter()
        valid = snark.batch_verify(vk, [(list(inputs), proof) for inputs, proof in items])
        on_verified(time.perf_counter() - start)
        return valid

    pairs = zip(committed[1:], committed, strict=False)
    debt = compute_chain_debt(pairs, get_inputs)
    return CarriedProofs(inner, committed[-1], debt, lag, get_inputs, verify_batch)


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


class ProvingPipeline:
    """Which committed batches this node proves, and when (on commit and on a 1 s tick)."""

    def __init__(
        self,
        prover: ProofTracker,
        chain: CommittedBlocks,
        index: int,
        size: int,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        patience: float,
        get_proposer: Callable[[Block], int] = lambda block: block.proposer,
    ) -> None:
        """``index`` and ``size``: this validator's place among all validators, and how many;
        ``get_proposer``: a block's proposer on that scale (with epochs, its registry index:
        the block's consensus index shifts once someone leaves)."""
        self.prover, self.chain, self.index, self.size = prover, chain, index, size
        self._spawn, self.patience, self.get_proposer = spawn, patience, get_proposer

    def on_commit(self, pre_states: dict[int, AccountState], prove_now: bool = True) -> None:
        """Owes a proof for each committed batch in ``pre_states`` (height to the state before)."""
        for height, pre_state in pre_states.items():
            block = self.chain.get_block(height)
            if block is not None:
                transfers = [decode_operation(tx) for tx in decode_payload(block.payload)]
                proposer = self.get_proposer(block)
                batch = OwedBatch(pre_state, transfers, proposer, time.monotonic())
                self.prover.owe(height, batch)
        if prove_now:
            self.prove_due()

    def restore(self, heights: Sequence[int], genesis_state: AccountState) -> None:
        """After a restart: the committed batches the chain still owes proofs for."""
        self.on_commit(self.chain.compute_states_before(heights, genesis_state), False)

    def prove_due(self) -> None:
        """Starts the proofs this node owes now (its own batches, or overdue ones of others)."""
        now = time.monotonic()
        for height in self.prover.get_due(now, self.index, self.size, self.patience):
            self._spawn(self.prover.prove(height))

    async def run(self) -> None:
        while True:
            await asyncio.sleep(PROVER_TICK_SECONDS)
            self.prove_due()
