"""Block validity: is a block's post-state root the honest result of its payload?

Two implementations of :class:`ValidityChecker`:

- :class:`NativeReexecution` re-executes the payload's transfers on the parent's account state
  (``zkpov.chain.state.AccountState``) and compares roots;
- :class:`ProofVerification` (in :mod:`zkpov.consensus.proof_validity`) verifies the block's Groth16
  proof against (parent root, post root, payload commitment) without the state.

Both first apply :func:`check_block_shape`: an empty block (no transfers, no proof) must keep its
parent's root; this is the check the ``invalid_block`` evidence replays from headers alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgpack

from zkpov.consensus.codec import raw, seq
from zkpov.consensus.messages import Block
from zkpov.constants import MAX_PAYLOAD_BYTES
from zkpov.errors import DecodeError, ProposalError
from zkpov.types import BlockId, Root

__all__ = [
    "InvalidBlock",
    "NativeReexecution",
    "ValidityChecker",
    "check_block_shape",
    "decode_payload",
    "encode_payload",
]

MAX_TRANSFERS_PER_BLOCK = 4096


class InvalidBlock(ProposalError):
    """A block whose state transition is not valid."""


class ValidityChecker(Protocol):
    """Checks blocks against their parents and computes post-state roots for proposers."""

    def check_block(self, block: Block, parent: Block) -> None:
        """Raise ``InvalidBlock`` unless ``block`` validly follows ``parent``."""

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        """The state root after applying ``payload`` to ``parent``'s state."""

    def on_commit(self, block: Block) -> None:
        """``block`` is final; forget state of branches that can no longer commit."""


def encode_payload(transfers: Sequence[bytes]) -> bytes:
    """Payload bytes for a list of encoded transfers (empty list: empty payload)."""
    return b"" if not transfers else msgpack.packb(list(transfers), use_bin_type=True)


def decode_payload(payload: bytes) -> list[bytes]:
    """The encoded transfers of a payload; ``DecodeError`` if malformed."""
    if not payload:
        return []
    try:
        obj = msgpack.unpackb(payload, raw=False, max_bin_len=MAX_PAYLOAD_BYTES)
    except Exception as exc:  # msgpack raises several unrelated types on bad input
        raise DecodeError(f"payload is not valid msgpack: {exc}") from exc
    return [raw(item, limit=1024) for item in seq(obj, limit=MAX_TRANSFERS_PER_BLOCK)]


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
