"""Fetch the account state at a checkpoint, every chunk checked against the state root.

Top-down from the root: each node's expected hash is known before it is asked for (the root
from the checkpoint, a child from its verified parent). A chunk of accounts must rebuild exactly
that hash as a subtree of its own (so no account is missing, added or altered); a chunk of
children must hash to it (``hash4`` of a one-level tree). Empty children are not asked for.
Nothing the server says about sizes is trusted: accounts and requests are capped, the stack of
nodes to visit is at most ``3 * levels + 1`` deep (depth first).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from zkpov.chain.state import Account, AccountState
from zkpov.crypto import accounts
from zkpov.errors import FastSyncStateError, ZkpovError
from zkpov.node.fast_sync.state_chunks import MAX_CHUNK_ACCOUNTS, StateChunk, get_leaf_range

__all__ = ["MAX_SYNC_ACCOUNTS", "fetch_state", "get_max_requests"]

MAX_SYNC_ACCOUNTS = 1 << 20

GetChunk = Callable[[int, int], StateChunk]  # (level, position) -> the server's answer


def get_max_requests(levels: int) -> int:
    """Chunk requests allowed: enough to walk every path of ``MAX_SYNC_ACCOUNTS`` accounts."""
    return 4 * levels * (MAX_SYNC_ACCOUNTS // MAX_CHUNK_ACCOUNTS + 1)


@cache
def get_empty_node(level: int) -> int:
    """The hash of an empty subtree at ``level`` (an empty leaf is 0)."""
    return 0 if level == 0 else AccountState(2 * level).root


def fetch_state(
    get_chunk: GetChunk, height: int, depth: int, root: int
) -> list[tuple[int, Account]]:
    """The accounts, by index, whose tree of ``depth`` has ``root`` at ``height``, fetched chunk
    by chunk; ``FastSyncStateError`` for the first chunk that does not check. (Every account
    is in a checked subtree and the subtrees are disjoint, so together they give ``root``; the
    node checks that once more when it opens the installed store.)"""
    found: list[tuple[int, Account]] = []
    stack, requests = [(depth // 2, 0, root)], 0
    while stack:
        requests += 1
        if requests > get_max_requests(depth // 2):
            raise FastSyncStateError(f"the state takes more than {requests - 1} chunk requests")
        level, position, expected = stack.pop()
        chunk = get_chunk(level, position)
        _check_is_asked(chunk, height, level, position)
        if chunk.accounts is not None:
            found += _check_accounts(chunk, chunk.accounts, expected)
            if len(found) > MAX_SYNC_ACCOUNTS:
                raise FastSyncStateError(f"the state has more than {MAX_SYNC_ACCOUNTS} accounts")
        else:
            stack += _check_children(chunk, expected)
    return sorted(found, key=lambda item: item[0])


def _check_is_asked(chunk: StateChunk, height: int, level: int, position: int) -> None:
    if (chunk.height, chunk.level, chunk.position) != (height, level, position):
        raise FastSyncStateError(
            f"asked for node ({level}, {position}) at height {height}, got node"
            f" ({chunk.level}, {chunk.position}) at height {chunk.height}"
        )
    if (chunk.accounts is None) == (chunk.children is None):
        raise FastSyncStateError("a chunk must hold either accounts or children")


def _check_accounts(
    chunk: StateChunk, found: tuple[tuple[int, Account], ...], expected: int
) -> list[tuple[int, Account]]:
    lo, hi = get_leaf_range(chunk.level, chunk.position)
    indices = [index for index, _ in found]
    if indices != sorted(set(indices)) or any(not lo <= i < hi for i in indices):
        raise FastSyncStateError(f"chunk ({chunk.level}, {chunk.position}): bad account indices")
    subtree = AccountState(2 * chunk.level)
    try:
        for index, account in found:
            subtree.restore_account(index - lo, account)
    except ZkpovError as err:
        raise FastSyncStateError(f"chunk ({chunk.level}, {chunk.position}): {err}") from err
    if subtree.root != expected:
        raise FastSyncStateError(
            f"chunk ({chunk.level}, {chunk.position}): its accounts do not give the state root"
        )
    return list(found)


def _check_children(chunk: StateChunk, expected: int) -> list[tuple[int, int, int]]:
    assert chunk.children is not None
    if chunk.level < 2:  # a level-1 node holds at most 4 accounts: always sent whole
        raise FastSyncStateError(f"chunk ({chunk.level}, {chunk.position}) must hold accounts")
    first, *rest = chunk.children
    if not accounts.verify_tree_proof(expected, 2, 0, first, [rest]):
        raise FastSyncStateError(
            f"chunk ({chunk.level}, {chunk.position}): its children do not give the state root"
        )
    level, empty = chunk.level - 1, get_empty_node(chunk.level - 1)
    return [
        (level, 4 * chunk.position + digit, child)
        for digit, child in reversed(list(enumerate(chunk.children)))
        if child != empty
    ]
