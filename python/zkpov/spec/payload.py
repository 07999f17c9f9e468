"""What a block's payload and proofs must satisfy, checkable without any account state.

The Groth16 circuit's public inputs are ``[parent state root, post state root, batch
commitment]``, roots read as big-endian field elements: :func:`compute_public_inputs` is the one
place that orders them. :func:`check_block_shape` is the rule every validity checker applies
first and the one ``invalid_block`` evidence replays from headers alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpov.errors import ProposalError
from zkpov.spec.messages import Block
from zkpov.types import Root

__all__ = [
    "InvalidBlock",
    "ProofAnnouncement",
    "PublicInputs",
    "check_block_shape",
    "compute_public_inputs",
    "compute_root_bytes",
]

PublicInputs = tuple[int, int, int]


class InvalidBlock(ProposalError):
    """A block whose state transition is not valid."""


@dataclass(frozen=True)
class ProofAnnouncement:
    """A prover's Groth16 proof for the block at ``height``, gossiped before a block carries it."""

    height: int
    proof: bytes


def compute_public_inputs(parent_root: bytes, post_root: bytes, commitment: int) -> PublicInputs:
    """The circuit's public inputs, roots read as big-endian field elements."""
    return (int.from_bytes(parent_root, "big"), int.from_bytes(post_root, "big"), commitment)


def check_block_shape(block: Block, parent: Block) -> None:
    """Parent link, height, round order, and the empty-block root rule."""
    if block.parent_id != parent.id or block.height != parent.height + 1:
        raise InvalidBlock(f"block at round {block.round} does not extend its parent")
    if block.round <= parent.round:
        raise InvalidBlock(f"block round {block.round} is not above parent {parent.round}")
    if not block.payload and not block.proof and block.state_root != parent.state_root:
        raise InvalidBlock(f"empty block at round {block.round} changes the state root")


def compute_root_bytes(root: bytes | int) -> Root:
    """A state root as 32 bytes (field elements big-endian)."""
    return Root(root.to_bytes(32, "big") if isinstance(root, int) else bytes(root))
