"""zkpov.consensus.sync_guard: refused blocks are forgotten in time and capped; a peer whose
answers add nothing waits longer and longer, and one useful answer clears it."""

from __future__ import annotations

from zkpov.consensus.sync_guard import (
    MAX_BACKOFF_FACTOR,
    REFUSED_CAP,
    PeerBackoff,
    RefusedBlocks,
)
from zkpov.types import BlockId


def block_id(n: int) -> BlockId:
    return BlockId(n.to_bytes(32, "big"))


def test_a_refused_block_is_forgotten_after_the_hold() -> None:
    refused = RefusedBlocks(hold=10.0)
    refused.add(block_id(1), 0.0)
    assert refused.is_refused(block_id(1), 9.9)
    assert not refused.is_refused(block_id(1), 10.0)
    assert not refused.until  # an expired entry leaves the table


def test_the_refused_table_is_capped_oldest_first() -> None:
    refused = RefusedBlocks(hold=10.0)
    for n in range(REFUSED_CAP * 3):
        refused.add(block_id(n), 0.0)
    assert len(refused.until) == REFUSED_CAP
    assert refused.is_refused(block_id(REFUSED_CAP * 3 - 1), 1.0)
    assert not refused.is_refused(block_id(0), 1.0)


def test_useless_answers_double_the_wait_up_to_the_cap() -> None:
    backoff, waits = PeerBackoff(base=1.0), []
    for _ in range(12):
        backoff.on_useless(7, 0.0)
        waits.append(backoff.until.get(7, 0.0))
    assert waits[:5] == [0.0, 1.0, 2.0, 4.0, 8.0]  # the first one is free
    assert max(waits) == MAX_BACKOFF_FACTOR
    assert not backoff.is_ready(7, MAX_BACKOFF_FACTOR - 0.1) and backoff.is_ready(7, 64.0)
    assert backoff.is_ready(8, 0.0)  # other peers are not affected


def test_a_useful_answer_clears_the_backoff() -> None:
    backoff = PeerBackoff(base=1.0)
    for _ in range(5):
        backoff.on_useless(3, 0.0)
    backoff.on_useful(3)
    assert backoff.is_ready(3, 0.0) and not backoff.strikes
