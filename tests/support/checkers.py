"""Validity checkers for consensus cores that tests build by hand, outside a node."""

from __future__ import annotations

from zkpov.chain.state import Transfer
from zkpov.consensus.factory import ChainStart
from zkpov.consensus.validity import NativeReexecution
from zkpov.node.state.bootstrap import build_genesis_state
from zkpov.node.state.genesis import Genesis

__all__ = ["build_native_checker"]


def build_native_checker(start: ChainStart, genesis: Genesis) -> NativeReexecution:
    """Validity by native re-execution from the genesis state (a node starts from its committed
    chain's root and accounts instead)."""
    return NativeReexecution(start.block.id, build_genesis_state(genesis), Transfer.from_bytes)
