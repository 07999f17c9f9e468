"""The chain tag a test network's transfers are signed for (``zkpov.chain.state``)."""

from __future__ import annotations

from zkpov.chain.state import compute_chain_tag
from zkpov.node.state.genesis import Genesis, compute_genesis_hash


def get_chain_tag(genesis: Genesis) -> int:
    """What a node of ``genesis`` checks transfer signatures against."""
    return compute_chain_tag(compute_genesis_hash(genesis))
