"""Validity proofs carried in blocks, at most ``proof_lag`` heights behind.

See docs/design.md, "Validity proofs".

Proving a batch takes seconds and a round well under one, so a block cannot carry its own proof.
With ``proof_lag = L >= 1`` the chain rule is:

1. A block's ``proof`` field carries Groth16 proofs of earlier blocks of its own chain (encoded
   by :mod:`zkpov.spec.codec.payload`, at most ``MAX_CARRIED_PROOFS``): proofs of the chain's
   oldest still-unproven blocks with transfers, in height order, with no gap and no repeat.
2. Each carried proof must verify against its block's public inputs (parent state root, state
   root, batch commitment). A block's carried proofs are checked in one batch verification
   (n + 2 Miller loops) before the block can be voted for.
3. A block with transfers is valid only if, counting the proofs it carries, no block with
   transfers at height ``<= height - L`` of its chain is still unproven. A block without
   transfers needs no proof and is never held back.

Rule 3 is the backpressure: when provers fall behind, proposers can add only empty blocks, so
the chain keeps finalizing, transfers wait in the mempool, and no block with transfers is ever
more than ``L`` heights ahead of the last proven one. A block's *debt* (its chain's unproven
blocks with transfers and their public inputs) follows from its parent's debt, so checking a
block costs O(its carried proofs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from zkpov.consensus.validity import ValidityChecker
from zkpov.errors import DecodeError
from zkpov.spec.codec.payload import MAX_CARRIED_PROOFS, decode_carried_proofs
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock, PublicInputs
from zkpov.types import BlockId, Root

__all__ = [
    "CarriedProofs",
    "ProofDue",
    "compute_chain_debt",
    "compute_next_debt",
]

ComputeInputs = Callable[[Block, Block], PublicInputs]  # (block, parent) -> public inputs
BatchVerify = Callable[[Sequence[tuple[PublicInputs, bytes]]], bool]


@dataclass(frozen=True)
class ProofDue:
    """A block with transfers that its chain has not proven yet."""

    height: int
    inputs: PublicInputs


Debt = tuple[ProofDue, ...]


def compute_next_debt(
    debt: Debt, block: Block, carried: Sequence[int], due: ProofDue | None, lag: int
) -> Debt:
    """The debt after ``block``, which carries proofs for heights ``carried`` and, if it has
    transfers, owes ``due``. ``InvalidBlock`` if it breaks rule 1 or rule 3."""
    expected = [entry.height for entry in debt[: len(carried)]]
    if list(carried) != expected:
        raise InvalidBlock(
            f"block at height {block.height} carries proofs for {list(carried)};"
            f" its chain owes proofs for {[entry.height for entry in debt]} (oldest first)"
        )
    remaining = debt[len(carried) :]
    if due is None:
        return remaining
    if remaining and remaining[0].height <= block.height - lag:
        raise InvalidBlock(
            f"block at height {block.height} has transfers while height {remaining[0].height}"
            f" is unproven (proof_lag {lag}): only empty blocks until its proof is carried"
        )
    return (*remaining, due)


def compute_chain_debt(
    blocks: Iterable[tuple[Block, Block]], compute_inputs: ComputeInputs
) -> Debt:
    """The debt at the end of a committed chain, given as ``(block, parent)`` pairs from height
    1 upward (replayed after a restart: committed blocks were checked, so proofs are not)."""
    debt: list[tuple[Block, Block]] = []
    for block, parent in blocks:
        carried = decode_carried_proofs(block.proof)
        debt = debt[len(carried) :]
        if block.payload:
            debt.append((block, parent))
    return tuple(ProofDue(b.height, compute_inputs(b, p)) for b, p in debt)


class CarriedProofs:
    """A :class:`~zkpov.consensus.validity.ValidityChecker` that adds rules 1-3 to ``inner``
    (which checks the transfers themselves, e.g. by re-execution)."""

    def __init__(
        self,
        inner: ValidityChecker,
        root: Block,
        root_debt: Debt,
        lag: int,
        compute_inputs: ComputeInputs,
        verify_batch: BatchVerify,
    ) -> None:
        if lag < 1:
            raise ValueError("proof_lag must be at least 1 when blocks carry proofs")
        self.inner, self.lag = inner, lag
        self._compute_inputs, self._verify_batch = compute_inputs, verify_batch
        self._debts: dict[BlockId, tuple[int, Debt]] = {root.id: (root.height, root_debt)}

    def check_block(self, block: Block, parent: Block) -> None:
        self.inner.check_block(block, parent)
        self._debts[block.id] = (block.height, self._check_proofs(block, parent))

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return self.inner.compute_post_root(parent, payload)

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        return self.inner.compute_staking_root(block, parent)

    def on_commit(self, block: Block) -> None:
        self.inner.on_commit(block)
        stale = [bid for bid, (h, _) in self._debts.items() if h <= block.height]
        for block_id in stale:
            if block_id != block.id:
                del self._debts[block_id]

    def get_debt(self, block_id: BlockId) -> Debt | None:
        """The unproven blocks with transfers on the chain ending at ``block_id``."""
        entry = self._debts.get(block_id)
        return None if entry is None else entry[1]

    def choose_carried(
        self, parent_id: BlockId, proofs: Mapping[int, bytes]
    ) -> list[tuple[int, bytes]]:
        """For a proposer: the proofs a child of ``parent_id`` carries, from ``proofs`` (height
        to a proof this node verified): the longest prefix of the debt it can pay."""
        chosen: list[tuple[int, bytes]] = []
        for entry in (self.get_debt(parent_id) or ())[:MAX_CARRIED_PROOFS]:
            proof = proofs.get(entry.height)
            if proof is None:
                break
            chosen.append((entry.height, proof))
        return chosen

    def may_add_transfers(self, parent_id: BlockId, carried: int) -> bool:
        """Whether a child of ``parent_id`` that carries ``carried`` proofs may have transfers."""
        entry = self._debts.get(parent_id)
        if entry is None:
            return False
        height, debt = entry
        remaining = debt[carried:]
        return not remaining or remaining[0].height > height + 1 - self.lag

    def _check_proofs(self, block: Block, parent: Block) -> Debt:
        entry = self._debts.get(parent.id)
        if entry is None:
            raise InvalidBlock("parent proof debt unknown: sync the parent first")
        try:
            carried = decode_carried_proofs(block.proof)
        except DecodeError as exc:
            raise InvalidBlock(f"block at height {block.height}: {exc}") from exc
        due = ProofDue(block.height, self._compute_inputs(block, parent)) if block.payload else None
        debt = compute_next_debt(entry[1], block, [h for h, _ in carried], due, self.lag)
        self._verify(block, entry[1][: len(carried)], [p for _, p in carried])
        return debt

    def _verify(self, block: Block, paid: Debt, proofs: list[bytes]) -> None:
        if not proofs:
            return
        try:
            valid = self._verify_batch([(e.inputs, p) for e, p in zip(paid, proofs, strict=True)])
        except DecodeError as exc:
            raise InvalidBlock(f"block at height {block.height}: a carried proof: {exc}") from exc
        if not valid:
            raise InvalidBlock(f"block at height {block.height} carries a proof that fails")
