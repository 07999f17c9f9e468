"""Which account state held at which height: states between a commit's blocks with transfers
are unknown, old ones go once proven-final passes them, and at most ``MAX_SNAPSHOTS`` stay."""

from __future__ import annotations

from dataclasses import replace

from tests.support.signed_chain import make_chain
from zkpov.chain.state import AccountState
from zkpov.node.fast_sync.snapshots import MAX_SNAPSHOTS, StateSnapshots
from zkpov.spec.messages import Block

BLOCKS = make_chain(8).blocks
GENESIS, AFTER_3, AFTER_6 = AccountState(4), AccountState(4), AccountState(4)


def with_payload(*heights: int) -> list[Block]:
    return [replace(b, payload=b"x") if b.height in heights else b for b in BLOCKS]


def test_states_hold_from_their_last_block_with_transfers() -> None:
    blocks = with_payload(3, 5, 6)
    snapshots = StateSnapshots(0, GENESIS)
    snapshots.on_commit(blocks[1:4], AFTER_3)
    snapshots.on_commit(blocks[4:8], AFTER_6)
    assert snapshots.get(2) is GENESIS
    assert snapshots.get(3) is AFTER_3 and snapshots.get(4) is AFTER_3
    assert snapshots.get(5) is None  # between blocks 5 and 6 of one commit: unknown
    assert snapshots.get(6) is AFTER_6 and snapshots.get(7) is AFTER_6


def test_proven_final_drops_older_states_and_the_cap_drops_the_oldest() -> None:
    snapshots = StateSnapshots(0, GENESIS)
    snapshots.on_commit(with_payload(3)[1:4], AFTER_3)
    snapshots.on_proven_final(4)
    assert snapshots.get(2) is None and snapshots.get(4) is AFTER_3
    for height in range(10, 10 + MAX_SNAPSHOTS):
        snapshots.on_commit([replace(BLOCKS[1], height=height, payload=b"x")], AFTER_6)
    assert snapshots.get(4) is None and snapshots.get(10) is AFTER_6
