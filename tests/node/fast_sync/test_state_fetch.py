"""State chunks served from an account tree and fetched against its root: the honest path,
then one refusal per lie (a malicious server)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from zkpov.chain.state import Account, AccountState
from zkpov.crypto import schnorr
from zkpov.errors import FastSyncAnswerError, FastSyncStateError
from zkpov.node.fast_sync.state_chunks import (
    MAX_CHUNK_ACCOUNTS,
    ServedState,
    StateChunk,
    build_state_chunk,
)
from zkpov.node.fast_sync.state_fetch import fetch_state
from zkpov.node.fast_sync.wire import decode_chunk, encode_chunk

DEPTH = 16
HEIGHT = 7
KEYS = [schnorr.generate_keypair().public_key for _ in range(8)]


def make_state(count: int, seed: int = 1) -> AccountState:
    rng, state = random.Random(seed), AccountState(DEPTH)
    for index in rng.sample(range(2**DEPTH), count):
        state.credit(index, KEYS[index % len(KEYS)], rng.randrange(1, 2**40))
    return state


Chunker = Callable[[int, int], StateChunk]


def serve(state: AccountState, lie: Callable[[StateChunk], StateChunk] = lambda c: c) -> Chunker:
    served = ServedState(HEIGHT, state)

    def get_chunk(level: int, position: int) -> StateChunk:
        chunk = lie(build_state_chunk(served, level, position))
        return decode_chunk(json.loads(json.dumps(encode_chunk(chunk))))

    return get_chunk


def test_a_large_state_is_fetched_through_children_and_matches() -> None:
    state = make_state(3 * MAX_CHUNK_ACCOUNTS)
    asked: list[tuple[int, int]] = []
    inner = serve(state)

    def get_chunk(level: int, position: int) -> StateChunk:
        asked.append((level, position))
        return inner(level, position)

    assert fetch_state(get_chunk, HEIGHT, DEPTH, state.root) == state.get_accounts()
    assert asked[0] == (DEPTH // 2, 0) and len(asked) > 1  # the root came as children


def test_an_empty_state_is_one_chunk() -> None:
    state = AccountState(DEPTH)
    assert fetch_state(serve(state), HEIGHT, DEPTH, state.root) == []


def first_with_accounts(chunk: StateChunk) -> bool:
    return bool(chunk.accounts)


def lie_about(change: Callable[[StateChunk], StateChunk]) -> Callable[[StateChunk], StateChunk]:
    return lambda chunk: change(chunk) if chunk.accounts else chunk


def richer(chunk: StateChunk) -> StateChunk:
    assert chunk.accounts
    (index, account), *rest = chunk.accounts
    return replace(chunk, accounts=((index, replace(account, balance=account.balance + 1)), *rest))


def fewer(chunk: StateChunk) -> StateChunk:
    assert chunk.accounts
    return replace(chunk, accounts=chunk.accounts[1:])


def more(chunk: StateChunk) -> StateChunk:
    assert chunk.accounts
    last, account = chunk.accounts[-1]
    return replace(chunk, accounts=(*chunk.accounts, (last + 1, account)))


def moved(chunk: StateChunk) -> StateChunk:
    assert chunk.accounts
    (index, account), *rest = chunk.accounts
    return replace(chunk, accounts=((index ^ 1, account), *rest))


@pytest.mark.parametrize("change", [richer, fewer, more, moved])
def test_accounts_that_do_not_give_the_root_are_refused(
    change: Callable[[StateChunk], StateChunk],
) -> None:
    state = make_state(3 * MAX_CHUNK_ACCOUNTS)
    with pytest.raises(FastSyncStateError, match=r"state root|indices"):
        fetch_state(serve(state, lie_about(change)), HEIGHT, DEPTH, state.root)


def test_children_that_do_not_give_the_root_are_refused() -> None:
    state = make_state(3 * MAX_CHUNK_ACCOUNTS)

    def bad_child(chunk: StateChunk) -> StateChunk:
        assert chunk.children
        return replace(chunk, children=(chunk.children[0] ^ 1, *chunk.children[1:]))  # type: ignore[arg-type]

    lie = lambda chunk: bad_child(chunk) if chunk.children else chunk  # noqa: E731
    with pytest.raises(FastSyncStateError, match="children do not give"):
        fetch_state(serve(state, lie), HEIGHT, DEPTH, state.root)


def test_a_chunk_for_another_height_or_node_is_refused() -> None:
    state = make_state(10)
    with pytest.raises(FastSyncStateError, match="at height 8"):
        fetch_state(serve(state, lambda c: replace(c, height=8)), HEIGHT, DEPTH, state.root)
    with pytest.raises(FastSyncStateError, match="got node"):
        fetch_state(serve(state, lambda c: replace(c, position=1)), HEIGHT, DEPTH, state.root)


def test_another_states_root_is_refused() -> None:
    state, other = make_state(10), make_state(10, seed=2)
    with pytest.raises(FastSyncStateError, match="state root"):
        fetch_state(serve(other), HEIGHT, DEPTH, state.root)


def test_an_oversized_chunk_is_refused_while_decoding() -> None:
    doc = encode_chunk(StateChunk(HEIGHT, 1, 0, accounts=((0, Account(KEYS[0], 1, 0)),)))
    doc["accounts"] = doc["accounts"] * (MAX_CHUNK_ACCOUNTS + 1)
    with pytest.raises(FastSyncAnswerError, match=f"at most {MAX_CHUNK_ACCOUNTS}"):
        decode_chunk(doc)
    with pytest.raises(FastSyncAnswerError, match="exactly"):
        decode_chunk({**doc, "accounts": None, "children": None, "more": 1})
