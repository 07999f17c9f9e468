"""The SafetyData store: ``save`` returns only once the data would survive a crash.

Stores hold the bytes of :mod:`zkpov.spec.codec.safety_data`.
"""

from __future__ import annotations

from typing import Protocol

from zkpov.spec.safety_data import SafetyData

__all__ = ["SafetyStore"]


class SafetyStore(Protocol):
    """Durable home of one validator's SafetyData."""

    def load(self) -> SafetyData | None:
        """The last saved data, or None if nothing was ever saved."""

    def save(self, data: SafetyData) -> None:
        """Write ``data``; when this returns the write is durable."""
