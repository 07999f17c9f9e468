"""Block validity: is a block's post-state root the honest result of its payload?

Two implementations of :class:`ValidityChecker`: :class:`NativeReexecution` here re-executes the
payload's transfers on the parent's account state (``zkpov.chain.state.AccountState``) and
compares roots; :class:`zkpov.consensus.proof_carry.CarriedProofs` wraps it and checks the
Groth16 proofs a block carries for earlier blocks.

Both first apply :func:`zkpov.spec.payload.check_block_shape`: an empty block (no transfers, no
proof) must keep its parent's root; this is the check the ``invalid_block`` evidence replays
from headers alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from zkpov.errors import DecodeError, ProposalError
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block
from zkpov.spec.payload import InvalidBlock, check_block_shape, compute_root_bytes
from zkpov.types import BlockId, Root

__all__ = ["NativeReexecution", "ValidityChecker"]


class ValidityChecker(Protocol):
    """Checks blocks against their parents and computes post-state roots for proposers."""

    def check_block(self, block: Block, parent: Block) -> None:
        """Raise ``InvalidBlock`` unless ``block`` validly follows ``parent``."""

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        """The state root after applying ``payload`` to ``parent``'s state."""

    def on_commit(self, block: Block) -> None:
        """``block`` is final; forget state of branches that can no longer commit."""


class NativeReexecution:
    """Re-executes transfers on a copy of the parent's ``AccountState``.

    ``genesis_state`` is the account state at ``genesis_id``; ``decode_transfer`` turns transfer
    bytes into the objects ``AccountState.apply_transfers`` takes (``Transfer.from_bytes``).
    """

    def __init__(
        self, genesis_id: BlockId, genesis_state: Any, decode_transfer: Callable[[bytes], Any]
    ) -> None:
        self.states: dict[BlockId, Any] = {genesis_id: genesis_state}
        self._decode = decode_transfer

    def check_block(self, block: Block, parent: Block) -> None:
        check_block_shape(block, parent)
        state = self._execute(parent.id, block.payload)
        if compute_root_bytes(state.root) != block.state_root:
            raise InvalidBlock(f"block at round {block.round} has a wrong post-state root")
        self.states[block.id] = state

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return compute_root_bytes(self._execute(parent.id, payload).root)

    def on_commit(self, block: Block) -> None:
        stale = [bid for bid in self.states if bid != block.id]
        for block_id in stale[: max(0, len(stale) - 64)]:
            del self.states[block_id]

    def _execute(self, parent_id: BlockId, payload: bytes) -> Any:
        if parent_id not in self.states:
            raise InvalidBlock("parent state unknown: sync the parent first")
        try:
            transfers = [self._decode(item) for item in decode_payload(payload)]
        except DecodeError as exc:
            raise InvalidBlock(f"payload does not decode: {exc}") from exc
        state = self.states[parent_id].copy()
        try:
            state.apply_transfers(transfers)
        except ProposalError as exc:
            raise InvalidBlock(f"invalid transfer: {exc}") from exc
        return state
