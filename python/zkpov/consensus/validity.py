"""Block validity: is a block's post-state root the honest result of its payload?

Two implementations of :class:`ValidityChecker`: :class:`NativeReexecution` here re-executes the
payload's transfers on the parent's account state (``zkpov.chain.state.AccountState``) and
compares roots; :class:`zkpov.consensus.proof_carry.CarriedProofs` wraps it and checks the
Groth16 proofs a block carries for earlier blocks.

Both first apply :func:`zkpov.spec.payload.check_block_shape`: an empty block (no transfers, no
proof) must keep its parent's root; this is the check the ``invalid_block`` evidence replays
from headers alone.

Apply once: a payload is executed once per node. The state a proposer computed for its own
payload (:meth:`NativeReexecution.compute_post_root`) is reused when that block comes back to be
checked, and the state a checked block produced is lent to the commit
(:meth:`NativeReexecution.get_post_state`). Both are keyed by what determines the result: the
parent block (whose checked state is the pre-state) and the payload, or the block id, which
hashes both; the commit also names the pre-state root it holds. A miss only costs a re-run.

Where the state keeps a staking ledger (the node's ``BlockState``), ``finish_block`` runs the
block's economics on it and returns its staking root: a proposer fills the header's
``staking_root`` with :meth:`NativeReexecution.compute_staking_root` once the block is sealed,
and a voter refuses a block whose root differs (:class:`WrongStakingRoot`). Without a ledger
the field stays empty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol

from zkpov.errors import DecodeError, ProposalError, ValidatorError
from zkpov.spec.codec.payload import decode_payload
from zkpov.spec.messages import Block, compute_digest
from zkpov.spec.payload import InvalidBlock, check_block_shape, compute_root_bytes
from zkpov.types import BlockId, Root

__all__ = [
    "MAX_BUILT_STATES",
    "NativeReexecution",
    "ValidityChecker",
    "WrongStakingRoot",
    "check_staking_root",
]

MAX_BUILT_STATES = 4  # our own proposals' states awaiting their check (one per round in flight)
FinishBlock = Callable[[Any, Block], bytes]  # a checked block's economics; its staking root


class WrongStakingRoot(InvalidBlock):
    """A block whose header names another staking root than its re-executed ledger's."""


class ValidityChecker(Protocol):
    """Checks blocks against their parents and computes post-state roots for proposers."""

    def check_block(self, block: Block, parent: Block) -> None:
        """Raise ``InvalidBlock`` unless ``block`` validly follows ``parent``."""

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        """The state root after applying ``payload`` to ``parent``'s state."""

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        """The staking root of a proposer's sealed ``block`` (its own field ignored)."""

    def on_commit(self, block: Block) -> None:
        """``block`` is final; forget state of branches that can no longer commit."""


class NativeReexecution:
    """Re-executes transfers on a copy of the parent's ``AccountState``.

    ``genesis_state`` is the account state at ``genesis_id``; ``decode_transfer`` turns transfer
    bytes into the objects ``AccountState.apply_transfers`` takes (``Transfer.from_bytes``, or
    ``Transfer.from_bytes_unchecked`` since the native apply decodes the points itself; the
    node's ``BlockState`` takes operations of any kind). ``finish_block``, if given, runs on a
    checked block's post-state before it is kept (the node's block economics on its ledger) and
    returns the staking root. ``states`` is bounded by the block tree (blocks are checked before
    they enter it) and by :meth:`on_commit`; ``_built`` and ``_sealed`` by ``MAX_BUILT_STATES``.
    """

    def __init__(
        self,
        genesis_id: BlockId,
        genesis_state: Any,
        decode_transfer: Callable[[bytes], Any],
        finish_block: FinishBlock | None = None,
    ) -> None:
        self.states: dict[BlockId, Any] = {genesis_id: genesis_state}
        self._pre_roots: dict[BlockId, int] = {}  # the root each checked block was applied to
        self._built: dict[tuple[BlockId, bytes], Any] = {}  # (parent, payload digest) -> state
        self._sealed: dict[BlockId, tuple[Any, bytes]] = {}  # unrooted id -> finished state
        self._decode, self._finish = decode_transfer, finish_block

    def check_block(self, block: Block, parent: Block) -> None:
        check_block_shape(block, parent)
        state, staking_root = self._sealed.pop(_get_unrooted_id(block), (None, b""))
        if state is None:  # not our own proposal: execute, check the cheap root, then finish
            state = self._take_built(parent.id, block.payload)
            _check_state_root(block, state)
            staking_root = self._finish_state(state, block)
        else:
            _check_state_root(block, state)
        check_staking_root(block, staking_root)
        self.states[block.id] = state
        self._pre_roots[block.id] = self.states[parent.id].root

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return compute_root_bytes(self.compute_payload_state(parent, payload).root)

    def compute_payload_state(self, parent: Block, payload: bytes) -> Any:
        """The state after ``payload`` on ``parent``'s, before ``finish_block`` (kept for the
        block's check; ``InvalidBlock`` as that check would raise). Never mutate it: the check
        takes it out of ``_built`` before finishing it."""
        key = (parent.id, compute_digest(payload))
        state = self._built.get(key)
        if state is None:
            state = self._built[key] = self._execute(parent.id, payload)
            _trim(self._built)
        return state

    def compute_staking_root(self, block: Block, parent: Block) -> bytes:
        if self._finish is None:
            return b""
        state = self._take_built(parent.id, block.payload)
        root = self._finish_state(state, block)
        self._sealed[_get_unrooted_id(block)] = (state, root)
        _trim(self._sealed)
        return root

    def _take_built(self, parent_id: BlockId, payload: bytes) -> Any:
        built = self._built.pop((parent_id, compute_digest(payload)), None)
        return self._execute(parent_id, payload) if built is None else built

    def _finish_state(self, state: Any, block: Block) -> bytes:
        return b"" if self._finish is None else self._finish(state, block)

    def get_post_state(self, block: Block, pre_root: int) -> Any | None:
        """The state ``block`` produced when checked, if it was applied to a state of root
        ``pre_root``; None otherwise (the caller applies the block itself). Never mutate it."""
        if self._pre_roots.get(block.id) != pre_root:
            return None
        return self.states.get(block.id)

    def on_commit(self, block: Block) -> None:
        stale = [bid for bid in self.states if bid != block.id]
        for block_id in stale[: max(0, len(stale) - 64)]:
            del self.states[block_id]
            self._pre_roots.pop(block_id, None)
        self._built = {key: s for key, s in self._built.items() if key[0] in self.states}
        self._sealed.clear()  # our proposals of past rounds; a miss only costs a re-run

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
        except (ProposalError, ValidatorError) as exc:
            raise InvalidBlock(f"invalid transfer: {exc}") from exc
        return state


def _get_unrooted_id(block: Block) -> BlockId:
    """``block``'s id with an empty staking root: what a proposer's sealed block is known by
    before its root is filled in."""
    return dataclasses.replace(block, staking_root=b"").id


def check_staking_root(block: Block, staking_root: bytes) -> None:
    """``block`` names the staking root its re-executed ledger has (empty without a ledger)."""
    if staking_root != block.staking_root:
        raise WrongStakingRoot(f"block at round {block.round} has a wrong staking root")


def _check_state_root(block: Block, state: Any) -> None:
    if compute_root_bytes(state.root) != block.state_root:
        raise InvalidBlock(f"block at round {block.round} has a wrong post-state root")


def _trim(table: dict[Any, Any]) -> None:
    while len(table) > MAX_BUILT_STATES:
        del table[next(iter(table))]
