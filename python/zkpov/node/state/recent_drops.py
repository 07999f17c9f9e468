"""A bounded memory of why recent transfers left the mempool, or never entered it.

``/tx?hash=`` answers ``dropped`` with the reason for a hash held here. The memory holds the
most recent ``capacity`` hashes (least recently recorded first out), so a flood of junk costs a
fixed amount of memory and only pushes older entries out.
"""

from __future__ import annotations

from collections import OrderedDict

from zkpov.node.state.admission import Rejection

__all__ = ["DEFAULT_CAPACITY", "RecentDrops"]

DEFAULT_CAPACITY = 10_000


class RecentDrops:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = max(1, capacity)
        self._entries: OrderedDict[bytes, Rejection] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, tx_hash: bytes, rejection: Rejection) -> None:
        self._entries[tx_hash] = rejection
        self._entries.move_to_end(tx_hash)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def forget(self, tx_hash: bytes) -> None:
        """The hash was admitted after all (a gap filled): it is no longer dropped."""
        self._entries.pop(tx_hash, None)

    def get(self, tx_hash: bytes) -> Rejection | None:
        return self._entries.get(tx_hash)
