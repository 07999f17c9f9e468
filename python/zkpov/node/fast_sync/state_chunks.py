"""State chunks: one node of the account tree, served whole or as its four children.

The account tree is 4-ary (:mod:`zkpov.chain.state`): the node at ``(level, position)`` covers
the leaves ``[position * 4**level, (position + 1) * 4**level)``; the root is ``(depth / 2, 0)``.
A chunk answers for one node: every account under it when there are at most
``MAX_CHUNK_ACCOUNTS`` (its leaves), else the hashes of its four children, which the client asks
for next. Both shapes check against the node's hash alone (:mod:`.state_fetch`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from zkpov.chain.state import Account, AccountState

__all__ = [
    "MAX_CHUNK_ACCOUNTS",
    "ServedState",
    "StateChunk",
    "build_state_chunk",
    "get_leaf_range",
]

MAX_CHUNK_ACCOUNTS = 256


@dataclass(frozen=True)
class StateChunk:
    """One tree node at ``height``: its ``accounts`` (index, account) or its four ``children``."""

    height: int
    level: int
    position: int
    accounts: tuple[tuple[int, Account], ...] | None = None
    children: tuple[int, int, int, int] | None = None


def get_leaf_range(level: int, position: int) -> tuple[int, int]:
    """The leaf indices ``[lo, hi)`` under the node at ``(level, position)``."""
    width = 4**level
    return position * width, (position + 1) * width


@dataclass
class ServedState:
    """The committed accounts at ``height`` (never mutated: the chain copies before a commit),
    with their indices sorted once so a chunk costs a bisection."""

    height: int
    state: AccountState
    _indices: list[int] | None = field(default=None, init=False, repr=False)

    def get_indices(self) -> list[int]:
        if self._indices is None:
            self._indices = [index for index, _ in self.state.get_accounts()]
        return self._indices


def build_state_chunk(served: ServedState, level: int, position: int) -> StateChunk:
    """The chunk for node ``(level, position)``; ``ValueError`` for a node outside the tree."""
    levels = served.state.depth // 2
    if not 1 <= level <= levels or not 0 <= position < 4 ** (levels - level):
        raise ValueError(f"no tree node at level {level}, position {position}")
    lo, hi = get_leaf_range(level, position)
    indices = served.get_indices()
    first, last = bisect.bisect_left(indices, lo), bisect.bisect_left(indices, hi)
    if last - first <= MAX_CHUNK_ACCOUNTS:
        accounts = tuple(_get(served.state, i) for i in indices[first:last])
        return StateChunk(served.height, level, position, accounts=accounts)
    return StateChunk(served.height, level, position, children=_get_children(served, level, lo))


def _get(state: AccountState, index: int) -> tuple[int, Account]:
    account = state.get_account(index)
    assert account is not None  # listed by get_accounts on the same, unchanging state
    return index, account


def _get_children(served: ServedState, level: int, lo: int) -> tuple[int, int, int, int]:
    """A node's four children, read off two Merkle paths: the path of child 0's first leaf
    names children 1-3 as its siblings at ``level - 1``, child 1's names child 0."""
    step = 4 ** (level - 1)
    first = served.state.get_proof(lo).siblings[level - 1]
    second = served.state.get_proof(lo + step).siblings[level - 1]
    return second[0], first[0], first[1], first[2]
