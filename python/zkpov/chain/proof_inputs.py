"""A block's Groth16 public inputs, from its payload and its parent's state root.

The order of the inputs is fixed by :func:`zkpov.spec.payload.compute_public_inputs`; this
module adds the batch commitment, which needs the transfers decoded.
"""

from __future__ import annotations

from zkpov.chain.state import Transfer, compute_batch_commitment
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block
from zkpov.spec.payload import PublicInputs, compute_public_inputs

__all__ = ["compute_block_public_inputs", "compute_payload_commitment"]


def compute_payload_commitment(payload: bytes, chain_tag: int = 0) -> int:
    """The batch commitment of a payload's transfers on the network of ``chain_tag``;
    ``DecodeError`` if it does not decode."""
    transfers = [Transfer.from_bytes(tx) for tx in decode_payload(payload)]
    return compute_batch_commitment(transfers, chain_tag)


def compute_block_public_inputs(block: Block, parent: Block, chain_tag: int = 0) -> PublicInputs:
    """What ``block``'s validity proof is checked against on the network of ``chain_tag``: the
    commitment, and so the proof, differ per network."""
    commitment = compute_payload_commitment(block.payload, chain_tag)
    return compute_public_inputs(parent.state_root, block.state_root, commitment)
