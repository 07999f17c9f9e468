"""The slashing database must cover every round the safety data or the chain says was signed.

A node saves its SafetyData before each own vote, timeout or proposal, and the slashing guard
records the message in the slashing database just before it leaves. A database restored from an
old backup, copied without its ``-wal`` file, given a damaged ``-wal``, or emptied no longer
covers that history, and signing on it could double-sign: the node must not start on it
(:func:`check_slashing_coverage`). So that a crash between the two writes cannot look the same,
:class:`ReservingSafetyStore` reserves the round in the slashing database first and saves the
safety data second: a healthy database is never behind its safety data, not even when the
process dies at its very first signature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from zkpov.errors import StoreFaultError
from zkpov.spec.safety_data import SafetyData
from zkpov.storage.interface import SafetyStore

__all__ = [
    "ReservingSafetyStore",
    "check_slashing_coverage",
    "get_covered_round",
    "get_safety_mark",
]

Mark = tuple[int, int]  # (epoch, round)


class CoveringDB(Protocol):
    """What the coverage rules need of :class:`~zkpov.storage.slashing_db.SlashingDB`."""

    path: Path

    def get_highest_round(self, pubkey: bytes) -> Mark | None: ...

    def get_reservation(self, pubkey: bytes) -> Mark | None: ...

    def reserve(self, pubkey: bytes, epoch: int, round: int) -> None: ...


def get_safety_mark(data: SafetyData | None) -> Mark | None:
    """The highest ``(epoch, round)`` the safety data allowed signing at; None if none."""
    if data is None:
        return None
    top = max(data.last_voted_round, data.last_proposed_round, data.highest_timeout_round)
    return (int(data.epoch), int(top)) if top else None


def check_slashing_coverage(
    db: CoveringDB, pubkey: bytes, safety: SafetyData | None, chain_height: int
) -> None:
    """``StoreFaultError`` unless the database knows the key (records, watermarks or a
    reservation) whenever the safety data or the chain (``chain_height`` > 0) shows signing,
    and reaches the safety data's highest round."""
    reached = get_covered_round(db, pubkey)
    mark = get_safety_mark(safety)
    where = f"the slashing-protection database {db.path}"
    if reached is None and mark is not None:
        raise StoreFaultError(f"{where} is empty, but the safety data signed up to {mark}")
    if reached is None and chain_height > 0:
        raise StoreFaultError(f"{where} is empty, but the chain has {chain_height} blocks")
    if mark is not None and reached is not None and reached < mark:
        raise StoreFaultError(
            f"{where} is behind: it reaches (epoch, round) {reached}, the safety data {mark}"
        )


def get_covered_round(db: CoveringDB, pubkey: bytes) -> Mark | None:
    """The highest ``(epoch, round)`` the database records, bars or reserved for the key."""
    marks = [m for m in (db.get_highest_round(pubkey), db.get_reservation(pubkey)) if m]
    return max(marks, default=None)


class ReservingSafetyStore:
    """A :class:`~zkpov.storage.interface.SafetyStore` that reserves each new highest round in
    the slashing database before ``inner`` saves the safety data."""

    def __init__(self, inner: SafetyStore, db: CoveringDB, pubkey: bytes) -> None:
        self.inner, self.db, self.pubkey = inner, db, pubkey
        self._reserved: Mark | None = None

    def load(self) -> SafetyData | None:
        return self.inner.load()

    def save(self, data: SafetyData) -> None:
        mark = get_safety_mark(data)
        if mark is not None and (self._reserved is None or mark > self._reserved):
            self.db.reserve(self.pubkey, *mark)
            self._reserved = mark
        self.inner.save(data)
