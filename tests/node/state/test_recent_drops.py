"""The bounded memory of refused and dropped transfers: oldest out first, forget on admission."""

from __future__ import annotations

from zkpov.node.state.admission import Rejection
from zkpov.node.state.recent_drops import RecentDrops

GAP = Rejection("nonce_gap", "a gap")


def test_the_memory_is_bounded_and_drops_the_oldest() -> None:
    drops = RecentDrops(capacity=3)
    for i in range(5):
        drops.record(bytes([i]) * 32, GAP)
    assert len(drops) == 3
    assert drops.get(bytes([0]) * 32) is None and drops.get(bytes([4]) * 32) == GAP


def test_recording_again_refreshes_and_forget_removes() -> None:
    drops = RecentDrops(capacity=2)
    first, second, third = (bytes([i]) * 32 for i in range(3))
    drops.record(first, GAP)
    drops.record(second, GAP)
    drops.record(first, Rejection("evicted", "paid less"))
    drops.record(third, GAP)  # pushes out ``second``, the least recently recorded
    assert drops.get(second) is None
    found = drops.get(first)
    assert found is not None and found.reason == "evicted"
    drops.forget(first)
    assert drops.get(first) is None and len(drops) == 1
