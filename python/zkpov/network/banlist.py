"""Peers refused for a while: validator keys with an expiry on a caller-supplied monotonic clock.

The transport consults it when it admits a connection (either direction) and before it redials a
persistent peer. Expired entries are dropped when looked up or when the list is full, so it holds
at most ``capacity`` keys however many peers misbehave.
"""

from __future__ import annotations

__all__ = ["BanList"]


class BanList:
    def __init__(self, capacity: int = 1024) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._until: dict[bytes, float] = {}

    def ban(self, validator_pk: bytes, until: float) -> None:
        """Refuse ``validator_pk`` until ``until``; a ban already longer is kept."""
        if validator_pk not in self._until and len(self._until) >= self.capacity:
            self._make_room()
        self._until[validator_pk] = max(until, self._until.get(validator_pk, until))

    def get_expiry(self, validator_pk: bytes, now: float) -> float | None:
        """When the ban on ``validator_pk`` ends; None if it is not banned at ``now``."""
        until = self._until.get(validator_pk)
        if until is not None and until <= now:
            del self._until[validator_pk]
            return None
        return until

    def is_banned(self, validator_pk: bytes, now: float) -> bool:
        return self.get_expiry(validator_pk, now) is not None

    def __len__(self) -> int:
        return len(self._until)

    def _make_room(self) -> None:
        """Drop the ban that ends first (the least harm when the list is full)."""
        soonest = min(self._until, key=self._until.__getitem__)
        del self._until[soonest]
