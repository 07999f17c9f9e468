"""Block validity from the block's Groth16 proof alone (DESIGN.md section 5, ``proof_lag = 0``).

A validator that holds no account state checks a block with transfers by verifying its proof
against the public inputs ``[parent state root, block state root, batch commitment]`` through
:func:`zkpov.crypto.snark.verify`; an empty block (no transfers, no proof) must keep its parent's
root, as in every checker. Such a validator cannot compute post-state roots, so it proposes only
empty blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zkpov.consensus.messages import Block
from zkpov.consensus.validity import InvalidBlock, check_block_shape, decode_payload
from zkpov.errors import DecodeError
from zkpov.types import Root

__all__ = ["ProofVerification", "compute_public_inputs"]


def compute_public_inputs(parent_root: bytes, post_root: bytes, commitment: int) -> list[int]:
    """The circuit's public inputs, roots read as big-endian field elements."""
    return [int.from_bytes(parent_root, "big"), int.from_bytes(post_root, "big"), commitment]


class ProofVerification:
    """A :class:`~zkpov.consensus.validity.ValidityChecker` over Groth16 proofs.

    ``vk`` is the circuit's verifying key; ``decode_transfer`` and ``compute_commitment`` are
    ``Transfer.from_bytes`` and ``compute_batch_commitment`` of :mod:`zkpov.chain.state`.
    """

    def __init__(
        self,
        vk: Any,
        decode_transfer: Callable[[bytes], Any],
        compute_commitment: Callable[[Sequence[Any]], int],
    ) -> None:
        from zkpov.crypto import snark

        self._vk = vk
        self._verify = snark.verify
        self._decode = decode_transfer
        self._commit = compute_commitment

    def check_block(self, block: Block, parent: Block) -> None:
        check_block_shape(block, parent)
        if not block.payload and not block.proof:
            return
        inputs = compute_public_inputs(parent.state_root, block.state_root, self._commitment(block))
        try:
            valid = self._verify(self._vk, inputs, block.proof)
        except DecodeError as exc:
            raise InvalidBlock(
                f"block at round {block.round}: proof does not decode: {exc}"
            ) from exc
        if not valid:
            raise InvalidBlock(f"block at round {block.round}: validity proof does not verify")

    def _commitment(self, block: Block) -> int:
        try:
            transfers = [self._decode(item) for item in decode_payload(block.payload)]
        except DecodeError as exc:
            raise InvalidBlock(f"payload does not decode: {exc}") from exc
        return self._commit(transfers)

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        if payload:
            raise InvalidBlock(
                "a proof-verifying validator holds no state: it proposes empty blocks"
            )
        return parent.state_root

    def on_commit(self, block: Block) -> None:
        """Stateless: nothing to forget."""
