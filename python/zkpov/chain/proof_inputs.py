"""A block's Groth16 public inputs, from its payload and its parent's state root.

The order of the inputs is fixed by :func:`zkpov.spec.payload.compute_public_inputs`; this
module adds the batch commitment, which needs the transfers decoded.
"""

from __future__ import annotations

from zkpov.chain.operations import compute_operations_commitment, decode_operation
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block
from zkpov.spec.payload import PublicInputs, compute_public_inputs

__all__ = ["compute_block_public_inputs", "compute_payload_commitment"]


def compute_payload_commitment(payload: bytes, chain_tag: int = 0) -> int:
    """The batch commitment of a payload's operations (transfers, staking ops, payouts; for
    transfers only, the version-4 commitment) on the network of ``chain_tag``; ``DecodeError``
    if one does not decode."""
    ops = [decode_operation(tx) for tx in decode_payload(payload)]
    return compute_operations_commitment(ops, chain_tag)


def compute_block_public_inputs(block: Block, parent: Block, chain_tag: int = 0) -> PublicInputs:
    """What ``block``'s validity proof is checked against on the network of ``chain_tag``: the
    commitment, and so the proof, differ per network."""
    commitment = compute_payload_commitment(block.payload, chain_tag)
    return compute_public_inputs(parent.state_root, block.state_root, commitment)
